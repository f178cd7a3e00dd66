"""The Belgian structured communication (OGM/VCS) in a bank line: found, checked, and corrected.

A structured communication is ten digits and two check digits (the ten modulo 97, 97 for 0),
written `+++123/4567/89012+++`. Invoices and capital calls store theirs in that form
(`Invoice.reference`, `CapitalCall.reference`), so a line is matched by the exact string.

A payer who types the communication by hand may put it in the free text, or get a digit wrong.
`references_in` finds every communication in a free text, in the order written (one payment for
several invoices). One whose check digits are wrong is never matched: `nearest_valid` proposes the
valid communications one typing slip away (one digit changed, two neighbours swapped), which the
import offers an advisor as suggestions only.
"""

import re
from dataclasses import dataclass

from stdnum.be import ogm_vcs

# Twelve digits grouped 3/4/5, as printed on invoices, with or without the +++ or *** around them.
_WRITTEN = re.compile(r"(?<!\d)(\d{3})\s*[/.\- ]?\s*(\d{4})\s*[/.\- ]?\s*(\d{5})(?!\d)")
# Only a number written as a communication (framed by +++ or ***, or grouped with slashes) is
# taken for one when its check digits are wrong: any twelve digits in a free text (an order
# number, a phone number) would otherwise become noise in the review queue.
_FRAMED = re.compile(r"[+*]{3}\s*\d{3}\s*/\s*\d{4}\s*/\s*\d{5}\s*[+*]{3}|(?<!\d)\d{3}/\d{4}/\d{5}(?!\d)")


def reference_text(digits: str) -> str:
    """Twelve digits as stored on invoices and capital calls: +++123/4567/89012+++."""
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def reference_digits(text: str) -> str:
    """The twelve digits of a communication written any way (+++, ***, slashes, spaces), or ""."""
    digits = "".join(char for char in text if char.isdigit())
    return digits if len(digits) == 12 else ""


def is_valid(digits: str) -> bool:
    """The OGM/VCS rule: the last two digits are the first ten modulo 97 (97 for a remainder of 0).

    Written out rather than python-stdnum's `ogm_vcs.is_valid`, whose cleaning and exceptions cost
    more than the arithmetic: a wrong communication's nearest valid ones are 120 checks each.
    """
    if len(digits) != 12 or not digits.isdigit():
        return False
    remainder = int(digits[:10]) % 97
    return int(digits[10:]) == (remainder or 97)


@dataclass(frozen=True)
class Found:
    digits: str
    valid: bool


def references_in(text: str) -> list[Found]:
    """The communications written in a free text, in order, once each.

    Valid ones wherever they are; invalid ones only when written as a communication (`_FRAMED`).
    """
    framed = {reference_digits(match.group(0)) for match in _FRAMED.finditer(text)}
    found: list[Found] = []
    seen: set[str] = set()
    for match in _WRITTEN.finditer(text):
        digits = "".join(match.groups())
        if digits in seen:
            continue
        valid = is_valid(digits)
        if valid or digits in framed:
            seen.add(digits)
            found.append(Found(digits=digits, valid=valid))
    return found


def nearest_valid(digits: str) -> list[str]:
    """The valid communications one slip away from `digits`: right check digits for the same ten,
    one digit changed, or two neighbouring digits swapped. Most often one or two of them exist."""
    candidates: list[str] = []

    def consider(candidate: str) -> None:
        if candidate != digits and candidate not in candidates and is_valid(candidate):
            candidates.append(candidate)

    base = digits[:10]
    consider(base + ogm_vcs.calc_check_digits(base))
    for position in range(12):
        for replacement in "0123456789":
            if replacement != digits[position]:
                consider(digits[:position] + replacement + digits[position + 1 :])
    for position in range(11):
        consider(digits[:position] + digits[position + 1] + digits[position] + digits[position + 2 :])
    return candidates

"""Belgian identifiers, checked with python-stdnum and explained in the member's language.

Each `clean_*` returns the compact form to store, or raises InvalidInput naming the field, so a
form, the admin and the API all refuse the same input with the same sentence.
"""

from datetime import date

from django.utils.translation import gettext as _
from stdnum import iban as any_iban
from stdnum.be import iban as be_iban
from stdnum.be import nn, ogm_vcs, vat
from stdnum.exceptions import ValidationError

from smartcoop.errors import InvalidInput


def clean_national_number(value: str, *, birth_date: date | None, field: str = "national_number") -> str:
    """A valid national register number whose encoded birth date matches `birth_date`."""
    try:
        number = str(nn.validate(value))
    except ValidationError:
        message = _("This is not a valid Belgian national register number (11 digits, YY.MM.DD-XXX.CC).")
        raise InvalidInput.on(field, message) from None
    if birth_date is not None:
        try:
            encoded = nn.get_birth_date(number)
        except ValidationError:
            encoded = None  # numbers of people with an unknown birth date encode none
        if encoded is not None and encoded != birth_date:
            message = _("The birth date does not match the national register number (%(date)s).") % {
                "date": encoded.strftime("%d/%m/%Y")
            }
            raise InvalidInput.on("birth_date", message)
    return number


def national_number_for(birth_date: date, serial: int) -> str:
    """A valid national register number for a birth date and a 3-digit serial (demo and test data).

    The register's check digits: 97 minus the first nine digits modulo 97, with a 2 in front of
    them for people born from 2000 on.
    """
    base = f"{birth_date:%y%m%d}{serial:03d}"
    modulus = int(base) if birth_date.year < 2000 else int("2" + base)
    return f"{base}{97 - modulus % 97:02d}"


def clean_iban(value: str, *, field: str = "iban") -> str:
    try:
        return str(any_iban.validate(value))
    except ValidationError:
        message = _("This is not a valid IBAN (for example BE71 0961 2345 6769).")
        raise InvalidInput.on(field, message) from None


def bic_for(iban: str) -> str:
    """The BIC of a Belgian IBAN's bank, from the National Bank's list; empty when unknown."""
    if not iban.upper().startswith("BE"):
        return ""
    try:
        return str(be_iban.to_bic(iban) or "")
    except ValidationError:
        return ""


def clean_enterprise_number(value: str, *, field: str = "enterprise_number") -> str:
    """A Belgian enterprise number (also the VAT number): 10 digits with a valid check."""
    try:
        return str(vat.validate(value))
    except ValidationError:
        message = _("This is not a valid Belgian enterprise number (for example 0754.316.243).")
        raise InvalidInput.on(field, message) from None


def format_enterprise_number(number: str) -> str:
    return f"{number[:4]}.{number[4:7]}.{number[7:]}"


def structured_communication(reference: int) -> str:
    """The Belgian structured communication +++123/4567/89012+++ for a 10-digit reference."""
    base = f"{reference % 10**10:010d}"
    return f"+++{ogm_vcs.format(base + ogm_vcs.calc_check_digits(base))}+++"


# --- Identifiers as people read them ---------------------------------------------------------------
# Stored compact (digits only), shown grouped: a number read aloud or compared with a card is read
# in blocks. Each returns what it was given when it is not of the expected length, so a value stored
# before a check existed is still shown as it is.


def national_number_text(number: str) -> str:
    """A national register number as printed on the identity card: YY.MM.DD-XXX.CC."""
    digits = "".join(char for char in number if char.isdigit())
    if len(digits) != 11:
        return number
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:]}"


def iban_text(iban: str) -> str:
    """An IBAN in groups of four characters, as banks print it: BE71 0961 2345 6769."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[start : start + 4] for start in range(0, len(compact), 4))


def enterprise_number_text(number: str) -> str:
    """A Belgian enterprise number as the Crossroads Bank prints it: 0123.456.789 (a BE prefix kept)."""
    compact = "".join(char for char in number if char.isalnum()).upper()
    prefix, digits = (compact[:2], compact[2:]) if compact.startswith("BE") else ("", compact)
    if len(digits) != 10 or not digits.isdigit():
        return number
    return f"{prefix}{' ' if prefix else ''}{format_enterprise_number(digits)}"

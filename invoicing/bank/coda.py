"""CODA, the Belgian banks' coded statement of account (Febelfin standard, version 2): read and written.

A CODA file is a sequence of records of 128 characters, one a line (positions below are the
standard's, counted from 1):

- 0 header: creation date (6-11), application code 05 (15-16), the addressee (35-60), the bank's BIC
  (61-71), the holder's enterprise number (72-82), version code 2 (128);
- 1 old balance: account structure (2: 0 Belgian number, 2 Belgian IBAN, 3 foreign IBAN), paper
  statement number (3-5), account and currency (6-42), sign (43: 0 credit, 1 debit), balance
  (44-58, 12 digits and 3 decimals), date (59-64), holder (65-90), CODA statement number (126-128);
- 2.1 movement: continuous sequence number (3-6), detail number (7-10), the bank's reference
  (11-31), sign (32), amount (33-47), value date (48-53), transaction code (54-61), communication
  type (62: 1 structured), communication (63-115: for a structured one, its type in 63-65, 101 or
  102 for a Belgian structured communication, and its twelve digits from 66), entry date (116-121),
  globalisation code (125), next code (126: a 2.2 or 2.3 follows), link code (128: a 3.x follows);
- 2.2 communication continued (11-63), the counterparty's BIC (99-109); 2.3 the counterparty's
  account (11-47) and name (48-82), communication continued (83-125);
- 3.x information records and 4 free communications: read past (they carry nothing we match on);
- 8 new balance: account (5-41), sign (42), balance (43-57), date (58-63);
- 9 trailer: the number of records 1, 2.x, 3.x and 8 (17-22), the sums of the debit and credit
  movements of detail number 0000 (23-37, 38-52), and 2 when it is the last file (128).

`coda_parse` checks all the standard lets it check: every record's length and type, the order of
the records, numbers and dates where numbers and dates are due, the trailer's count and sums, the
account repeated in the new balance, and old balance + movements = new balance. A file that fails
one is refused whole, the message naming its line, so nothing of it is imported.

A globalised movement (code 125 not 0) whose details (detail numbers from 0001) add up to it is
read as its details: each is a payment of its own to match. One file, one statement: a file
holding several (several accounts, or several days) is refused, to be imported one by one.

`coda_write` writes a `StatementData` to the standard (records 0, 1, 2.1-2.3, 8 and 9), for the
tests, the demo and the benchmark. CODA numbers statements per account and year: a statement's id
is `YYYY-NNN`, the writer puts NNN in the record 1 and the parser reads it back with the year of
the new balance.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _
from stdnum import iban as iban_rules

from invoicing.bank.data import LineData, StatementData
from invoicing.bank.references import reference_digits, reference_text
from smartcoop.errors import InvalidInput
from smartcoop.money import CENT, ZERO

RECORD_LENGTH = 128
STRUCTURED_TYPES = ("101", "102")  # a Belgian structured communication, typed or reconstituted by the bank
CREDIT_TRANSFER, DEBIT_TRANSFER = "00150000", "00101000"  # SEPA transfer in our favour, transfer order
_STATEMENT_ID = re.compile(r"^(\d{4})-(\d{3})$")


def _refuse(message: str) -> InvalidInput:
    return InvalidInput.on("file", message)


# --- reading ----------------------------------------------------------------------------------------


@dataclass
class _Movement:
    line: int
    sequence: str
    detail: str
    amount: Decimal
    value_date: date | None
    entry_date: date
    bank_reference: str
    structured: bool
    communication: str
    globalised: bool
    counterparty_name: str = ""
    counterparty_iban: str = ""
    parts: list[str] = field(default_factory=list)


def _decode(content: bytes) -> list[str]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")  # what Belgian banks write
    records = text.splitlines()
    while records and not records[-1].strip():
        records.pop()
    return records


def _number(record: str, start: int, end: int, *, line: int, what: str) -> int:
    """Positions start..end (the standard's, from 1) as a number, or a refusal naming them."""
    text = record[start - 1 : end]
    if not text.isdigit():
        raise _refuse(
            _("Line %(line)s: %(what)s (positions %(start)s to %(end)s) should be digits, not “%(text)s”.")
            % {"line": line, "what": what, "start": start, "end": end, "text": text.strip()}
        )
    return int(text)


def _optional_date(record: str, start: int, *, line: int, what: str) -> date | None:
    """A date, or None where the standard allows zeros for "not known" (a value date)."""
    if record[start - 1 : start + 5] == "000000":
        return None
    return _date(record, start, line=line, what=what)


def _date(record: str, start: int, *, line: int, what: str) -> date:
    text = record[start - 1 : start + 5]
    if text.isdigit():
        try:
            return date(2000 + int(text[4:]), int(text[2:4]), int(text[:2]))
        except ValueError:
            pass
    raise _refuse(
        _("Line %(line)s: %(what)s (positions %(start)s to %(end)s) is not a date (DDMMYY): “%(text)s”.")
        % {"line": line, "what": what, "start": start, "end": start + 5, "text": text}
    )


def _amount(record: str, sign_at: int, *, line: int, what: str) -> Decimal:
    """A signed amount: the sign at `sign_at` (0 credit, 1 debit), then 12 digits and 3 decimals."""
    sign = record[sign_at - 1]
    if sign not in "01":
        raise _refuse(
            _("Line %(line)s: the sign of %(what)s (position %(at)s) is 0 or 1, not “%(sign)s”.")
            % {"line": line, "what": what, "at": sign_at, "sign": sign}
        )
    mills = _number(record, sign_at + 1, sign_at + 15, line=line, what=what)
    if mills % 10:
        raise _refuse(
            _("Line %(line)s: %(what)s has a fraction of a cent; an account in euros moves by cents.")
            % {"line": line, "what": what}
        )
    amount = (Decimal(mills) / 1000).quantize(CENT)
    return -amount if sign == "1" else amount


def _account(record: str, start: int, structure: str, *, line: int) -> tuple[str, str]:
    """The account's IBAN and currency from the 37 characters at `start` (7.5 of the standard)."""
    zone = record[start - 1 : start + 36]
    if structure == "0":  # an old Belgian account number: 12 digits, then the currency
        number, currency = zone[:12], zone[13:16]
        if not number.isdigit():
            raise _refuse(_("Line %(line)s: the Belgian account number is not 12 digits.") % {"line": line})
        iban = f"BE{iban_rules.calc_check_digits(f'BE00{number}')}{number}"
    elif structure == "2":
        iban, currency = zone[:31].strip(), zone[34:37]
    elif structure == "3":
        iban, currency = zone[:34].strip(), zone[34:37]
    else:
        raise _refuse(
            _("Line %(line)s: the account has no IBAN (account structure %(code)s); ask the bank for CODA with IBAN.")
            % {"line": line, "code": structure}
        )
    return iban.replace(" ", "").upper(), currency


def _kind(record: str) -> str:
    if record[0] in "23":
        return record[:2]
    return record[0]


def _communication(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _Opening:
    iban: str
    structure: str
    balance: Decimal
    number: int  # the CODA statement number, else the paper one (0: none given)
    holder: str


def _check_header(records: list[str]) -> None:
    header = records[0]
    if header[0] != "0":
        raise _refuse(_("Line 1: a CODA file starts with its header record (0); this is not a CODA file."))
    if header[127] != "2":
        raise _refuse(
            _("Line 1: this is CODA version %(version)s; only version 2 is read. Ask the bank for CODA 2.")
            % {"version": header[127]}
        )
    if header[14:16] != "05":
        raise _refuse(_("Line 1: the application code (positions 15-16) of a statement is 05."))
    _date(header, 6, line=1, what=_("the creation date"))


def _old_balance(records: list[str]) -> _Opening:
    if len(records) < 2 or records[1][0] != "1":
        raise _refuse(_("Line 2: the header is followed by the old balance record (1)."))
    old = records[1]
    iban, currency = _account(old, 6, old[1], line=2)
    if currency != "EUR":
        raise _refuse(
            _("Line 2: this account is in %(currency)s; only accounts in euros are imported.")
            % {"currency": currency.strip() or "?"}
        )
    balance = _amount(old, 43, line=2, what=_("the old balance"))
    _date(old, 59, line=2, what=_("the old balance date"))
    coda_number = _number(old, 126, 128, line=2, what=_("the statement number"))
    paper_number = _number(old, 3, 5, line=2, what=_("the paper statement number"))
    return _Opening(iban, old[1], balance, coda_number or paper_number, old[64:90].strip())


@dataclass
class _Body:
    """What the records after the old balance hold, read in order."""

    opening: _Opening
    movements: list[_Movement] = field(default_factory=list)
    counted: int = 1  # records 1, 2.x, 3.x and 8, as the trailer counts them
    free: int = 0  # records 4
    closing: Decimal | None = None
    closing_date: date | None = None
    trailer_line: int = 0

    def read(self, record: str, line: int) -> None:
        kind = _kind(record)
        if kind == "4":
            self.free += 1
        elif self.closing is None:
            self._before_new_balance(record, kind, line)
            self.counted += 1
        elif kind == "9" and not self.trailer_line:
            self.trailer_line = line
            _check_trailer(record, line=line, counted=self.counted, free=self.free, movements=self.movements)
        elif kind == "0" and self.trailer_line:
            raise _refuse(
                _("Line %(line)s: this file holds more than one statement; import each statement in a file of its own.")
                % {"line": line}
            )
        else:
            raise _refuse(_unexpected(record, line))

    def _before_new_balance(self, record: str, kind: str, line: int) -> None:
        if kind == "21":
            self.movements.append(_movement(record, line=line))
        elif kind in ("22", "23"):
            _continue(self.movements, record, kind, line=line)
        elif kind in ("31", "32", "33"):
            if not self.movements:
                raise _refuse(_("Line %(line)s: an information record (3) comes before any movement.") % {"line": line})
        elif kind == "8":
            iban, _currency = _account(record, 5, self.opening.structure, line=line)
            if iban != self.opening.iban:
                raise _refuse(
                    _("Line %(line)s: the new balance is of account %(other)s, the old one of %(account)s.")
                    % {"line": line, "other": iban, "account": self.opening.iban}
                )
            self.closing = _amount(record, 42, line=line, what=_("the new balance"))
            self.closing_date = _date(record, 58, line=line, what=_("the new balance date"))
        else:
            raise _refuse(_unexpected(record, line))


def coda_parse(content: bytes) -> StatementData:
    """The statement in a CODA file, checked whole, or InvalidInput naming the line at fault."""
    records = _decode(content)
    if not records:
        raise _refuse(_("The file is empty."))
    if not records[0].startswith("0"):
        raise _refuse(_("Line 1: a CODA file starts with its header record (0); this is not a CODA file."))
    for line, record in enumerate(records, start=1):
        if len(record) != RECORD_LENGTH:
            raise _refuse(
                _("Line %(line)s: a CODA record has 128 characters; this one has %(length)s.")
                % {"line": line, "length": len(record)}
            )
    _check_header(records)
    body = _Body(_old_balance(records))
    for line, record in enumerate(records[2:], start=3):
        body.read(record, line)
    if body.closing is None or body.closing_date is None:
        raise _refuse(
            _("The file ends at line %(line)s without its new balance record (8): it is truncated.")
            % {"line": len(records)}
        )
    if not body.trailer_line:
        raise _refuse(
            _("The file ends at line %(line)s without its trailer record (9): it is truncated.")
            % {"line": len(records)}
        )
    lines = list(_lines(body.movements))
    opening = body.opening.balance
    moved = sum((movement.amount for movement in body.movements if movement.detail == "0000"), ZERO)
    if opening + moved != body.closing:
        raise _refuse(
            _("The old balance %(old)s and the movements %(moved)s do not make the new balance %(new)s.")
            % {"old": opening, "moved": moved, "new": body.closing}
        )
    number, day, header = body.opening.number, body.closing_date, records[0]
    return StatementData(
        account_iban=body.opening.iban,
        statement_id=f"{day.year}-{number:03d}" if number else day.isoformat(),
        date=day,
        opening_balance=opening,
        lines=lines,
        account_holder=body.opening.holder,
        bic=header[60:71].strip(),
        enterprise_number=header[72:82] if header[71:82].strip("0 ") else "",
    )


def _unexpected(record: str, line: int) -> str:
    kind = _kind(record)
    known = {"0", "1", "21", "22", "23", "31", "32", "33", "4", "8", "9"}
    if kind not in known:
        return _("Line %(line)s: “%(kind)s” is not a CODA record type.") % {"line": line, "kind": kind}
    return _("Line %(line)s: a record %(kind)s cannot come here.") % {
        "line": line,
        "kind": ".".join(kind) if len(kind) == 2 else kind,
    }


def _movement(record: str, *, line: int) -> _Movement:
    _number(record, 3, 10, line=line, what=_("the movement's sequence and detail numbers"))
    structured = record[61] == "1"
    if record[61] not in "01":
        raise _refuse(_("Line %(line)s: the communication type (position 62) is 0 or 1.") % {"line": line})
    zone = record[62:115]
    communication = zone
    if structured and zone[:3] in STRUCTURED_TYPES:
        digits = zone[3:15]
        if not digits.isdigit():
            raise _refuse(
                _("Line %(line)s: a structured communication (positions 66-77) is twelve digits.") % {"line": line}
            )
        communication = reference_text(digits)
    elif structured:
        structured = False  # another structured type (a card number, an RF reference): read as text
        communication = zone[3:]
    return _Movement(
        line=line,
        sequence=record[2:6],
        detail=record[6:10],
        amount=_amount(record, 32, line=line, what=_("the amount")),
        value_date=_optional_date(record, 48, line=line, what=_("the value date")),
        entry_date=_date(record, 116, line=line, what=_("the entry date")),
        bank_reference=record[10:31].strip(),
        structured=structured,
        communication=communication,
        globalised=record[124] not in "0 ",
    )


def _continue(movements: list[_Movement], record: str, kind: str, *, line: int) -> None:
    if not movements or (movements[-1].sequence, movements[-1].detail) != (record[2:6], record[6:10]):
        raise _refuse(
            _("Line %(line)s: the record %(kind)s does not continue the movement before it.")
            % {"line": line, "kind": ".".join(kind)}
        )
    movement = movements[-1]
    if kind == "22":
        movement.parts.append(record[10:63])
    else:
        movement.counterparty_iban = record[10:47].strip().split(" ")[0].upper()
        movement.counterparty_name = record[47:82].strip()
        movement.parts.append(record[82:125])


def _check_trailer(record: str, *, line: int, counted: int, free: int, movements: list[_Movement]) -> None:
    count = _number(record, 17, 22, line=line, what=_("the number of records"))
    debits = _number(record, 23, 37, line=line, what=_("the sum of debits"))
    credits = _number(record, 38, 52, line=line, what=_("the sum of credits"))
    # The standard counts records 1, 2.x, 3.x and 8; some banks count the free communications too.
    if count not in (counted, counted + free):
        raise _refuse(
            _("Line %(line)s: the trailer counts %(count)s records, the file has %(found)s: it is incomplete.")
            % {"line": line, "count": count, "found": counted}
        )
    main = [movement for movement in movements if movement.detail == "0000"]
    found_debits = -sum((m.amount for m in main if m.amount < 0), ZERO)
    found_credits = sum((m.amount for m in main if m.amount > 0), ZERO)
    if (Decimal(debits) / 1000, Decimal(credits) / 1000) != (found_debits, found_credits):
        raise _refuse(
            _(
                "Line %(line)s: the trailer sums debits to %(debits)s and credits to %(credits)s, the movements"
                " to %(found_debits)s and %(found_credits)s."
            )
            % {
                "line": line,
                "debits": Decimal(debits) / 1000,
                "credits": Decimal(credits) / 1000,
                "found_debits": found_debits,
                "found_credits": found_credits,
            }
        )


def _lines(movements: list[_Movement]) -> Iterator[LineData]:
    """Each movement as a line; a globalised one as its details when they add up to it."""
    by_sequence: dict[str, list[_Movement]] = {}
    for movement in movements:
        by_sequence.setdefault(movement.sequence, []).append(movement)
    for group in by_sequence.values():
        main, details = group[0], group[1:]
        if main.detail != "0000":
            raise _refuse(_("Line %(line)s: a movement's first record has detail number 0000.") % {"line": main.line})
        shown = details if main.globalised and details and sum(d.amount for d in details) == main.amount else [main]
        for movement in shown:
            text = movement.communication + "".join(movement.parts)
            yield LineData(
                amount=movement.amount,
                counterparty_name=movement.counterparty_name,
                counterparty_iban=movement.counterparty_iban,
                communication=movement.communication if movement.structured else _communication(text),
                structured=movement.structured,
                booking_date=movement.entry_date,
                value_date=movement.value_date,
                bank_reference=movement.bank_reference,
            )


# --- writing ----------------------------------------------------------------------------------------


def _text(value: str, length: int) -> str:
    cleaned = " ".join(value.split())
    return cleaned[:length].ljust(length)


def _digits(value: int, length: int) -> str:
    return f"{value:0{length}d}"


def _ddmmyy(day: date) -> str:
    return day.strftime("%d%m%y")


def _signed(amount: Decimal) -> str:
    return ("1" if amount < 0 else "0") + _digits(int(abs(amount) * 1000), 15)


def _account_zone(iban: str) -> tuple[str, str]:
    compact = iban.replace(" ", "").upper()
    if compact.startswith("BE"):
        return "2", compact.ljust(31) + "   " + "EUR"
    return "3", compact.ljust(34) + "EUR"


def _record(*parts: str) -> str:
    record = "".join(parts)
    if len(record) != RECORD_LENGTH:  # pragma: no cover -- a writer's bug, never the data's
        raise ValueError(f"CODA record of {len(record)} characters: {record!r}")
    return record


def coda_write(statement: StatementData) -> bytes:
    """`statement` as a CODA 2 file (its id `YYYY-NNN`), CRLF-separated and in Windows-1252."""
    matched = _STATEMENT_ID.match(statement.statement_id)
    if matched is None:
        raise ValueError("a CODA statement id is YYYY-NNN (the year and the statement's number)")
    number = matched.group(2)
    structure, account = _account_zone(statement.account_iban)
    day = statement.date
    enterprise = "".join(char for char in statement.enterprise_number if char.isdigit())
    records = [
        _record(
            "0", "0000", _ddmmyy(day), "000", "05", " ", " " * 7, _text(statement.statement_id, 10),
            _text(statement.account_holder, 26), _text(statement.bic, 11), enterprise.rjust(11, "0")[-11:], " ",
            "00000", " " * 16, " " * 16, " " * 7, "2",
        ),
        _record(
            "1", structure, number, account, _signed(statement.opening_balance), _ddmmyy(day - timedelta(days=1)),
            _text(statement.account_holder, 26), _text("", 35), number,
        ),
    ]  # fmt: skip
    debits = credits = ZERO
    for sequence, line in enumerate(statement.lines, start=1):
        records += _movement_records(line, sequence=sequence, day=statement.booking_date_of(line), number=number)
        if line.amount < 0:
            debits -= line.amount
        else:
            credits += line.amount
    records.append(_record("8", number, account, _signed(statement.closing_balance), _ddmmyy(day), " " * 64, "0"))
    records.append(
        _record("9", " " * 15, _digits(len(records) - 1, 6), _signed(debits)[1:], _signed(credits)[1:], " " * 75, "2")
    )
    return ("\r\n".join(records) + "\r\n").encode("cp1252", errors="replace")


def _movement_records(line: LineData, *, sequence: int, day: date, number: str) -> list[str]:
    seq = _digits(sequence % 10000, 4)
    digits = reference_digits(line.communication) if line.structured else ""
    if line.structured and not digits:
        raise ValueError("a structured communication is twelve digits")
    text = " ".join(line.communication.split())
    first, rest = ("101" + digits, "") if digits else (text[:53], text[53:])
    more = bool(rest or line.counterparty_name or line.counterparty_iban)
    code = CREDIT_TRANSFER if line.amount >= 0 else DEBIT_TRANSFER
    value_date = _ddmmyy(line.value_date) if line.value_date else "000000"
    records = [
        _record(
            "21", seq, "0000", _text(line.bank_reference, 21), _signed(line.amount), value_date, code,
            "1" if digits else "0", first.ljust(53)[:53], _ddmmyy(day), number, "0", "1" if more else "0", " ", "0",
        )
    ]  # fmt: skip
    if more:
        records.append(
            _record("22", seq, "0000", rest[:53].ljust(53), " " * 35, " " * 11, " " * 3, " ", " " * 4,
                    " " * 4, " " * 4, "1", " ", "0")
        )  # fmt: skip
        iban = line.counterparty_iban.replace(" ", "").upper()
        records.append(
            _record("23", seq, "0000", (iban.ljust(34) + ("EUR" if iban else "   "))[:37],
                    _text(line.counterparty_name, 35), rest[53:96].ljust(43), "0", " ", "0")
        )  # fmt: skip
    return records


def is_coda(content: bytes) -> bool:
    """Whether the content looks like CODA (a header record of 128 characters, application 05)."""
    first = content[:130].split(b"\n", 1)[0].rstrip(b"\r")
    return len(first) == RECORD_LENGTH and first[:5] == b"00000" and first[14:16] == b"05"

"""camt.053, the ISO 20022 bank-to-customer statement: read and written.

What is read, by element (the message's own names):

- `Document` in a namespace `urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN`, NN from 02 on: the
  versions differ in a few places read both ways here (an entry's status `Sts` is a code, or
  `Sts/Cd` from 08; a party's name `Dbtr/Nm`, or `Dbtr/Pty/Nm` from 08; a transaction's amount
  `AmtDtls/TxAmt/Amt`, or `Amt` from 04; the bank's BIC `BIC`, or `BICFI` from 04);
- one `BkToCstmrStmt/Stmt`: its `Id`, the account `Acct/Id/IBAN` (in euros), the balances `Bal`
  of type OPBD (opening booked; PRCD, the previous closing, where a bank gives that instead) and
  CLBD (closing booked), each an `Amt` with `CdtDbtInd` (CRDT or DBIT) and a `Dt`;
- each booked entry `Ntry` (status BOOK; pending or informative ones do not move the balance):
  `Amt`, `CdtDbtInd`, `BookgDt`, `ValDt`, `AcctSvcrRef`, and its transactions `NtryDtls/TxDtls`:
  the counterparty (`RltdPties/Dbtr` and `DbtrAcct/Id/IBAN` for money received, `Cdtr` and
  `CdtrAcct` for money paid), the remittance information `RmtInf`: structured in
  `Strd/CdtrRefInf/Ref` when its type is `Tp/CdOrPrtry/Cd` SCOR or `Tp/Issr` BBA (where Belgian
  banks put the structured communication), else the free text `Ustrd`.

An entry booking several transactions (a batch) whose amounts add up to it is read as one line a
transaction, since each may pay another invoice. The parser checks what the message lets it
check: well-formed XML, the namespace, the elements that must be there, amounts in cents and in
euros, and opening balance + booked entries = closing balance; a refusal names the entry and the
line of the file. The XML is read without entities or network access.

`camt053_write` writes a `StatementData` as camt.053.001.02 (or .08), for the tests and the demo.
"""

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from invoicing.bank.data import LineData, StatementData
from invoicing.bank.references import reference_digits, reference_text
from smartcoop.errors import InvalidInput
from smartcoop.money import ZERO, is_cents

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001."
OPENING_CODES, CLOSING_CODES = ("OPBD", "PRCD"), ("CLBD",)


def _refuse(message: str) -> InvalidInput:
    return InvalidInput.on("file", message)


def is_camt053(content: bytes) -> bool:
    return NAMESPACE.encode() in content[:4096]


class _Reader:
    """Finds elements by their local names within the document's namespace."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def path(self, path: str) -> str:
        return "/".join(f"{{{self.namespace}}}{name}" for name in path.split("/"))

    def all(self, element: etree._Element, path: str) -> list[etree._Element]:
        return list(element.iterfind(self.path(path)))

    def one(self, element: etree._Element, path: str) -> etree._Element | None:
        return element.find(self.path(path))

    def text(self, element: etree._Element, *paths: str) -> str:
        """The text of the first of `paths` found, stripped, or ""."""
        for path in paths:
            found = element.find(self.path(path))
            if found is not None and (found.text or "").strip():
                return (found.text or "").strip()
        return ""


def _where(element: etree._Element) -> int:
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else 0


def _magnitude(reader: _Reader, element: etree._Element, path: str, *, what: str) -> Decimal:
    """The amount at `path`: positive, in cents, in euros."""
    found = reader.one(element, path)
    if found is None:
        raise _refuse(_("Line %(line)s: %(what)s has no amount.") % {"line": _where(element), "what": what})
    text = (found.text or "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0 or not is_cents(amount):
        raise _refuse(
            _("Line %(line)s: the amount of %(what)s is not an amount in cents: “%(text)s”.")
            % {"line": _where(found), "what": what, "text": text}
        )
    currency = found.get("Ccy", "EUR")
    if currency != "EUR":
        raise _refuse(
            _("Line %(line)s: %(what)s is in %(currency)s; only euros are imported.")
            % {"line": _where(found), "what": what, "currency": currency}
        )
    return amount


def _money(reader: _Reader, element: etree._Element, path: str, *, what: str) -> Decimal:
    """The amount at `path`, signed by the element's `CdtDbtInd` (DBIT: money going out)."""
    amount = _magnitude(reader, element, path, what=what)
    sign = reader.text(element, "CdtDbtInd")
    if sign not in ("CRDT", "DBIT"):
        raise _refuse(
            _("Line %(line)s: %(what)s is neither a credit (CRDT) nor a debit (DBIT).")
            % {"line": _where(element), "what": what}
        )
    return -amount if sign == "DBIT" else amount


def _day(reader: _Reader, element: etree._Element, path: str, *, what: str, required: bool) -> date | None:
    text = reader.text(element, f"{path}/Dt", f"{path}/DtTm")
    if not text:
        if required:
            raise _refuse(_("Line %(line)s: %(what)s has no date.") % {"line": _where(element), "what": what})
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _refuse(
            _("Line %(line)s: the date of %(what)s is not a date: “%(text)s”.")
            % {"line": _where(element), "what": what, "text": text}
        ) from None


def camt053_parse(content: bytes) -> StatementData:
    """The statement in a camt.053 file, checked, or InvalidInput naming the line at fault."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise _refuse(
            _("The file is not well-formed XML (line %(line)s): %(error)s") % {"line": error.lineno, "error": error.msg}
        ) from None
    name = etree.QName(root)
    namespace = name.namespace or ""
    version = namespace.removeprefix(NAMESPACE)
    if name.localname != "Document" or not namespace.startswith(NAMESPACE) or not version.isdigit():
        raise _refuse(_("This XML is not a camt.053 bank statement (its root is %(root)s).") % {"root": name.text})
    if int(version) < 2:
        raise _refuse(
            _("camt.053.001.%(version)s is too old; the bank can send version 02 or later.") % {"version": version}
        )
    reader = _Reader(namespace)
    statements = reader.all(root, "BkToCstmrStmt/Stmt")
    if not statements:
        raise _refuse(_("The file holds no statement (BkToCstmrStmt/Stmt)."))
    if len(statements) > 1:
        raise _refuse(
            _("The file holds %(count)s statements; import each statement in a file of its own.")
            % {"count": len(statements)}
        )
    (statement,) = statements
    statement_id = reader.text(statement, "Id")
    iban = reader.text(statement, "Acct/Id/IBAN").replace(" ", "").upper()
    if not statement_id or not iban:
        raise _refuse(
            _("Line %(line)s: the statement has no Id or no account IBAN (Acct/Id/IBAN).") % {"line": _where(statement)}
        )
    currency = reader.text(statement, "Acct/Ccy") or "EUR"
    if currency != "EUR":
        raise _refuse(
            _("This account is in %(currency)s; only accounts in euros are imported.") % {"currency": currency}
        )
    opening, closing, closing_date = _balances(reader, statement)
    lines: list[LineData] = []
    moved = ZERO
    for number, entry in enumerate(reader.all(statement, "Ntry"), start=1):
        what = _("entry %(n)s") % {"n": number}
        status = reader.text(entry, "Sts/Cd", "Sts")
        if status and status != "BOOK":
            continue  # pending or informative: not in the booked balance
        amount = _money(reader, entry, "Amt", what=what)
        moved += amount
        lines.extend(_entry_lines(reader, entry, amount, what=what))
    if opening + moved != closing:
        raise _refuse(
            _("The opening balance %(old)s and the booked entries %(moved)s do not make the closing balance %(new)s.")
            % {"old": opening, "moved": moved, "new": closing}
        )
    created = reader.text(statement, "CreDtTm")
    return StatementData(
        account_iban=iban,
        statement_id=statement_id[:60],
        date=closing_date or (date.fromisoformat(created[:10]) if created else timezone.localdate()),
        opening_balance=opening,
        lines=lines,
        account_holder=reader.text(statement, "Acct/Ownr/Nm"),
        bic=reader.text(statement, "Acct/Svcr/FinInstnId/BIC", "Acct/Svcr/FinInstnId/BICFI"),
    )


def _balances(reader: _Reader, statement: etree._Element) -> tuple[Decimal, Decimal, date | None]:
    opening: Decimal | None = None
    closing: Decimal | None = None
    closing_date: date | None = None
    for balance in reader.all(statement, "Bal"):
        code = reader.text(balance, "Tp/CdOrPrtry/Cd")
        if code in OPENING_CODES and (opening is None or code == "OPBD"):
            opening = _money(reader, balance, "Amt", what=_("the opening balance"))
        elif code in CLOSING_CODES:
            closing = _money(reader, balance, "Amt", what=_("the closing balance"))
            closing_date = _day(reader, balance, "Dt", what=_("the closing balance"), required=False)
    if opening is None or closing is None:
        raise _refuse(
            _("Line %(line)s: the statement needs its opening (OPBD) and closing (CLBD) booked balances.")
            % {"line": _where(statement)}
        )
    return opening, closing, closing_date


def _entry_lines(reader: _Reader, entry: etree._Element, amount: Decimal, *, what: str) -> Iterator[LineData]:
    booked = _day(reader, entry, "BookgDt", what=what, required=True)
    valued = _day(reader, entry, "ValDt", what=what, required=False)
    reference = reader.text(entry, "AcctSvcrRef", "NtryRef")
    details = reader.all(entry, "NtryDtls/TxDtls")
    amounts = [_detail_amount(reader, detail, amount, what=what) for detail in details]
    if len(details) > 1 and all(found is not None for found in amounts):
        if sum((found for found in amounts if found is not None), ZERO) != amount:
            raise _refuse(
                _("Line %(line)s: the transactions of %(what)s do not add up to its amount %(amount)s.")
                % {"line": _where(entry), "what": what, "amount": amount}
            )
        parts: list[tuple[etree._Element | None, Decimal | None]] = list(zip(details, amounts, strict=True))
    else:
        parts = [(details[0] if details else None, amount)]
    for detail, part in parts:
        received = (part or amount) >= 0
        name, account, communication, structured = "", "", "", False
        if detail is not None:
            party = "Dbtr" if received else "Cdtr"
            name = reader.text(detail, f"RltdPties/{party}/Nm", f"RltdPties/{party}/Pty/Nm")
            account = reader.text(detail, f"RltdPties/{party}Acct/Id/IBAN").replace(" ", "").upper()
            communication, structured = _remittance(reader, detail)
        if not communication:
            communication = reader.text(entry, "AddtlNtryInf")
        yield LineData(
            amount=part if part is not None else amount,
            counterparty_name=name[:200],
            counterparty_iban=account[:34],
            communication=communication[:400],
            structured=structured,
            booking_date=booked,
            value_date=valued,
            bank_reference=(reader.text(detail, "Refs/AcctSvcrRef") if detail is not None else "") or reference,
        )


def _detail_amount(reader: _Reader, detail: etree._Element, entry_amount: Decimal, *, what: str) -> Decimal | None:
    """A transaction's own amount, if it states one (signed by its own indicator, else the entry's)."""
    for path in ("Amt", "AmtDtls/TxAmt/Amt"):
        if reader.one(detail, path) is not None:
            if reader.text(detail, "CdtDbtInd"):
                return _money(reader, detail, path, what=what)
            magnitude = _magnitude(reader, detail, path, what=what)
            return magnitude if entry_amount >= 0 else -magnitude
    return None


def _remittance(reader: _Reader, detail: etree._Element) -> tuple[str, bool]:
    """The structured communication (SCOR or BBA) when there is one, else the free text."""
    for reference in reader.all(detail, "RmtInf/Strd/CdtrRefInf"):
        code = reader.text(reference, "Tp/CdOrPrtry/Cd")
        issuer = reader.text(reference, "Tp/Issr").upper()
        digits = reference_digits(reader.text(reference, "Ref"))
        if (code == "SCOR" or issuer == "BBA") and digits:
            return reference_text(digits), True
    free = " ".join(
        " ".join((element.text or "").split()) for element in reader.all(detail, "RmtInf/Ustrd") if element.text
    )
    if not free:  # another structured reference (an RF creditor reference): kept as text
        free = " ".join(reader.text(reference, "Ref") for reference in reader.all(detail, "RmtInf/Strd/CdtrRefInf"))
    return free.strip(), False


# --- writing ----------------------------------------------------------------------------------------


class _Writer:
    """Elements of one namespace, appended in the schema's order by the caller."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def sub(self, parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
        element = etree.SubElement(parent, f"{{{self.namespace}}}{name}", attributes)
        if text is not None:
            element.text = text
        return element

    def path(self, parent: etree._Element, names: str, text: str) -> etree._Element:
        *ancestors, last = names.split("/")
        for name in ancestors:
            parent = self.sub(parent, name)
        return self.sub(parent, last, text)

    def amount(self, parent: etree._Element, value: Decimal) -> None:
        self.sub(parent, "Amt", f"{abs(value):.2f}", Ccy="EUR")
        self.sub(parent, "CdtDbtInd", "DBIT" if value < 0 else "CRDT")


def camt053_write(statement: StatementData, *, version: str = "02", created_at: datetime | None = None) -> bytes:
    """`statement` as a camt.053.001.`version` message (02 or 08), UTF-8."""
    if version not in ("02", "08"):
        raise ValueError("camt053_write writes versions 02 and 08")
    namespace = NAMESPACE + version
    modern = version != "02"
    created = (created_at or timezone.now()).replace(microsecond=0).isoformat()
    w = _Writer(namespace)
    document = etree.Element(f"{{{namespace}}}Document", nsmap={None: namespace})  # type: ignore[dict-item]
    message = w.sub(document, "BkToCstmrStmt")
    header = w.sub(message, "GrpHdr")
    w.sub(header, "MsgId", f"{statement.statement_id}-{statement.date:%Y%m%d}"[:35])
    w.sub(header, "CreDtTm", created)
    stmt = w.sub(message, "Stmt")
    w.sub(stmt, "Id", statement.statement_id[:35])
    w.sub(stmt, "CreDtTm", created)
    account = w.sub(stmt, "Acct")
    w.path(account, "Id/IBAN", statement.account_iban.replace(" ", "").upper())
    w.sub(account, "Ccy", "EUR")
    if statement.account_holder:
        w.path(account, "Ownr/Nm", statement.account_holder[:70])
    if statement.bic:
        w.path(account, "Svcr/FinInstnId/BICFI" if modern else "Svcr/FinInstnId/BIC", statement.bic)
    for code, value in (("OPBD", statement.opening_balance), ("CLBD", statement.closing_balance)):
        balance = w.sub(stmt, "Bal")
        w.path(balance, "Tp/CdOrPrtry/Cd", code)
        w.amount(balance, value)
        w.path(balance, "Dt/Dt", statement.date.isoformat())
    for number, line in enumerate(statement.lines, start=1):
        _write_entry(w, stmt, line, number=number, booked=statement.booking_date_of(line), modern=modern)
    return bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _write_entry(w: _Writer, stmt: etree._Element, line: LineData, *, number: int, booked: date, modern: bool) -> None:
    entry = w.sub(stmt, "Ntry")
    w.sub(entry, "NtryRef", str(number))
    w.amount(entry, line.amount)
    if modern:
        w.path(entry, "Sts/Cd", "BOOK")
    else:
        w.sub(entry, "Sts", "BOOK")
    w.path(entry, "BookgDt/Dt", booked.isoformat())
    if line.value_date:
        w.path(entry, "ValDt/Dt", line.value_date.isoformat())
    if line.bank_reference:
        w.sub(entry, "AcctSvcrRef", line.bank_reference[:35])
    code = w.sub(w.sub(entry, "BkTxCd"), "Domn")
    w.sub(code, "Cd", "PMNT")
    family = w.sub(code, "Fmly")
    w.sub(family, "Cd", "RCDT" if line.amount >= 0 else "ICDT")
    w.sub(family, "SubFmlyCd", "ESCT")
    detail = w.sub(w.sub(entry, "NtryDtls"), "TxDtls")
    w.path(detail, "Refs/EndToEndId", "NOTPROVIDED")
    if modern:
        w.amount(detail, line.amount)
    else:
        w.path(detail, "AmtDtls/TxAmt/Amt", f"{abs(line.amount):.2f}").set("Ccy", "EUR")
    if line.counterparty_name or line.counterparty_iban:
        party = "Dbtr" if line.amount >= 0 else "Cdtr"
        parties = w.sub(detail, "RltdPties")
        if line.counterparty_name:
            w.path(parties, f"{party}/Pty/Nm" if modern else f"{party}/Nm", line.counterparty_name[:140])
        if line.counterparty_iban:
            w.path(parties, f"{party}Acct/Id/IBAN", line.counterparty_iban.replace(" ", "").upper())
    if line.communication:
        remittance = w.sub(detail, "RmtInf")
        digits = reference_digits(line.communication) if line.structured else ""
        if digits:
            reference = w.sub(w.sub(remittance, "Strd"), "CdtrRefInf")
            kind = w.sub(reference, "Tp")
            w.path(kind, "CdOrPrtry/Cd", "SCOR")
            w.sub(kind, "Issr", "BBA")
            w.sub(reference, "Ref", digits)
        else:
            w.sub(remittance, "Ustrd", line.communication[:140])

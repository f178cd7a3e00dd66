"""A supplier's e-invoice received: a UBL Invoice becomes a purchase of the Activity it is for.

Two doors lead here, one service behind them (`einvoice_receive`):

- a member uploads the XML their supplier sent them, for one of their Activities (the access
  policy's "receive_einvoice": the Activity's managers and co-holders);
- the access point (`invoicing.peppol`) holds what reached the cooperative's Peppol identifier,
  and `peppol_receive_all` (the beat's "peppol-inbox", every five minutes) takes each document and
  acknowledges it once received, accepted or not. The Activity is read from the document: the
  buyer reference (BT-10), which the cooperative asks its suppliers to set to the Activity's code
  ("A000012"), or failing it a code inside the order reference (BT-13).

A document is judged before anything is written. It is parsed without entities and without the
network, and one with a DOCTYPE is refused outright (a UBL document never has one), so no parser
after ours can be made to expand an entity. Then the platform's one UBL check
(`invoicing.ubl_rules.ubl_problems`: the UBL 2.1 schemas, EN 16931 and Peppol rules), then what the
cooperative needs to pay it (`_cooperative_rules`): the buyer is the cooperative, by its enterprise
or VAT number; the currency is the euro; the amounts are whole cents and something is left to pay.
Every problem is named by its rule (BR-CO-15, PEPPOL-..., RECEIVE-BUYER), so whoever reads it can
tell the supplier what to correct.

An accepted document becomes a purchase through the Activities' own service (`purchase_submit`),
which keeps every rule of a purchase typed by hand: the supplier is found by its VAT number or added
to the Activity (`third_party_add`); the supplier's invoice number, dates, amount incl. VAT (BT-112)
and VAT (BT-110) are the document's; the category is the member's choice ("supplies" when the
access point brought it, the advisor can correct it); the description names the lines; the file is
the PDF the supplier embedded (BG-24) or, without one, a readable copy of the XML drawn by
WeasyPrint, since a purchase keeps a PDF or an image. The XML itself is kept on the
PeppolDocument: for an e-invoice it is the original the books must keep. The advisor approves the
purchase as any other, and only then is the Activity charged.

Brought by the access point, the purchase is submitted in the name of the Activity's first manager
(a purchase has a submitter, and the advisor's decision is told to them); the audit row of the
reception names no actor: the platform received it.

Once, whatever is retried: a document is known by the SHA-256 of its bytes, unique among received
PeppolDocuments. An accepted document received again changes nothing and answers the first record;
two receptions at once queue on the unique index, and the second answers the first's. A rejected
one is judged again when it comes back (an upload may name the Activity its buyer reference did
not), and its row changes only when the outcome does.

A bad upload changes nothing: the member reads every problem at once, on the file field
(InvalidInput), as the form pattern shows them. What the access point brought and was refused is
recorded (status rejected, each problem in `errors`, in English as the rule lists are), because
nobody saw it arrive; the access point files it as rejected and an advisor reads why in the admin.

A supplier's credit note is refused with its reason: a purchase is never negative, and what a
credit note takes off is settled by the advisor against the invoice it credits (BT-25).
"""

import base64
import binascii
import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext
from lxml import etree
from weasyprint import HTML, URLFetcher  # type: ignore[import-untyped]

from activities.models import (
    Activity,
    ActivityHolder,
    ExpenseCategory,
    HolderRole,
    PurchasePayee,
    ThirdParty,
    ThirdPartyKind,
)
from activities.services import PurchaseData, ThirdPartyData, purchase_submit, third_party_add
from invoicing.models import PeppolDirection, PeppolDocument, PeppolStatus
from invoicing.peppol import access_point
from invoicing.ubl_rules import ubl_problems
from members.models import User
from smartcoop.access import may, require
from smartcoop.audit.services import audit_record, name_actions
from smartcoop.errors import ApplicationError, InvalidInput
from smartcoop.models import CooperativeEntity
from smartcoop.money import is_cents, to_money
from smartcoop.uploads import MAX_DOCUMENT_BYTES, document_kind, uploads_kept_only_on_success

logger = logging.getLogger(__name__)

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS = {"cbc": CBC, "cac": CAC}
ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": False,
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": True,
}

# An e-invoice is its XML plus what it embeds (base64 grows a file by a third): a 10 MB PDF fits.
MAX_EINVOICE_BYTES = 16 * 1024 * 1024
# What the cooperative asks its suppliers to write in the buyer reference: the Activity's code.
ACTIVITY_CODE = re.compile(r"\bA\d{6}\b")
DEFAULT_CATEGORY = "supplies"
# Belgian law's payment term when the invoice names none: 30 days (law of 2 August 2002, art. 4).
DEFAULT_PAYMENT_DAYS = 30
# An upload lists at most this many problems: a file that is not UBL at all breaks hundreds of rules.
SHOWN_PROBLEMS = 20

name_actions({"einvoice.received": gettext_lazy("Supplier's e-invoice received")})


# --- problems -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One problem of a received document, by the rule it breaks.

    `message` is either the text of a published rule list, as published (the UBL check's), or one of
    ours, a msgid with its `params`, translated when read: in the member's language on the upload
    page, in English in the record, as the published rules are.
    """

    rule: str
    message: str
    path: str = ""
    params: tuple[tuple[str, str], ...] = ()
    ours: bool = False

    @property
    def text(self) -> str:
        message = gettext(self.message) % dict(self.params) if self.ours else self.message
        where = f" ({self.path})" if self.path else ""
        return f"{self.rule}: {message}{where}"

    def record(self) -> dict[str, str]:
        with translation.override("en"):
            message = gettext(self.message) % dict(self.params) if self.ours else self.message
        return {"rule": self.rule, "message": message, "path": self.path}


def _ours(rule: str, msgid: str, path: str = "", **params: object) -> Finding:
    return Finding(rule, msgid, path, tuple((k, str(v)) for k, v in params.items()), ours=True)


# The fields purchase_submit and third_party_add name, as the business terms of EN 16931.
_TERMS = {
    "supplier_reference": "BT-1",
    "invoice_date": "BT-2",
    "due_date": "BT-9",
    "amount": "BT-112",
    "vat": "BT-110",
    "description": "BT-153",
    "file": "BT-125",
    "name": "BT-27",
    "street": "BT-35",
    "postal_code": "BT-38",
    "city": "BT-37",
    "country": "BT-40",
    "vat_number": "BT-31",
}


def _findings_of(error: ApplicationError) -> list[Finding]:
    """A refusal of the purchase or supplier services, as problems of the document."""
    if not error.fields:
        return [Finding("RECEIVE-PURCHASE", str(error.message))]
    return [
        Finding("RECEIVE-PURCHASE", str(message), _TERMS.get(name, name))
        for name, messages in error.fields.items()
        for message in messages
    ]


def _refusal(findings: list[Finding]) -> InvalidInput:
    """The upload's refusal: every problem on the file field, each read as `RULE: message (where)`."""
    shown = [finding.text for finding in findings[:SHOWN_PROBLEMS]]
    if len(findings) > SHOWN_PROBLEMS:
        more = len(findings) - SHOWN_PROBLEMS
        shown.append(gettext("… and %(count)s more problems of the same file.") % {"count": more})
    if len(findings) == 1:
        message = gettext("The e-invoice was not accepted: %(problem)s") % {"problem": shown[0]}
    else:
        message = ngettext(
            "The e-invoice was not accepted: %(count)s problem.",
            "The e-invoice was not accepted: %(count)s problems.",
            len(findings),
        ) % {"count": len(findings)}
    return InvalidInput(message, fields={"file": shown})


# --- reading the document -----------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    name: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    vat_number: str = ""  # BT-31 / BT-48
    legal_id: str = ""  # BT-30 / BT-47
    legal_scheme: str = ""
    endpoint: str = ""  # BT-34 / BT-49
    endpoint_scheme: str = ""

    @property
    def peppol_id(self) -> str:
        return f"{self.endpoint_scheme}:{self.endpoint}" if self.endpoint else ""


@dataclass(frozen=True)
class Line:
    name: str
    quantity: str
    unit: str
    net: Decimal | None
    category: str
    rate: str


@dataclass(frozen=True)
class Reading:
    """What the cooperative reads of a supplier's document (fields absent or unreadable are empty)."""

    credit_note: bool
    number: str = ""
    issue_date: date | None = None
    due_date: date | None = None
    currency: str = ""
    buyer_reference: str = ""
    order_reference: str = ""
    credited_number: str = ""
    note: str = ""
    supplier: Party = field(default_factory=Party)
    buyer: Party = field(default_factory=Party)
    net: Decimal | None = None
    vat: Decimal | None = None
    total: Decimal | None = None
    payable: Decimal | None = None
    payment_reference: str = ""
    payee_account: str = ""
    lines: tuple[Line, ...] = ()
    pdf: bytes | None = None
    unreadable: tuple[str, ...] = ()  # the business terms whose value could not be read


def _text(node: etree._Element, path: str) -> str:
    found = node.find(path, NS)
    return " ".join((found.text or "").split()) if found is not None else ""


def _attribute(node: etree._Element, path: str, name: str) -> str:
    found = node.find(path, NS)
    return (found.get(name) or "").strip() if found is not None else ""


class _Reader:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.unreadable: list[str] = []

    def date(self, path: str, term: str) -> date | None:
        value = _text(self.root, path)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.unreadable.append(term)
            return None

    def amount(self, node: etree._Element, path: str, term: str) -> Decimal | None:
        value = _text(node, path)
        if not value:
            return None
        try:
            amount = Decimal(value)
        except InvalidOperation:
            self.unreadable.append(term)
            return None
        if not amount.is_finite():
            self.unreadable.append(term)
            return None
        return amount


def _party(node: etree._Element | None) -> Party:
    if node is None:
        return Party()
    vat = ""
    for scheme in node.findall("cac:PartyTaxScheme", NS):
        if _text(scheme, "cac:TaxScheme/cbc:ID").upper() == "VAT":
            vat = _text(scheme, "cbc:CompanyID")
    return Party(
        name=_text(node, "cac:PartyLegalEntity/cbc:RegistrationName") or _text(node, "cac:PartyName/cbc:Name"),
        street=_text(node, "cac:PostalAddress/cbc:StreetName"),
        postal_code=_text(node, "cac:PostalAddress/cbc:PostalZone"),
        city=_text(node, "cac:PostalAddress/cbc:CityName"),
        country=_text(node, "cac:PostalAddress/cac:Country/cbc:IdentificationCode").upper(),
        vat_number=vat,
        legal_id=_text(node, "cac:PartyLegalEntity/cbc:CompanyID"),
        legal_scheme=_attribute(node, "cac:PartyLegalEntity/cbc:CompanyID", "schemeID"),
        endpoint=_text(node, "cbc:EndpointID"),
        endpoint_scheme=_attribute(node, "cbc:EndpointID", "schemeID"),
    )


def _embedded_pdf(root: etree._Element) -> bytes | None:
    """The first PDF the supplier embedded (BG-24, BT-125), if its bytes are a PDF; else None."""
    for attachment in root.findall(
        "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS
    ):
        if (attachment.get("mimeCode") or "").lower() != "application/pdf":
            continue
        try:
            content = base64.b64decode("".join((attachment.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            continue  # the schema check reports a broken base64; the readable copy stands in
        if document_kind(content[:16]) == "pdf" and len(content) <= MAX_DOCUMENT_BYTES:
            return content
    return None


def _read(root: etree._Element) -> Reading:
    credit_note = ROOTS[root.tag]
    reader = _Reader(root)
    line_tag, quantity_tag = (
        ("CreditNoteLine", "CreditedQuantity") if credit_note else ("InvoiceLine", "InvoicedQuantity")
    )
    currency = _text(root, "cbc:DocumentCurrencyCode")
    # The VAT total in the document's currency (a second TaxTotal may give it in the accounting currency).
    vat = None
    for tax_total in root.findall("cac:TaxTotal", NS):
        if _attribute(tax_total, "cbc:TaxAmount", "currencyID") in ("", currency):
            vat = reader.amount(tax_total, "cbc:TaxAmount", "BT-110")
            break
    totals = root.find("cac:LegalMonetaryTotal", NS)
    lines = tuple(
        Line(
            name=_text(line, "cac:Item/cbc:Name"),
            quantity=_text(line, f"cbc:{quantity_tag}"),
            unit=_attribute(line, f"cbc:{quantity_tag}", "unitCode"),
            net=reader.amount(line, "cbc:LineExtensionAmount", "BT-131"),
            category=_text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
            rate=_text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"),
        )
        for line in root.findall(f"cac:{line_tag}", NS)
    )
    due_date = reader.date("cbc:DueDate", "BT-9") or reader.date("cac:PaymentMeans/cbc:PaymentDueDate", "BT-9")
    return Reading(
        credit_note=credit_note,
        number=_text(root, "cbc:ID"),
        issue_date=reader.date("cbc:IssueDate", "BT-2"),
        due_date=due_date,
        currency=currency,
        buyer_reference=_text(root, "cbc:BuyerReference"),
        order_reference=_text(root, "cac:OrderReference/cbc:ID"),
        credited_number=_text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        note=_text(root, "cbc:Note"),
        supplier=_party(root.find("cac:AccountingSupplierParty/cac:Party", NS)),
        buyer=_party(root.find("cac:AccountingCustomerParty/cac:Party", NS)),
        net=reader.amount(totals, "cbc:TaxExclusiveAmount", "BT-109") if totals is not None else None,
        vat=vat,
        total=reader.amount(totals, "cbc:TaxInclusiveAmount", "BT-112") if totals is not None else None,
        payable=reader.amount(totals, "cbc:PayableAmount", "BT-115") if totals is not None else None,
        payment_reference=_text(root, "cac:PaymentMeans/cbc:PaymentID"),
        payee_account=_text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"),
        lines=lines,
        pdf=_embedded_pdf(root),
        unreadable=tuple(reader.unreadable),
    )


def _parse(content: bytes) -> tuple[etree._Element | None, list[Finding]]:
    """The document's root, parsed without entities nor network, or the reason it cannot be read."""
    if content.lstrip()[:5] == b"%PDF-":
        return None, [
            _ours(
                "XML",
                gettext_noop(
                    "This is a PDF, not an e-invoice: an e-invoice is the XML file (UBL) the supplier sent. "
                    "A PDF invoice is recorded with the form for a supplier's invoice."
                ),
            )
        ]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        reason = " ".join(str(error).split())
        return None, [_ours("XML", gettext_noop("The file is not well-formed XML: %(reason)s."), reason=reason)]
    if root.getroottree().docinfo.internalDTD is not None:
        # A UBL document never declares a DOCTYPE; one that does may define entities meant to be expanded.
        return None, [_ours("XML", gettext_noop("A document type declaration (DOCTYPE) is not accepted in UBL."))]
    if root.tag not in ROOTS:
        name = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        message = gettext_noop("The document is a %(name)s, not a UBL 2.1 Invoice or CreditNote.")
        return None, [_ours("UBL-2.1-XSD", message, name=name)]
    return root, []


# --- the cooperative's own rules -----------------------------------------------------------------


def _buyer_identifiers(buyer: Party) -> list[tuple[str, str, str]]:
    """The buyer's identifiers that can name a Belgian company: (kind, value, business term).

    kind is "vat" (compared with the cooperative's VAT number) or "enterprise" (with its enterprise
    number); identifiers of other schemes (a GLN, a foreign register) say nothing either way.
    """
    found: list[tuple[str, str, str]] = []
    if buyer.vat_number:
        found.append(("vat", _compact(buyer.vat_number), "BT-48"))
    if buyer.endpoint_scheme == "0208":
        found.append(("enterprise", _compact(buyer.endpoint), "BT-49"))
    elif buyer.endpoint_scheme == "9925":
        found.append(("vat", _compact(buyer.endpoint), "BT-49"))
    if buyer.legal_id and buyer.legal_scheme == "0208":
        found.append(("enterprise", _compact(buyer.legal_id), "BT-47"))
    return found


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value).upper()


def _cooperative_rules(reading: Reading, entity: CooperativeEntity) -> list[Finding]:
    findings = [
        _ours("RECEIVE-AMOUNT", gettext_noop("The value of %(term)s cannot be read."), term, term=term)
        for term in reading.unreadable
    ]
    if reading.credit_note:
        findings.append(
            _ours(
                "RECEIVE-CREDIT-NOTE",
                gettext_noop(
                    "A supplier's credit note is not recorded as a purchase: a purchase is never negative. "
                    "Send it to your advisor, who sets it off against the invoice it credits (%(invoice)s)."
                ),
                "BT-25",
                invoice=reading.credited_number or "?",
            )
        )
    if reading.currency and reading.currency != "EUR":
        findings.append(
            _ours(
                "RECEIVE-CURRENCY",
                gettext_noop("The cooperative pays invoices in euro (EUR), not in %(currency)s."),
                "BT-5",
                currency=reading.currency,
            )
        )
    if reading.issue_date is None and "BT-2" not in reading.unreadable:
        findings.append(_ours("RECEIVE-DATE", gettext_noop("The invoice date is missing."), "BT-2"))
    findings += _length_rules(reading)
    findings += _buyer_rules(reading.buyer, entity)
    findings += _amount_rules(reading)
    return findings


# What a purchase and a supplier's record hold (activities.models): a longer value is told, not cut.
_LONGEST = (
    ("number", "BT-1", 60),
    ("supplier.name", "BT-27", 200),
    ("supplier.street", "BT-35", 200),
    ("supplier.city", "BT-37", 100),
    ("supplier.postal_code", "BT-38", 12),
)


def _length_rules(reading: Reading) -> list[Finding]:
    findings = []
    for path, term, longest in _LONGEST:
        value: Any = reading
        for name in path.split("."):
            value = getattr(value, name)
        if len(value) > longest:
            message = gettext_noop("%(term)s is longer than the %(longest)s characters the cooperative keeps.")
            findings.append(_ours("RECEIVE-LENGTH", message, term, term=term, longest=longest))
    return findings


def _buyer_rules(buyer: Party, entity: CooperativeEntity) -> list[Finding]:
    ours = {"vat": _compact(entity.vat_number), "enterprise": _compact(entity.enterprise_number)}
    identifiers = _buyer_identifiers(buyer)
    if not identifiers:
        return [
            _ours(
                "RECEIVE-BUYER",
                gettext_noop(
                    "The buyer is not named by the cooperative's VAT number (%(vat)s) nor its enterprise number "
                    "(endpoint 0208:%(enterprise)s)."
                ),
                "BT-48, BT-49",
                vat=entity.vat_number,
                enterprise=entity.enterprise_number,
            )
        ]
    return [
        _ours(
            "RECEIVE-BUYER",
            gettext_noop(
                "The buyer's identifier %(value)s is not the cooperative's (%(ours)s): "
                "the invoice is addressed to someone else."
            ),
            term,
            value=value,
            ours=ours[kind],
        )
        for kind, value, term in identifiers
        if value != ours[kind]
    ]


def _amount_rules(reading: Reading) -> list[Finding]:
    findings: list[Finding] = []
    for value, term in ((reading.total, "BT-112"), (reading.vat, "BT-110"), (reading.payable, "BT-115")):
        if value is None:
            if term not in reading.unreadable:
                findings.append(
                    _ours("RECEIVE-AMOUNT", gettext_noop("The amount %(term)s is missing."), term, term=term)
                )
        elif not is_cents(value):
            findings.append(
                _ours(
                    "RECEIVE-AMOUNT",
                    gettext_noop("The amount %(term)s (%(value)s) has a fraction of a cent."),
                    term,
                    term=term,
                    value=value,
                )
            )
    if reading.total is not None and reading.total <= 0 and not reading.credit_note:
        findings.append(
            _ours(
                "RECEIVE-AMOUNT",
                gettext_noop("There is nothing to pay: the total incl. VAT is not positive."),
                "BT-112",
            )
        )
    if reading.vat is not None and reading.vat < 0:
        findings.append(_ours("RECEIVE-AMOUNT", gettext_noop("The VAT total is negative."), "BT-110"))
    if reading.total is not None and reading.payable is not None and reading.payable != reading.total:
        findings.append(
            _ours(
                "RECEIVE-PREPAID",
                gettext_noop(
                    "The amount due (%(payable)s) is not the total incl. VAT (%(total)s): part of it was paid "
                    "already or rounded. Record it with the form for a supplier's invoice and tell your advisor."
                ),
                "BT-113, BT-114",
                payable=reading.payable,
                total=reading.total,
            )
        )
    return findings


def _examine(content: bytes, entity: CooperativeEntity) -> tuple[Reading | None, list[Finding]]:
    """The document as read, and every problem found: the UBL check's and the cooperative's."""
    if len(content) > MAX_EINVOICE_BYTES:
        message = gettext_noop("The file is larger than %(megabytes)s MB.")
        return None, [_ours("RECEIVE-SIZE", message, megabytes=MAX_EINVOICE_BYTES // (1024 * 1024))]
    root, findings = _parse(content)
    if root is None:
        return None, findings
    findings = [Finding(problem.rule, problem.message, problem.path) for problem in ubl_problems(content)]
    reading = _read(root)
    return reading, findings + _cooperative_rules(reading, entity)


# --- the Activity, the supplier, the purchase ------------------------------------------------------


def _addressed_activity(reading: Reading) -> tuple[Activity | None, list[Finding]]:
    """The Activity named by the buyer reference (BT-10), or else by a code inside the order reference (BT-13)."""
    for value, term in ((reading.buyer_reference, "BT-10"), (reading.order_reference, "BT-13")):
        match = ACTIVITY_CODE.search(value.upper())
        if match is None:
            continue
        activity = Activity.objects.filter(code=match.group()).first()
        if activity is None:
            message = gettext_noop("%(code)s, read in %(term)s (%(value)s), is no Activity of the cooperative.")
            return None, [_ours("RECEIVE-ACTIVITY", message, term, code=match.group(), term=term, value=value)]
        return activity, []
    message = gettext_noop(
        "No Activity code (like A000012) in the buyer reference (BT-10: %(buyer_reference)s) nor in the order "
        "reference (BT-13: %(order_reference)s): the supplier must name the Activity the invoice is for."
    )
    absent = "—"
    return None, [
        _ours(
            "RECEIVE-ACTIVITY",
            message,
            "BT-10, BT-13",
            buyer_reference=reading.buyer_reference or absent,
            order_reference=reading.order_reference or absent,
        )
    ]


def _manager(activity: Activity) -> User | None:
    """Who a purchase brought by the access point is submitted for: the Activity's first manager with a login."""
    holder = (
        ActivityHolder.objects.filter(
            activity=activity, role=HolderRole.MANAGER, member__user__isnull=False, member__user__is_active=True
        )
        .select_related("member__user")
        .order_by("pk")
        .first()
    )
    return holder.member.user if holder is not None else None


def _language(country: str, postal_code: str) -> str:
    """The language a new supplier is written to: Belgium's by its postal code's region, French or Dutch nearby."""
    if country == "BE" and postal_code[:4].isdigit():
        code = int(postal_code[:4])
        # bpost's ranges: 1500-3999 and 8000-9999 are Flemish; Brussels and Wallonia write French.
        return "nl" if 1500 <= code <= 3999 or code >= 8000 else "fr"
    return {"FR": "fr", "LU": "fr", "NL": "nl"}.get(country, "en")


def _supplier(activity: Activity, party: Party, actor: User) -> ThirdParty:
    """The supplier's record: the cooperative's by VAT number (or by name for one without), linked to the Activity."""
    vat_number = party.vat_number
    if not vat_number and party.country == "BE":
        # A Belgian company without VAT identifier still has its enterprise number (0208), the same digits.
        for scheme, value in ((party.endpoint_scheme, party.endpoint), (party.legal_scheme, party.legal_id)):
            if scheme == "0208" and value:
                vat_number = f"BE{_compact(value)}"
                break
    if not vat_number:
        same = ThirdParty.objects.filter(
            activity_links__activity=activity, vat_number="", country=party.country, name__iexact=party.name
        ).first()
        if same is not None:
            return same
    known = ThirdParty.objects.filter(vat_number=_compact(vat_number)).first() if vat_number else None
    # A known supplier is linked as recorded (third_party_add finds it by its number and keeps its
    # address); a new one is recorded as its invoice presents it.
    data = (
        _known_data(known)
        if known is not None
        else ThirdPartyData(
            kind=ThirdPartyKind.COMPANY,
            name=party.name,
            street=party.street,
            postal_code=party.postal_code,
            city=party.city,
            country=party.country,
            language=_language(party.country, party.postal_code),
            vat_number=vat_number,
        )
    )
    return third_party_add(activity=activity, data=data, actor=actor)


def _description(reading: Reading) -> str:
    """What was bought, as the lines name it, within the 200 characters of a purchase's description."""
    names = [line.name for line in reading.lines if line.name]
    text = ", ".join(dict.fromkeys(names)) or reading.number
    return text if len(text) <= 200 else text[:199].rstrip(" ,") + "…"


def _readable_copy(reading: Reading, language: str) -> bytes:
    """A PDF of the e-invoice for who reads the purchase, when the supplier embedded none."""
    with translation.override(language):
        html = render_to_string("invoicing/received/einvoice_pdf.html", {"reading": reading, "language": language})
    # data: URLs only: the copy is drawn from the template alone, never fetching anything.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf())


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-")[:40] or "einvoice"


# --- receiving -----------------------------------------------------------------------------------


def _claim(digest: str, file_name: str) -> PeppolDocument:
    """The inbound row of this digest, locked: created now, or found (a concurrent receiver's waits on the index)."""
    try:
        with transaction.atomic():
            return PeppolDocument.objects.create(
                direction=PeppolDirection.INBOUND,
                status=PeppolStatus.RECEIVED,
                sha256=digest,
                file_name=file_name[:200],
            )
    except IntegrityError:
        return PeppolDocument.objects.select_for_update().get(direction=PeppolDirection.INBOUND, sha256=digest)


def _accept(
    *,
    content: bytes,
    digest: str,
    file_name: str,
    reading: Reading,
    activity: Activity,
    category: ExpenseCategory,
    submitter: User,
    actor: User | None,
) -> PeppolDocument:
    """The purchase, the supplier's link and the accepted record, in one transaction (or nothing)."""
    written: list[Any] = []
    try:
        with uploads_kept_only_on_success() as uploads, transaction.atomic():
            document = _claim(digest, file_name)
            if document.status == PeppolStatus.ACCEPTED:
                return document  # received meanwhile by another worker or an upload
            supplier = _supplier(activity, reading.supplier, submitter)
            name = _safe_name(reading.number)
            pdf = reading.pdf or _readable_copy(reading, submitter.language or settings.LANGUAGE_CODE)
            assert reading.issue_date is not None and reading.total is not None and reading.vat is not None
            due_date = reading.due_date or reading.issue_date + timedelta(days=DEFAULT_PAYMENT_DAYS)
            purchase = purchase_submit(
                activity=activity,
                supplier=supplier,
                data=PurchaseData(
                    supplier_reference=reading.number,
                    invoice_date=reading.issue_date,
                    due_date=due_date,
                    category=category,
                    description=_description(reading),
                    amount=to_money(reading.total),
                    vat=to_money(reading.vat),
                    payee=PurchasePayee.SUPPLIER,
                ),
                file=SimpleUploadedFile(f"{name}.pdf", pdf, content_type="application/pdf"),
                actor=submitter,
            )
            written.append(purchase.file)
            before = {"status": document.status} if document.status == PeppolStatus.REJECTED else {}
            document.status, document.purchase, document.errors = PeppolStatus.ACCEPTED, purchase, []
            document.document_number = reading.number[:60]
            document.sender_id = reading.supplier.peppol_id[:80]
            document.receiver_id = reading.buyer.peppol_id[:80]
            document.file_name = file_name[:200]
            document.done_at = timezone.now()
            document.attempts += 1
            uploads.save(document.xml, ContentFile(content), name=f"{digest}.xml")
            document.save()
            audit_record(
                actor=actor,
                action="einvoice.received",
                target=document,
                before=before,
                after={"status": document.status},
                activity=activity.code,
                purchase=purchase.pk,
                supplier=supplier.name,
                number=reading.number,
                amount=purchase.amount,
                vat=purchase.vat,
                via="upload" if actor is not None else "peppol",
            )
            return document
    except BaseException:
        # purchase_submit stored its file before our transaction failed: take it back too.
        for stored in written:
            stored.storage.delete(str(stored.name))
        raise


def _known_data(supplier: ThirdParty) -> ThirdPartyData:
    return ThirdPartyData(
        kind=supplier.kind,
        name=supplier.name,
        street=supplier.street,
        postal_code=supplier.postal_code,
        city=supplier.city,
        country=supplier.country,
        language=supplier.language,
        vat_number=supplier.vat_number,
    )


def _record_rejection(
    *, digest: str, file_name: str, reading: Reading | None, findings: list[Finding]
) -> PeppolDocument:
    """What the access point brought and was refused, with its problems; unchanged when judged the same again."""
    errors = [finding.record() for finding in findings]
    with transaction.atomic():
        document = _claim(digest, file_name)
        if document.status == PeppolStatus.ACCEPTED or (
            document.status == PeppolStatus.REJECTED and document.errors == errors
        ):
            return document
        document.status, document.errors = PeppolStatus.REJECTED, errors
        if reading is not None:
            document.document_number = reading.number[:60]
            document.sender_id = reading.supplier.peppol_id[:80]
            document.receiver_id = reading.buyer.peppol_id[:80]
        document.done_at = timezone.now()
        document.attempts += 1
        document.save()
        return document


def _already_received(document: PeppolDocument, *, actor: User | None, activity: Activity | None) -> PeppolDocument:
    """An accepted document received again: the first record, unchanged; an uploader learns where it went."""
    if actor is None or document.purchase is None:
        return document
    if activity is not None and document.purchase.activity_id == activity.pk:
        return document
    purchase_activity = document.purchase.activity
    if may(actor, "view", purchase_activity):
        message = gettext("This e-invoice was already received, as a purchase of %(code)s.") % {
            "code": purchase_activity.code
        }
    else:
        message = gettext("This e-invoice was already received for another Activity of the cooperative.")
    raise InvalidInput.on("file", message)


def einvoice_receive(
    *,
    content: bytes,
    file_name: str,
    actor: User | None,
    activity: Activity | None = None,
    category: ExpenseCategory | None = None,
) -> PeppolDocument:
    """A supplier's UBL invoice, judged, then submitted as a purchase of its Activity; once per file.

    `actor` uploads it for `activity` (their own: "receive_einvoice"), or is None when the access
    point brought it, the Activity then named by the document. Refused, an upload raises
    InvalidInput listing every problem and writes nothing; the access point's is recorded rejected.
    """
    if activity is not None:
        if actor is None:
            raise ValueError("an upload for an Activity names who uploads it")
        require(actor, "receive_einvoice", activity)
    digest = hashlib.sha256(content).hexdigest()
    known = (
        PeppolDocument.objects.select_related("purchase__activity")
        .filter(direction=PeppolDirection.INBOUND, sha256=digest)
        .first()
    )
    if known is not None and known.status == PeppolStatus.ACCEPTED:
        return _already_received(known, actor=actor, activity=activity)

    entity = CooperativeEntity.objects.get(country="BE")
    reading, findings = _examine(content, entity)
    target = activity
    if reading is not None and target is None:
        target, missing = _addressed_activity(reading)
        findings += missing
        if target is not None and actor is not None:
            require(actor, "receive_einvoice", target)
    submitter = actor
    if target is not None and submitter is None:
        submitter = _manager(target)
        if submitter is None:
            message = gettext_noop("The Activity %(code)s has no manager who could submit the purchase.")
            findings.append(_ours("RECEIVE-ACTIVITY", message, "BT-10", code=target.code))
    if not findings:
        assert reading is not None and target is not None and submitter is not None
        try:
            return _accept(
                content=content,
                digest=digest,
                file_name=file_name,
                reading=reading,
                activity=target,
                category=category or ExpenseCategory.objects.get(code=DEFAULT_CATEGORY),
                submitter=submitter,
                actor=actor,
            )
        except ApplicationError as error:
            findings = _findings_of(error)
    if actor is not None:
        raise _refusal(findings)
    return _record_rejection(digest=digest, file_name=file_name, reading=reading, findings=findings)


# --- the access point's inbox --------------------------------------------------------------------


def peppol_receive_all() -> int:
    """Every document the access point holds for us, received once and acknowledged: how many became purchases.

    A document stays unacknowledged only when receiving it failed unexpectedly (the database
    away): the next run offers it again, and its digest makes sure it counts once.
    """
    point = access_point()
    accepted = 0
    # The record keeps the problems in English, as the published rule lists are.
    with translation.override("en"):
        for file in point.inbound():
            try:
                document = einvoice_receive(content=file.content, file_name=file.name, actor=None)
            except Exception:
                logger.exception("Receiving %s failed; the access point offers it again next time.", file.name)
                continue
            done = document.status == PeppolStatus.ACCEPTED
            point.acknowledge(file, accepted=done)
            accepted += done
    return accepted

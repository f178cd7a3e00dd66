"""The PDF of an invoice or credit note, and the transfer it asks for.

An issued invoice is printed once, in the client's language (`invoice.language`), and kept
(`invoice.pdf`): the client receives that document, the UBL embeds it, the download page serves
it, and a retried task finds it and renders nothing (`invoice_pdf_build`, under a lock on the
invoice's number, so two workers at once still render it once). A draft has no PDF.

What it prints is what Belgian law asks of an invoice, and every figure comes from the one place
that computes it:

- the issuer: the cooperative, whose legal personality the Activity borrows: name, legal form, seat,
  enterprise number, register of legal entities and court (Code of companies and associations,
  art. 2:20), VAT number, and a payment account (Code of economic law, art. III.25); the
  Activity's trade name, logo and terms of sale beside it;
- the client as copied when the invoice was issued, with their VAT number (VAT code art. 53 §2 and
  royal decree no. 1, art. 5 §1);
- "Invoice" or "Credit note", the number of its gapless series, the issue date, the date of supply
  or the period, the due date; on a credit note, the invoice it corrects and the mention of the VAT
  to be repaid (royal decree no. 4, art. 4);
- each line: description, quantity and unit, unit price and amount excl. VAT, VAT rate; then the
  base and VAT per category and rate, as `invoicing.vat.totals` groups them (EN 16931 rounding),
  and the legal mention of each exemption or reverse charge (`invoicing.vat.exemption_for`);
- the totals, what was already paid or credited, and what is still due, with the account, the
  structured communication and an EPC QR code to pay it (`invoice_payment_details`, the same source
  as the invoice's page; no QR code on a credit note or when nothing is due).

Amounts and dates are written by the platform's one formatter (`|amount`, dd/mm/yyyy): 1 234,56 EUR
in French, 1.234,56 EUR in Dutch, 1,234.56 EUR in English. WeasyPrint fetches nothing but `data:`
URLs (the logo is read from storage and inlined, the QR code drawn inline), with the system's
DejaVu Sans and one style sheet (`invoicing/pdf/invoice.css`), so a rendering costs only the
layout. Long invoices run over pages with the table's header repeated and "Page 1/2" at the foot.
"""

import base64
import io
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image
from weasyprint import HTML, URLFetcher  # type: ignore[import-untyped]

from activities.services.third_parties import enterprise_number_text, vat_number_text
from invoicing import vat
from invoicing.models import Invoice, InvoiceLine, InvoiceStatus, VatCategory
from members.identity import iban_text
from smartcoop.epc import PaymentDetails, epc_can_carry, epc_qr_data_uri, epc_qr_svg, payment_details
from smartcoop.errors import ConflictError
from smartcoop.money import ZERO, number_text
from smartcoop.uploads import CONTENT_TYPES, document_kind

logger = logging.getLogger(__name__)

TEMPLATE = "invoicing/pdf/invoice.html"
# A logo larger than this is scaled down before it is inlined: an upload may weigh 10 MB, and it
# would be copied into every invoice of the Activity.
LOGO_MAX_BYTES = 200 * 1024
LOGO_BOX = (600, 240)  # pixels: 50 x 20 mm at 300 dpi, the room the header gives it
LOGO_KINDS = frozenset({"jpeg", "png"})


# --- the transfer asked for -------------------------------------------------------------------------


def invoice_payment_details(invoice: Invoice) -> PaymentDetails:
    """The transfer that settles `invoice`: the cooperative's account, what is still due, its communication.

    One source for the PDF, the invoice's page and the QR code. On a credit note (or a settled
    invoice) the amount is what is still open, and nothing asks to pay it (`invoice_asks_payment`).
    """
    entity = invoice.entity
    return payment_details(
        beneficiary=entity.name,
        iban=entity.iban,
        bic=entity.bic,
        amount=max(invoice.amount_open, ZERO),
        communication=invoice.reference or "",
    )


def invoice_asks_payment(invoice: Invoice) -> bool:
    """An issued invoice (not a credit note) with something still to pay."""
    return not invoice.is_credit_note and invoice.status != InvoiceStatus.DRAFT and invoice.amount_open > 0


def _qr_information(invoice: Invoice) -> str:
    # Shown to the payer by the banking app, never sent: which document they are paying.
    return _("Invoice %(number)s") % {"number": invoice.number}


def invoice_qr_svg(invoice: Invoice) -> str:
    """The EPC QR code to pay `invoice`, as inline SVG for a page; "" when it asks for no payment."""
    payment = invoice_payment_details(invoice)
    if not invoice_asks_payment(invoice) or not epc_can_carry(payment.amount):
        return ""
    return epc_qr_svg(payment, title=str(_("Scan to pay with your banking app")), information=_qr_information(invoice))


# --- what the document prints ---------------------------------------------------------------------


@dataclass(frozen=True)
class PrintedLine:
    description: str
    quantity: str
    unit: str
    unit_price: str
    vat: str
    net_amount: Decimal


@dataclass(frozen=True)
class PrintedGroup:
    """One line of the VAT breakdown, with the legal mention of its category when VAT is not charged."""

    category: str
    label: str
    rate: str
    base: Decimal
    vat: Decimal
    mention: str


def _figure(value: Decimal, *, at_least: int = 0, at_most: int = 4) -> str:
    """A quantity or price with as many decimals as it has (between the bounds), as the reader writes it."""
    exponent = value.normalize().as_tuple().exponent
    places = min(max(-exponent if isinstance(exponent, int) else 0, at_least), at_most)
    return number_text(value, places=places)


def _rate_text(rate: Decimal) -> str:
    return f"{_figure(rate, at_most=2)} %"


def _vat_text(line: InvoiceLine) -> str:
    # A line without VAT names its category, which the breakdown and its mention explain.
    rate = _rate_text(line.vat_rate)
    return rate if line.vat_category == VatCategory.STANDARD else f"{rate} ({line.vat_category})"


def _printed_lines(lines: list[InvoiceLine], nets: tuple[Decimal, ...]) -> list[PrintedLine]:
    return [
        PrintedLine(
            description=line.description,
            quantity=_figure(line.quantity, at_most=3),
            unit=str(vat.UNITS.get(line.unit, line.unit)),
            unit_price=_figure(line.unit_price, at_least=2),
            vat=_vat_text(line),
            net_amount=net,
        )
        for line, net in zip(lines, nets, strict=True)
    ]


def _printed_groups(invoice: Invoice, figures: vat.Totals) -> list[PrintedGroup]:
    labels = dict(VatCategory.choices)
    groups = []
    for group in figures.groups:
        exemption = vat.exemption_for(group.category, invoice.exemption_basis)
        groups.append(
            PrintedGroup(
                category=group.category,
                label=str(labels.get(group.category, group.category)),
                rate=_rate_text(group.rate),
                base=group.base,
                vat=group.vat,
                mention=str(exemption.mention) if exemption is not None else "",
            )
        )
    return groups


def _client_address(invoice: Invoice) -> list[str]:
    lines = [invoice.client_street, f"{invoice.client_postal_code} {invoice.client_city}".strip()]
    if invoice.client_country and invoice.client_country != "BE":
        lines.append(invoice.client_country)
    return [line for line in lines if line]


@lru_cache(maxsize=32)
def _logo_data_uri(name: str, version: tuple[int, float]) -> str:
    """The logo stored under `name` as a `data:` URL (scaled down when heavy); "" when unreadable.

    Cached by name, size and modification time (`version`): a worker prints many invoices of one
    Activity with the same logo, and a logo replaced under the same name is read again.
    """
    del version  # the cache's key only
    try:
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
    except OSError:
        logger.warning("invoice logo %s cannot be read: printed without it", name)
        return ""
    kind = document_kind(content[:16])
    if kind is None or kind not in LOGO_KINDS:
        logger.warning("invoice logo %s is neither JPEG nor PNG: printed without it", name)
        return ""
    if len(content) > LOGO_MAX_BYTES:
        try:
            with Image.open(io.BytesIO(content)) as image:
                image.thumbnail(LOGO_BOX)
                buffer = io.BytesIO()
                if kind == "png":
                    image.save(buffer, format="PNG", optimize=True)
                else:
                    image.convert("RGB").save(buffer, format="JPEG", quality=88)
                content = buffer.getvalue()
        except (OSError, ValueError):
            logger.warning("invoice logo %s cannot be decoded: printed without it", name)
            return ""
    return f"data:{CONTENT_TYPES[kind]};base64,{base64.b64encode(content).decode()}"


def _logo(invoice: Invoice) -> str:
    if not invoice.logo:
        return ""
    try:
        version = (default_storage.size(invoice.logo), default_storage.get_modified_time(invoice.logo).timestamp())
    except OSError:
        logger.warning("invoice logo %s is missing: printed without it", invoice.logo)
        return ""
    return _logo_data_uri(invoice.logo, version)


def _context(invoice: Invoice) -> dict[str, Any]:
    entity = invoice.entity
    lines = list(invoice.lines.all())
    figures = vat.totals(
        [
            vat.LineAmount(
                quantity=line.quantity,
                unit_price=line.unit_price,
                vat_category=line.vat_category,
                vat_rate=line.vat_rate,
            )
            for line in lines
        ]
    )
    payment = invoice_payment_details(invoice)
    asks_payment = invoice_asks_payment(invoice)
    qr = (
        epc_qr_data_uri(payment, information=_qr_information(invoice))
        if asks_payment and epc_can_carry(payment.amount)
        else ""
    )
    groups = _printed_groups(invoice, figures)
    mentions = list(dict.fromkeys(group.mention for group in groups if group.mention))
    title = _("Credit note") if invoice.is_credit_note else _("Invoice")
    return {
        "invoice": invoice,
        "entity": entity,
        "title": title,
        "document_title": f"{title} {invoice.number}",
        "entity_enterprise_number": enterprise_number_text(entity.enterprise_number),
        "entity_vat_number": vat_number_text(entity.vat_number),
        "entity_iban": iban_text(entity.iban),
        "client_address": _client_address(invoice),
        "client_vat_number": vat_number_text(invoice.client_vat_number) if invoice.client_vat_number else "",
        "client_enterprise_number": (
            enterprise_number_text(invoice.client_enterprise_number)
            if invoice.client_enterprise_number and not invoice.client_vat_number
            else ""
        ),
        "logo": _logo(invoice),
        "lines": _printed_lines(lines, figures.lines_net),
        "groups": groups,
        "mentions": mentions,
        "credited": invoice.credited_invoice if invoice.is_credit_note else None,
        "repay_vat_mention": invoice.is_credit_note and invoice.total_vat > 0,
        "settled": invoice.amount_paid + invoice.amount_credited + invoice.amount_written_off,
        "payment": payment,
        "asks_payment": asks_payment,
        "payment_iban": iban_text(payment.iban),
        "qr": qr,
    }


def invoice_pdf_html(invoice: Invoice) -> str:
    """The HTML the PDF is laid out from, in the client's language (`invoice.language`)."""
    if invoice.status == InvoiceStatus.DRAFT:
        raise ConflictError(_("A draft has no PDF: issue it first."))
    with translation.override(invoice.language or None):
        return render_to_string(TEMPLATE, {**_context(invoice), "language": translation.get_language()})


# --- rendering and storing --------------------------------------------------------------------------


def pdf_from_html(html: str) -> tuple[bytes, int]:
    """WeasyPrint's PDF of `html` and its number of pages; nothing is fetched but `data:` URLs."""
    # A refused fetch stops the rendering instead of printing a hole where the logo was.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document = HTML(string=html, url_fetcher=fetcher).render()
    return bytes(document.write_pdf()), len(document.pages)


def invoice_pdf_render(invoice: Invoice) -> tuple[bytes, int]:
    """The PDF of an issued invoice or credit note (bytes, page count), rendered now and stored nowhere."""
    return pdf_from_html(invoice_pdf_html(invoice))


def _lock_printing(invoice_id: int) -> None:
    # An advisory lock for the length of the transaction, not a row lock: recording a payment on
    # the invoice must not wait for its PDF to be laid out.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"invoice-pdf:{invoice_id}"])


def invoice_pdf_build(*, invoice_id: int) -> int:
    """Render the issued invoice's PDF and store it on `invoice.pdf`, once; returns its page count.

    Run twice, or by two workers at once, it renders once: the second finds the PDF stored.
    """
    with transaction.atomic():
        _lock_printing(invoice_id)
        invoice = Invoice.objects.select_related("entity", "credited_invoice").get(pk=invoice_id)
        if invoice.status == InvoiceStatus.DRAFT:
            raise ConflictError(_("A draft has no PDF: issue it first."))
        if invoice.pdf:
            return invoice.pdf_pages or 0
        pdf, pages = invoice_pdf_render(invoice)
        invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(pdf), save=False)
        # Only the PDF's columns: a payment recorded meanwhile keeps its status and amounts.
        Invoice.objects.filter(pk=invoice.pk).update(pdf=invoice.pdf.name, pdf_pages=pages)
    return pages


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The stored PDF of an issued invoice, built now when it is not yet (for the UBL and the download)."""
    if not invoice.pdf:
        invoice_pdf_build(invoice_id=invoice.pk)
        invoice.refresh_from_db(fields=["pdf", "pdf_pages"])
    with invoice.pdf.open("rb") as handle:
        return bytes(handle.read())

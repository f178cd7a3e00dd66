"""Invoices and credit notes, their lines, numbers, payments, and the documents exchanged about them.

An `Invoice` row is either an invoice or a credit note (`kind`): both have the same lines, VAT
breakdown, numbering, PDF and UBL, and a credit note names the invoice it credits. The issuer hands
it the analytic account to credit and the presentation to print (`invoicing.issuers`), so this app
knows an Activity only as one issuer among others (the 3-in-1 contract will be another).

While a draft, an invoice can change and has no number; `invoice_issue` copies the client's
details onto it (the document must not change when the client's record does later), numbers it from
its series' counter (`InvoiceCounter`, locked in the issuing transaction: gapless), computes and
stores its totals, gives it a structured communication and posts it. From then on it is never
edited: what it still expects (`amount_paid`, `amount_credited`) and its `status` move with the
payments and credit notes. *Overdue* is not stored: it is an open invoice past its due date today
(`Invoice.state`, `selectors.with_state`), so it can never be stale.

Money received is an `InvoicePayment` (one allocation of one payment to one invoice, keyed by its
cause), from a bank statement line (`BankStatementLine`) or recorded by an advisor. Documents sent
or received over Peppol are `PeppolDocument` rows (the access point's outbox and inbox).
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Purchase, ThirdParty
from members.models import CapitalCall, Office
from smartcoop.ledger.models import AnalyticAccount
from smartcoop.models import CooperativeEntity


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("invoice")
    CREDIT_NOTE = "credit", _("credit note")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ISSUED = "issued", _("issued")
    PARTLY_PAID = "partly_paid", _("partly paid")
    PAID = "paid", _("paid")
    DISPUTED = "disputed", _("disputed")
    CREDITED = "credited", _("credited")
    WRITTEN_OFF = "written_off", _("written off")


# What a member filters on and reads: the stored statuses, plus overdue (an open invoice past due today).
class InvoiceState(models.TextChoices):
    DRAFT = "draft", _("draft")
    ISSUED = "issued", _("issued")
    PARTLY_PAID = "partly_paid", _("partly paid")
    OVERDUE = "overdue", _("overdue")
    PAID = "paid", _("paid")
    DISPUTED = "disputed", _("disputed")
    CREDITED = "credited", _("credited")
    WRITTEN_OFF = "written_off", _("written off")


OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.DISPUTED)


class SupplyKind(models.TextChoices):
    SERVICES = "services", _("services")
    GOODS = "goods", _("goods")


class InvoiceCounter(models.Model):
    """The last number given in one series and year: locked by the issuing transaction, so gapless."""

    entity = models.ForeignKey(CooperativeEntity, on_delete=models.PROTECT, related_name="+")
    series = models.CharField(_("series"), max_length=4)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("invoice counter")
        verbose_name_plural = _("invoice counters")
        constraints = [models.UniqueConstraint(fields=["entity", "series", "year"], name="invoice_counter_unique")]

    def __str__(self) -> str:
        return f"{self.series}{self.year}: {self.last}"


def _pdf_upload_to(invoice: "Invoice", filename: str) -> str:
    return f"invoices/{invoice.issue_date:%Y}/{filename}"


class Invoice(models.Model):
    kind = models.CharField(_("kind"), max_length=7, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    status = models.CharField(_("status"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    entity = models.ForeignKey(
        CooperativeEntity, verbose_name=_("cooperative entity"), on_delete=models.PROTECT, related_name="+"
    )
    # The issuer: the analytic account credited, the office whose advisors follow it, and the
    # Activity when an Activity issued it (None for other issuers).
    analytic = models.ForeignKey(
        AnalyticAccount, verbose_name=_("analytic account"), on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(
        Activity, verbose_name=_("Activity"), on_delete=models.PROTECT, related_name="invoices", null=True, blank=True
    )
    # The presentation the issuer hands over, printed on the PDF.
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True)
    logo = models.CharField(_("logo"), max_length=200, blank=True, help_text=_("A file in the media storage"))
    terms_of_sale = models.TextField(_("terms of sale"), blank=True)
    contribution_rate = models.DecimalField(
        _("contribution on turnover"), max_digits=5, decimal_places=4, validators=[MinValueValidator(Decimal(0))]
    )

    client = models.ForeignKey(ThirdParty, verbose_name=_("client"), on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    supply_kind = models.CharField(_("supply"), max_length=8, choices=SupplyKind.choices, default=SupplyKind.SERVICES)
    # The client as they were when the invoice was issued (copied by invoice_issue).
    client_name = models.CharField(_("client's name"), max_length=200, blank=True)
    client_street = models.CharField(_("client's street"), max_length=200, blank=True)
    client_postal_code = models.CharField(_("client's postal code"), max_length=12, blank=True)
    client_city = models.CharField(_("client's city"), max_length=100, blank=True)
    client_country = models.CharField(_("client's country"), max_length=2, blank=True)
    client_vat_number = models.CharField(_("client's VAT number"), max_length=20, blank=True)
    client_enterprise_number = models.CharField(_("client's enterprise number"), max_length=10, blank=True)
    client_peppol_id = models.CharField(_("client's Peppol identifier"), max_length=60, blank=True)
    client_email = models.EmailField(_("client's e-mail"), blank=True)

    series = models.CharField(_("series"), max_length=4, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    number = models.CharField(_("number"), max_length=20, null=True, blank=True, unique=True)
    # No reference until issued (NULL, so drafts do not collide on the unique index), and unique once given.
    reference = models.CharField(_("structured communication"), max_length=24, null=True, blank=True, unique=True)

    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    supply_date = models.DateField(_("date of supply"), null=True, blank=True)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    buyer_reference = models.CharField(_("buyer reference"), max_length=100, blank=True)
    purchase_order = models.CharField(_("purchase order"), max_length=100, blank=True)
    exemption_basis = models.CharField(
        _("legal basis of the exemption"), max_length=20, blank=True, help_text=_("For exempt supplies (category E)")
    )
    note = models.TextField(_("note"), blank=True)

    credited_invoice = models.ForeignKey(
        "self",
        verbose_name=_("credited invoice"),
        on_delete=models.PROTECT,
        related_name="credit_notes",
        null=True,
        blank=True,
    )
    credit_reason = models.CharField(_("reason for the credit note"), max_length=300, blank=True)

    total_excl_vat = models.DecimalField(_("total excl. VAT"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total_vat = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total_incl_vat = models.DecimalField(_("total incl. VAT"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    amount_paid = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    amount_credited = models.DecimalField(_("credited"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    amount_written_off = models.DecimalField(_("written off"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    # The part excl. VAT of what was paid, credited or written off: what left the Activity's 400.
    excl_settled = models.DecimalField(_("settled excl. VAT"), max_digits=14, decimal_places=2, default=Decimal("0.00"))

    pdf = models.FileField(_("PDF"), upload_to=_pdf_upload_to, blank=True)
    pdf_pages = models.PositiveSmallIntegerField(_("PDF pages"), null=True, blank=True)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-issue_date", "-sequence", "-pk"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["entity", "series", "year", "sequence"], name="invoice_number_unique"),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(number__isnull=False) & Q(issue_date__isnull=False)),
                name="invoice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", credited_invoice__isnull=True)
                | Q(kind="credit", credited_invoice__isnull=False),
                name="credit_note_credits_an_invoice",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(amount_credited__gte=0) & Q(amount_written_off__gte=0),
                name="invoice_amounts_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["activity", "-issue_date"], name="invoice_activity_recent"),
            models.Index(fields=["office", "status"], name="invoice_office_status"),
            models.Index(
                fields=["total_incl_vat"],
                name="invoice_open_by_amount",
                condition=Q(status__in=["issued", "partly_paid", "disputed"]),
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("draft %(id)s") % {"id": self.pk})

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def amount_open(self) -> Decimal:
        """What the client still owes (an invoice) or is still owed (a credit note not yet set off)."""
        if self.status == InvoiceStatus.DRAFT:
            return Decimal("0.00")
        return self.total_incl_vat - self.amount_paid - self.amount_credited - self.amount_written_off

    def state_on(self, today: date) -> str:
        open_past_due = self.status in (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID) and (
            self.due_date is not None and self.due_date < today
        )
        return InvoiceState.OVERDUE if open_past_due and not self.is_credit_note else self.status

    @property
    def state(self) -> str:
        return self.state_on(timezone.localdate())

    def get_state_display(self) -> str:
        return str(InvoiceState(self.state).label)


class VatCategory(models.TextChoices):
    """The VAT category codes of EN 16931 (UNCL5305 subset) a Belgian invoice uses."""

    STANDARD = "S", _("standard rate")
    ZERO = "Z", _("zero rate")
    EXEMPT = "E", _("exempt")
    REVERSE_CHARGE = "AE", _("reverse charge")
    INTRA_EU = "K", _("intra-Community supply")
    EXPORT = "G", _("export outside the EU")
    OUTSIDE_SCOPE = "O", _("outside the scope of VAT")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    # UN/ECE Recommendation 20 codes, as the UBL document carries them (invoicing.vat.UNITS).
    unit = models.CharField(_("unit"), max_length=3, default="C62")
    unit_price = models.DecimalField(_("unit price excl. VAT"), max_digits=14, decimal_places=4)
    vat_category = models.CharField(_("VAT category"), max_length=2, choices=VatCategory.choices)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    net_amount = models.DecimalField(_("amount excl. VAT"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["position"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position")]

    def __str__(self) -> str:
        return self.description


class PaymentSource(models.TextChoices):
    BANK = "bank", _("bank statement")
    MANUAL = "manual", _("recorded by an advisor")
    CREDIT_NOTE = "credit", _("credit note")


class InvoicePayment(models.Model):
    """Money received for one invoice: one allocation, once per cause (`key`)."""

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    source = models.CharField(_("source"), max_length=6, choices=PaymentSource.choices)
    statement_line = models.ForeignKey(
        "BankStatementLine",
        verbose_name=_("statement line"),
        on_delete=models.PROTECT,
        related_name="allocations",
        null=True,
        blank=True,
    )
    key = models.CharField(_("cause"), max_length=200, unique=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["paid_on", "pk"]
        verbose_name = _("payment received")
        verbose_name_plural = _("payments received")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_payment_positive")]

    def __str__(self) -> str:
        return f"{self.invoice} {self.amount}"


# --- bank statements ------------------------------------------------------------------------------


class StatementFormat(models.TextChoices):
    CODA = "coda", "CODA"
    CAMT053 = "camt053", "camt.053"


class BankStatement(models.Model):
    """One statement of the cooperative's account, imported once (its file's digest is unique)."""

    format = models.CharField(_("format"), max_length=8, choices=StatementFormat.choices)
    account_iban = models.CharField(_("account"), max_length=34)
    statement_id = models.CharField(_("statement"), max_length=60)
    statement_date = models.DateField(_("date"))
    opening_balance = models.DecimalField(_("opening balance"), max_digits=14, decimal_places=2)
    closing_balance = models.DecimalField(_("closing balance"), max_digits=14, decimal_places=2)
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("digest"), max_length=64, unique=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-statement_date", "-pk"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        constraints = [
            models.UniqueConstraint(fields=["account_iban", "statement_id"], name="bank_statement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account_iban} {self.statement_id}"


class LineStatus(models.TextChoices):
    MATCHED = "matched", _("matched")
    REVIEW = "review", _("to review")
    IGNORED = "ignored", _("ignored")


class BankStatementLine(models.Model):
    statement = models.ForeignKey(
        BankStatement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="lines"
    )
    sequence = models.PositiveIntegerField(_("line"))
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, help_text=_("Positive for money received")
    )
    counterparty_name = models.CharField(_("counterparty"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("counterparty's account"), max_length=34, blank=True)
    communication = models.CharField(_("communication"), max_length=400, blank=True)
    structured = models.BooleanField(_("structured communication"), default=False)
    bank_reference = models.CharField(_("bank's reference"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=LineStatus.choices, default=LineStatus.REVIEW)
    # How it was matched, or why it waits for an advisor (shown in the review queue).
    match_note = models.CharField(_("matching"), max_length=300, blank=True)
    suggested_invoices = models.ManyToManyField(Invoice, verbose_name=_("suggestions"), related_name="+", blank=True)
    # Members' capital calls are paid into the same account with the same kind of communication.
    suggested_calls = models.ManyToManyField(
        CapitalCall, verbose_name=_("suggested capital calls"), related_name="+", blank=True
    )
    capital_call = models.ForeignKey(
        CapitalCall,
        verbose_name=_("capital call paid"),
        on_delete=models.PROTECT,
        related_name="statement_lines",
        null=True,
        blank=True,
    )
    unallocated = models.DecimalField(_("not allocated"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["statement", "sequence"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        constraints = [models.UniqueConstraint(fields=["statement", "sequence"], name="statement_line_unique")]
        indexes = [models.Index(fields=["status", "booking_date"], name="statement_line_queue")]

    def __str__(self) -> str:
        return f"{self.statement} #{self.sequence}"


# --- Peppol -----------------------------------------------------------------------------------------


class PeppolDirection(models.TextChoices):
    OUTBOUND = "out", _("sent")
    INBOUND = "in", _("received")


class PeppolStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    EMAILED = "emailed", _("e-mailed")
    FAILED = "failed", _("failed")
    RECEIVED = "received", _("received")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


def _peppol_upload_to(document: "PeppolDocument", filename: str) -> str:
    return f"peppol/{document.direction}/{timezone.now():%Y}/{filename}"


class PeppolDocument(models.Model):
    """A UBL document through the access point: an invoice of ours sent, or a supplier's received."""

    direction = models.CharField(_("direction"), max_length=3, choices=PeppolDirection.choices)
    status = models.CharField(_("status"), max_length=9, choices=PeppolStatus.choices)
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        on_delete=models.PROTECT,
        related_name="peppol_documents",
        null=True,
        blank=True,
    )
    purchase = models.ForeignKey(
        Purchase, verbose_name=_("purchase"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    sender_id = models.CharField(_("sender"), max_length=80, blank=True)
    receiver_id = models.CharField(_("receiver"), max_length=80, blank=True)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    sha256 = models.CharField(_("digest"), max_length=64, blank=True)
    # The UBL file as it came: for a supplier's e-invoice, the original the books must keep.
    xml = models.FileField(_("UBL file"), upload_to=_peppol_upload_to, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    transmission_id = models.CharField(_("transmission"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Peppol document")
        verbose_name_plural = _("Peppol documents")
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(direction="out"), name="peppol_one_outbound_per_invoice"
            ),
            models.UniqueConstraint(fields=["sha256"], condition=Q(direction="in"), name="peppol_inbound_once"),
        ]
        indexes = [models.Index(fields=["direction", "status"], name="peppol_queue")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.document_number}"

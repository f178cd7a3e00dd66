"""Activities: each member's economic unit, with its own books, clients, expenses and purchases.

An `Activity` owns one analytic account of the ledger: every leg it causes carries that dimension,
so its books are the ledger read through it (`activities.selectors`). VAT legs never carry it:
VAT is the cooperative's business with the State, not a member's budget. Nothing here stores a
balance: available, committed and incoming money are read from the ledger's maintained totals.

The trade register lists what may be practised; `ThirdParty` holds clients and suppliers once for
the whole cooperative (deduplicated on their VAT or enterprise number), and `ActivityThirdParty`
says which Activities work with whom, which is what a member may see.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from members.models import Member, Office, User
from smartcoop.ledger.models import AnalyticAccount
from smartcoop.models import CooperativeEntity
from smartcoop.money import number_text


def _in_language(fr: str, nl: str, en: str) -> str:
    language = (get_language() or "fr")[:2]
    return {"nl": nl, "en": en}.get(language, fr)


class TradeAdmission(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    ON_APPROVAL = "on_approval", _("Allowed after an advisor's approval")
    EXCLUDED = "excluded", _("Excluded")


class Trade(models.Model):
    """One line of the trade register (registre des métiers), seeded from `trade_catalogue`."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    sector = models.CharField(_("sector"), max_length=20)
    admission = models.CharField(_("admission"), max_length=12, choices=TradeAdmission.choices)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    reason_fr = models.CharField(_("reason (French)"), max_length=400, blank=True)
    reason_nl = models.CharField(_("reason (Dutch)"), max_length=400, blank=True)
    reason_en = models.CharField(_("reason (English)"), max_length=400, blank=True)

    class Meta:
        ordering = ["sector", "name_fr"]
        verbose_name = _("trade")
        verbose_name_plural = _("trade register")
        constraints = [
            models.CheckConstraint(
                name="trade_reason_unless_allowed",
                condition=models.Q(admission="allowed") | ~models.Q(reason_fr=""),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _in_language(self.name_fr, self.name_nl, self.name_en)

    @property
    def reason(self) -> str:
        return _in_language(self.reason_fr, self.reason_nl, self.reason_en)


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


def _logo_upload_to(instance: "Activity", filename: str) -> str:
    return f"activities/{instance.code}/logo-{filename}"


class Activity(models.Model):
    """An autonomous production unit of one or several members, with its own budget and books."""

    code = models.CharField(_("code"), max_length=20, unique=True, help_text=_("Its analytic code in the ledger"))
    name = models.CharField(_("name"), max_length=200)
    entity = models.ForeignKey(
        CooperativeEntity, verbose_name=_("cooperative entity"), on_delete=models.PROTECT, related_name="+"
    )
    analytic = models.OneToOneField(
        AnalyticAccount, verbose_name=_("analytic account"), on_delete=models.PROTECT, related_name="activity"
    )
    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="activities")
    status = models.CharField(_("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.OPEN)
    description = models.TextField(_("description"), blank=True)
    # Set by an advisor only; None means the entity's rate.
    turnover_contribution_rate = models.DecimalField(
        _("contribution on turnover (override)"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.5"))],
    )
    employment_contribution_rate = models.DecimalField(
        _("contribution on the employment budget (override)"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.5"))],
    )
    terms_of_sale = models.TextField(_("terms of sale"), blank=True, help_text=_("Printed on its invoices"))
    logo = models.ImageField(_("logo"), upload_to=_logo_upload_to, blank=True)
    trades = models.ManyToManyField(Trade, through="ActivityTrade", verbose_name=_("trades"), related_name="+")
    members = models.ManyToManyField(
        Member, through="ActivityHolder", verbose_name=_("holders"), related_name="activities"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Activity")
        verbose_name_plural = _("Activities")
        indexes = [models.Index(fields=["office", "status"], name="activity_office_status")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class HolderRole(models.TextChoices):
    MANAGER = "manager", _("Manager: decides and approves spending")
    HOLDER = "holder", _("Co-holder: sees the books, submits expenses")
    WORKER = "worker", _("Worker: submits their own expenses")


class ActivityHolder(models.Model):
    activity = models.ForeignKey(Activity, verbose_name=_("Activity"), on_delete=models.CASCADE, related_name="holders")
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=HolderRole.choices, default=HolderRole.HOLDER)
    since = models.DateField(_("since"))

    class Meta:
        ordering = ["activity", "role", "member"]
        verbose_name = _("holder")
        verbose_name_plural = _("holders")
        constraints = [models.UniqueConstraint(fields=["activity", "member"], name="holder_once_per_activity")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.get_role_display()}"


class TradeApproval(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PENDING = "pending", _("Waiting for an advisor")
    REFUSED = "refused", _("Refused")


class ActivityTrade(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("Activity"), on_delete=models.CASCADE, related_name="trade_links"
    )
    trade = models.ForeignKey(Trade, verbose_name=_("trade"), on_delete=models.PROTECT, related_name="+")
    approval = models.CharField(_("approval"), max_length=10, choices=TradeApproval.choices)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason given to the member"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("trade of an Activity")
        verbose_name_plural = _("trades of Activities")
        constraints = [models.UniqueConstraint(fields=["activity", "trade"], name="trade_once_per_activity")]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.trade_id} ({self.approval})"


# --- clients and suppliers ------------------------------------------------------------------------


class ThirdPartyKind(models.TextChoices):
    PERSON = "person", _("Private person")
    COMPANY = "company", _("Company or organisation")


class ThirdParty(models.Model):
    """A client or a supplier, known once across the cooperative."""

    kind = models.CharField(_("kind"), max_length=8, choices=ThirdPartyKind.choices, default=ThirdPartyKind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=12)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="BE", help_text=_("ISO 3166 code, e.g. BE"))
    language = models.CharField(
        _("language"), max_length=2, choices=[("fr", "Français"), ("nl", "Nederlands"), ("en", "English")]
    )
    email = models.EmailField(_("e-mail for invoices"), blank=True)
    # Compact, with the country prefix (BE0754316243); blank for a private person.
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    enterprise_number = models.CharField(_("enterprise number"), max_length=10, blank=True)
    peppol_id = models.CharField(_("Peppol participant identifier"), max_length=60, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=30, validators=[MaxValueValidator(120)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name = _("client or supplier")
        verbose_name_plural = _("clients and suppliers")
        constraints = [
            models.UniqueConstraint(
                fields=["vat_number"], condition=~models.Q(vat_number=""), name="third_party_unique_vat"
            ),
            models.UniqueConstraint(
                fields=["enterprise_number"],
                condition=~models.Q(enterprise_number=""),
                name="third_party_unique_enterprise_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ActivityThirdParty(models.Model):
    """An Activity works with this client or supplier: its holders may see and use it."""

    activity = models.ForeignKey(Activity, verbose_name=_("Activity"), on_delete=models.CASCADE, related_name="+")
    third_party = models.ForeignKey(
        ThirdParty, verbose_name=_("client or supplier"), on_delete=models.PROTECT, related_name="activity_links"
    )
    since = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("client or supplier of an Activity")
        verbose_name_plural = _("clients and suppliers of Activities")
        constraints = [
            models.UniqueConstraint(fields=["activity", "third_party"], name="third_party_once_per_activity")
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.third_party_id}"


# --- expense claims ---------------------------------------------------------------------------


class ExpenseCategory(models.Model):
    """What an expense was for, and where it goes in the books (seeded with the chart)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    account_code = models.CharField(_("ledger account"), max_length=10)
    vat_recoverable = models.BooleanField(
        _("VAT recoverable"), help_text=_("Deductible VAT is booked apart and not charged to the Activity")
    )
    is_mileage = models.BooleanField(_("mileage"), default=False)

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("expense category")
        verbose_name_plural = _("expense categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _in_language(self.name_fr, self.name_nl, self.name_en)


class MileageRate(models.Model):
    """The official allowance per kilometre driven with one's own vehicle, from a date on.

    An expense line keeps the rate it was paid at; a new rate applies to trips from its date.
    """

    entity = models.ForeignKey(
        CooperativeEntity, verbose_name=_("cooperative entity"), on_delete=models.CASCADE, related_name="mileage_rates"
    )
    valid_from = models.DateField(_("valid from"))
    rate = models.DecimalField(
        _("allowance per km"), max_digits=6, decimal_places=4, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        ordering = ["entity", "-valid_from"]
        verbose_name = _("mileage allowance")
        verbose_name_plural = _("mileage allowances")
        constraints = [models.UniqueConstraint(fields=["entity", "valid_from"], name="mileage_rate_one_per_date")]

    def __str__(self) -> str:
        # Shown in the admin: the rate and date as the reader writes them, like every figure.
        return f"{number_text(self.rate)} EUR/km ({date_format(self.valid_from, 'SHORT_DATE_FORMAT')})"


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, waiting for an advisor")
    APPROVED = "approved", _("Approved, to be reimbursed")
    REJECTED = "rejected", _("Rejected")
    REIMBURSED = "reimbursed", _("Reimbursed")


class ExpenseClaim(models.Model):
    """A worker's expense claim (note de frais) on one Activity."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("Activity"), on_delete=models.PROTECT, related_name="expense_claims"
    )
    worker = models.ForeignKey(Member, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    reason = models.CharField(_("reason given to the worker"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reimbursed_on = models.DateField(_("reimbursed on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="expense_claim_queue"),
            # "All claims", newest first: read in this order until a page of the office's is found,
            # instead of sorting every claim the advisor reaches (tests/perf/test_activity_queues.py).
            models.Index(F("submitted_at").desc(nulls_last=True), F("id").desc(), name="expense_claim_newest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"


def _receipt_upload_to(instance: "ExpenseLine", filename: str) -> str:
    # The claim's id in the path, never the worker's name; MEDIA_ROOT is outside the static root.
    return f"receipts/{instance.claim_id}/{filename}"


class ExpenseLine(models.Model):
    """One expense (amount incl. VAT and its VAT) or one trip (km times the rate of its date)."""

    claim = models.ForeignKey(ExpenseClaim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="lines")
    spent_on = models.DateField(_("date"))
    category = models.ForeignKey(
        ExpenseCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount incl. VAT"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2, default=Decimal(0))
    kilometres = models.DecimalField(_("kilometres"), max_digits=7, decimal_places=1, null=True, blank=True)
    rate = models.DecimalField(_("rate per km"), max_digits=6, decimal_places=4, null=True, blank=True)
    receipt = models.FileField(_("receipt"), upload_to=_receipt_upload_to, blank=True)

    class Meta:
        ordering = ["spent_on", "id"]
        verbose_name = _("expense line")
        verbose_name_plural = _("expense lines")
        constraints = [
            models.CheckConstraint(name="expense_line_positive", condition=models.Q(amount__gt=0)),
            models.CheckConstraint(
                name="expense_line_vat_within_amount", condition=models.Q(vat__gte=0, vat__lt=models.F("amount"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.description} {self.amount}"


# --- purchases and transfers ------------------------------------------------------------------


class PurchaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, waiting for an advisor")
    APPROVED = "approved", _("Approved, to be paid")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


class PurchasePayee(models.TextChoices):
    SUPPLIER = "supplier", _("The cooperative pays the supplier")
    MEMBER = "member", _("The member advanced it and is reimbursed")


def _purchase_upload_to(instance: "Purchase", filename: str) -> str:
    return f"purchases/{instance.activity_id}/{filename}"


class Purchase(models.Model):
    """A supplier's invoice charged to an Activity's budget."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("Activity"), on_delete=models.PROTECT, related_name="purchases"
    )
    supplier = models.ForeignKey(ThirdParty, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+")
    supplier_reference = models.CharField(_("supplier's invoice number"), max_length=60)
    invoice_date = models.DateField(_("invoice date"))
    due_date = models.DateField(_("due date"))
    category = models.ForeignKey(
        ExpenseCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount incl. VAT"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2, default=Decimal(0))
    file = models.FileField(_("invoice file"), upload_to=_purchase_upload_to)
    payee = models.CharField(_("paid to"), max_length=10, choices=PurchasePayee.choices)
    advanced_by = models.ForeignKey(
        Member, verbose_name=_("advanced by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PurchaseStatus.choices, default=PurchaseStatus.SUBMITTED
    )
    reason = models.CharField(_("reason given to the member"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(User, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "supplier_reference"], name="purchase_supplier_invoice_once"),
            models.CheckConstraint(name="purchase_positive", condition=models.Q(amount__gt=0)),
            models.CheckConstraint(
                name="purchase_vat_within_amount", condition=models.Q(vat__gte=0, vat__lt=models.F("amount"))
            ),
            models.CheckConstraint(
                name="purchase_member_named_when_advanced",
                condition=models.Q(payee="supplier", advanced_by__isnull=True)
                | models.Q(payee="member", advanced_by__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="purchase_queue")]

    def __str__(self) -> str:
        return f"{self.supplier_reference} {self.amount}"


class TransferStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Done")
    REJECTED = "rejected", _("Rejected")


class TransferKind(models.TextChoices):
    SERVICE = "service", _("Payment for work done by the other Activity")
    SHARE = "share", _("Sharing of budget")


class ActivityTransfer(models.Model):
    """Money from one Activity to another: both see it; it moves in one posting on approval."""

    source = models.ForeignKey(
        Activity, verbose_name=_("from Activity"), on_delete=models.PROTECT, related_name="transfers_out"
    )
    destination = models.ForeignKey(
        Activity, verbose_name=_("to Activity"), on_delete=models.PROTECT, related_name="transfers_in"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=TransferKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    description = models.CharField(_("description"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.SUBMITTED
    )
    reason = models.CharField(_("reason given to the members"), max_length=300, blank=True)
    requested_by = models.ForeignKey(User, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The confirmation a member sent: sent twice (a double click, a retried request), it asks once.
    request_key = models.CharField(_("request key"), max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("transfer between Activities")
        verbose_name_plural = _("transfers between Activities")
        constraints = [
            models.CheckConstraint(name="activity_transfer_positive", condition=models.Q(amount__gt=0)),
            models.CheckConstraint(
                name="activity_transfer_two_activities", condition=~models.Q(source=models.F("destination"))
            ),
            models.UniqueConstraint(
                fields=["request_key"], condition=~models.Q(request_key=""), name="activity_transfer_asked_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="activity_transfer_queue")]

    def __str__(self) -> str:
        return f"{self.source_id} -> {self.destination_id}: {self.amount}"

"""Accounts, roles and offices.

`User` is the login (an e-mail address, no username), one per person whatever their roles: a
member, an advisor, an accountant or an administrator is a user in the matching group (`Role`).
The member record of company law (shares, category, national number) hangs off the user and
comes with the Members issue. An `Office` is one of the cooperative's local offices; advisors
belong to one and, by default, act only on the members of their office.
"""

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Concat, Lower
from django.utils.translation import gettext_lazy as _

from smartcoop.money import amount_text


class Role(models.TextChoices):
    """The groups that carry permissions (created by migration 0002)."""

    MEMBER = "member", _("Member")
    ADVISOR = "advisor", _("Advisor")
    ACCOUNTANT = "accountant", _("Accountant")
    ADMINISTRATOR = "administrator", _("Administrator")


class UserManager(DjangoUserManager["User"]):
    use_in_migrations = True

    def _create_user_object(self, username: Any, email: Any, password: Any, **extra_fields: Any) -> "User":
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.password = ""
        if password is not None:
            user.set_password(password)
        else:
            user.set_unusable_password()
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        user = self._create_user_object(None, email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self.create_user(email, password, **extra_fields)


class Office(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    username = None  # type: ignore[assignment]  # e-mail is the login: no username column
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("For advisors: the office whose members they follow."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()


class MemberCategory(models.TextChoices):
    # DOMAIN.md, "Governance": one member, one vote, in three categories of shareholders.
    A = "A", _("A: service user")
    B = "B", _("B: staff of the mutualised team")
    C = "C", _("C: partner or legal person")


class MemberStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    MEMBER = "member", _("Member")
    FORMER = "former", _("Former member")


class PersonKind(models.TextChoices):
    NATURAL = "natural", _("Natural person")
    LEGAL = "legal", _("Legal person")


class Member(models.Model):
    """A member of company law: who holds shares, in which category, followed by which advisor.

    A natural person's national register number and a company's enterprise number are unique
    (partial unique indexes): nobody joins twice under two numbers of the same identity.
    """

    user = models.OneToOneField(User, verbose_name=_("login"), on_delete=models.PROTECT, related_name="member")
    number = models.PositiveIntegerField(_("member number"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=PersonKind.choices, default=PersonKind.NATURAL)
    category = models.CharField(_("category"), max_length=1, choices=MemberCategory.choices, default=MemberCategory.A)
    status = models.CharField(_("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.APPLICANT)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    national_number = models.CharField(_("national register number"), max_length=11, blank=True)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    enterprise_number = models.CharField(_("enterprise number"), max_length=10, blank=True)
    representative = models.CharField(_("representative"), max_length=200, blank=True)
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=12)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="BE")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="members")
    advisor = models.ForeignKey(
        User,
        verbose_name=_("advisor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="advised_members",
        limit_choices_to={"groups__name": Role.ADVISOR.value},
    )
    applied_on = models.DateField(_("applied on"))
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    exit_reason = models.CharField(_("reason for leaving"), max_length=300, blank=True)
    # One lowercase column for the search box: a substring search scans one narrow column
    # instead of three case-folded ones (no trigram index: pg_trgm is not always installed).
    search_name = models.GeneratedField(
        expression=Lower(Concat("first_name", models.Value(" "), "last_name", models.Value(" "), "company_name")),
        output_field=models.CharField(max_length=402),
        db_persist=True,
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["national_number"],
                condition=~models.Q(national_number=""),
                name="member_unique_national_number",
            ),
            models.UniqueConstraint(
                fields=["enterprise_number"],
                condition=~models.Q(enterprise_number=""),
                name="member_unique_enterprise_number",
            ),
            models.CheckConstraint(
                name="member_identity_by_kind",
                condition=(
                    models.Q(kind="natural", national_number__regex=r"^[0-9]{11}$", company_name="")
                    | models.Q(kind="legal", enterprise_number__regex=r"^[0-9]{10}$", national_number="")
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["office", "status"], name="member_office_status"),
            models.Index(fields=["last_name", "first_name"], name="member_name"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.kind == PersonKind.LEGAL:
            return self.company_name
        return f"{self.first_name} {self.last_name}".strip()


class ShareOperationKind(models.TextChoices):
    SUBSCRIPTION = "subscription", _("Subscription")
    ISSUE = "issue", _("Issue")
    TRANSFER_OUT = "transfer_out", _("Transfer to another member")
    TRANSFER_IN = "transfer_in", _("Transfer from another member")
    BUYBACK = "buyback", _("Buy-back at nominal value")


# How each operation changes a holding; a subscription is a promise, not yet a share.
HOLDING_SIGN = {
    ShareOperationKind.SUBSCRIPTION: 0,
    ShareOperationKind.ISSUE: 1,
    ShareOperationKind.TRANSFER_IN: 1,
    ShareOperationKind.TRANSFER_OUT: -1,
    ShareOperationKind.BUYBACK: -1,
}


class ShareOperation(models.Model):
    """One line of the legal share register: numbered without gaps, never changed or deleted.

    `delta` is the change to the member's holding (quantity times HOLDING_SIGN), stored so that a
    holding, now or at any past date, is one indexed SUM. Shares never gain value: every operation
    is at the nominal value of its day.
    """

    number = models.PositiveIntegerField(_("register number"), unique=True)
    key = models.CharField(
        _("idempotency key"), max_length=200, unique=True, help_text=_("The business cause, e.g. capital-call:12:paid")
    )
    kind = models.CharField(_("operation"), max_length=12, choices=ShareOperationKind.choices)
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="share_operations"
    )
    share_class = models.CharField(_("share class"), max_length=1, choices=MemberCategory.choices)
    quantity = models.PositiveIntegerField(_("number of shares"))
    delta = models.IntegerField(_("change to the holding"))
    unit_value = models.DecimalField(_("nominal value"), max_digits=10, decimal_places=2)
    operation_date = models.DateField(_("date"))
    counterpart = models.ForeignKey(
        Member,
        verbose_name=_("other member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("share register operation")
        verbose_name_plural = _("share register")
        constraints = [
            models.CheckConstraint(name="share_operation_positive_quantity", condition=models.Q(quantity__gt=0)),
        ]
        indexes = [models.Index(fields=["member", "operation_date"], name="share_member_date")]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()} {self.quantity}"

    @property
    def amount(self) -> Decimal:
        return self.unit_value * self.quantity


class RegisterCounter(models.Model):
    """The last register number, one row locked per operation so numbers have no gaps."""

    name = models.CharField(max_length=30, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, waiting for an advisor")
    NEEDS_DOCUMENT = "needs_document", _("A document is missing")
    APPROVED = "approved", _("Approved: waiting for the payment of the shares")
    REJECTED = "rejected", _("Rejected")


OPEN_APPLICATION = [ApplicationStatus.SUBMITTED, ApplicationStatus.NEEDS_DOCUMENT]


def _application_upload_to(instance: "MembershipApplication", filename: str) -> str:
    # The applicant's id in the path, never their name; MEDIA_ROOT is outside the static root.
    return f"applications/{instance.user_id}/{filename}"


class MembershipApplication(models.Model):
    """Someone asking to join: what they declared, what they consented to, and the decision."""

    user = models.ForeignKey(User, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="applications")
    kind = models.CharField(_("kind"), max_length=8, choices=PersonKind.choices, default=PersonKind.NATURAL)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    national_number = models.CharField(_("national register number"), max_length=20, blank=True)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    enterprise_number = models.CharField(_("enterprise number"), max_length=20, blank=True)
    representative = models.CharField(_("representative"), max_length=200, blank=True)
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=12)
    city = models.CharField(_("city"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    iban = models.CharField(_("IBAN"), max_length=40)
    # The names as the applicant read them (what they declared); applications sent before the
    # register was offered hold the applicant's own words here and no codes.
    trades = models.CharField(_("trades you intend to practise"), max_length=500)
    trade_codes = ArrayField(
        models.SlugField(max_length=40),
        verbose_name=_("trades, as codes of the trade register"),
        default=list,
        blank=True,
    )
    shares_requested = models.PositiveIntegerField(_("number of shares"))
    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="applications")
    identity_document = models.FileField(_("identity document"), upload_to=_application_upload_to, blank=True)
    consented_statutes_at = models.DateTimeField(_("accepted the statutes at"))
    consented_rules_at = models.DateTimeField(_("accepted the internal rules at"))
    consented_privacy_at = models.DateTimeField(_("accepted the privacy policy at"))
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    reason = models.TextField(_("reason given to the applicant"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    member = models.OneToOneField(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, null=True, blank=True, related_name="application"
    )

    class Meta:
        ordering = ["submitted_at"]
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        constraints = [
            # One application at a time: a second one while the first is open would split the file.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["submitted", "needs_document"]),
                name="application_one_open_per_user",
            ),
            models.CheckConstraint(name="application_positive_shares", condition=models.Q(shares_requested__gt=0)),
        ]
        indexes = [models.Index(fields=["status", "office", "submitted_at"], name="application_queue")]

    def __str__(self) -> str:
        name = self.company_name or f"{self.first_name} {self.last_name}".strip()
        return f"{name} ({self.get_status_display()})"


class CapitalCallStatus(models.TextChoices):
    OPEN = "open", _("Waiting for payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class CapitalCall(models.Model):
    """A request to pay for shares, with the structured communication that matches the payment."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="capital_calls")
    quantity = models.PositiveIntegerField(_("number of shares"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    # NULL only between the insert and the update that derives it from the id (same transaction):
    # unique, so two calls can never share a reference.
    reference = models.CharField(_("structured communication"), max_length=24, unique=True, null=True)  # noqa: DJ001
    status = models.CharField(
        _("status"), max_length=10, choices=CapitalCallStatus.choices, default=CapitalCallStatus.OPEN
    )
    issued_on = models.DateField(_("issued on"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("payment recorded by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("capital call")
        verbose_name_plural = _("capital calls")

    def __str__(self) -> str:
        return f"{self.reference} {amount_text(self.amount)} ({self.get_status_display()})"


class TransferRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an advisor")
    APPROVED = "approved", _("Approved and recorded")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Withdrawn")


class ShareTransferRequest(models.Model):
    """A member asking to pass shares to another member; the register changes on approval only."""

    seller = models.ForeignKey(
        Member, verbose_name=_("from member"), on_delete=models.PROTECT, related_name="transfer_requests"
    )
    buyer = models.ForeignKey(Member, verbose_name=_("to member"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("number of shares"))
    note = models.CharField(_("note to the advisor"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferRequestStatus.choices, default=TransferRequestStatus.PENDING
    )
    reason = models.CharField(_("reason given to the member"), max_length=300, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    operation = models.OneToOneField(
        ShareOperation,
        verbose_name=_("register line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfer_request",
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("share transfer request")
        verbose_name_plural = _("share transfer requests")
        constraints = [
            models.CheckConstraint(name="transfer_request_positive_quantity", condition=models.Q(quantity__gt=0)),
            models.CheckConstraint(name="transfer_request_two_members", condition=~models.Q(seller=models.F("buyer"))),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="transfer_request_queue")]

    def __str__(self) -> str:
        return f"{self.seller_id} -> {self.buyer_id}: {self.quantity} ({self.get_status_display()})"


class RegisterExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def _register_export_upload_to(instance: "RegisterExport", filename: str) -> str:
    return f"exports/share-register/{filename}"


class RegisterExport(models.Model):
    """The register as a PDF, built by a worker: a long register takes WeasyPrint minutes."""

    requested_by = models.ForeignKey(User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateField(_("register as at"))
    status = models.CharField(
        _("status"), max_length=8, choices=RegisterExportStatus.choices, default=RegisterExportStatus.QUEUED
    )
    file = models.FileField(_("file"), upload_to=_register_export_upload_to, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("share register PDF")
        verbose_name_plural = _("share register PDFs")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} ({self.get_status_display()})"


class ApiToken(models.Model):
    """A key to the API (`Authorization: Token <key>`), of which only a digest is kept.

    A token ends when it expires, when its owner revokes it, or when the owner's password changes,
    whatever changed it: `password_stamp` no longer matches then (see members.tokens).
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(
        _("beginning of the key"),
        max_length=8,
        editable=False,
        help_text=_("Enough for its owner to recognise a token, never enough to use it."),
    )
    password_stamp = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user})"

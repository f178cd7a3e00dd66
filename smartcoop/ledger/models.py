"""The ledger's tables. The database itself keeps them honest (see migration 0002):

- a `Transaction` is a header; its `Leg`s carry one positive debit or credit each, on an `Account`
  of the Belgian minimum chart (PCMN) and optionally an `AnalyticAccount` (the books of one
  Activity, one contract, the guarantee fund: the ledger does not know which);
- legs must balance at commit (deferred constraint trigger), may only be added by the database
  transaction that created their header, and neither legs nor headers can be updated or deleted;
  corrections are reversing entries;
- `AccountBalance` (per account), `Balance` (per account and analytic account),
  `AccountDailyMovement` (per account and day) and `DailyMovement` (per account, analytic account
  and day) are maintained by a statement-level trigger on leg insert, in the same transaction, so
  a balance read is one indexed row and a balance at a date sums days, never legs.

The per-account row is locked by every posting to that account until it commits: domain services
post at the end of their transaction, so the lock is held for milliseconds.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from smartcoop.money import DECIMAL_PLACES, MAX_DIGITS


class AccountType(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


# Accounts whose balance is naturally a credit: shown positive when credit exceeds debit.
CREDIT_NORMAL = {AccountType.LIABILITY, AccountType.EQUITY, AccountType.INCOME}


class Account(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    type = models.CharField(_("type"), max_length=10, choices=AccountType.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        language = (get_language() or "fr")[:2]
        return {"nl": self.name_nl, "en": self.name_en}.get(language, self.name_fr)

    @property
    def credit_normal(self) -> bool:
        return self.type in CREDIT_NORMAL


class AnalyticAccount(models.Model):
    """A dimension of the books: whoever owns one (an Activity, a contract) gets its own books."""

    code = models.CharField(_("analytic code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("analytic account")
        verbose_name_plural = _("analytic accounts")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Transaction(models.Model):
    key = models.CharField(
        _("idempotency key"), max_length=200, unique=True, help_text=_("The business cause, e.g. invoice:42:issue")
    )
    booking_date = models.DateField(_("booking date"), db_index=True)
    memo = models.CharField(_("memo"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )

    class Meta:
        ordering = ["-booking_date", "-id"]
        permissions = [("export_journal", _("Can export the general journal"))]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")

    def __str__(self) -> str:
        return f"#{self.pk} {self.key}"


class Leg(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="legs")
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="legs")
    analytic = models.ForeignKey(
        AnalyticAccount,
        verbose_name=_("analytic account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legs",
    )
    # Copied from the header so the daily movements and the journal never need a join.
    booking_date = models.DateField(_("booking date"))
    debit = models.DecimalField(_("debit"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=Decimal(0))
    credit = models.DecimalField(_("credit"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=Decimal(0))

    class Meta:
        verbose_name = _("leg")
        verbose_name_plural = _("legs")
        constraints = [
            models.CheckConstraint(
                name="leg_one_positive_side",
                condition=(models.Q(debit__gt=0, credit=0) | models.Q(debit=0, credit__gt=0)),
            ),
        ]
        indexes = [
            models.Index(fields=["account", "booking_date"], name="leg_account_date"),
            # An Activity's movements, newest first, a page at a time (keyset on date and transaction).
            models.Index(fields=["analytic", "booking_date", "transaction"], name="leg_analytic_date_transaction"),
            # The journal is read in this order.
            models.Index(fields=["booking_date", "transaction"], name="leg_date_transaction"),
        ]

    def __str__(self) -> str:
        side = f"D {self.debit}" if self.debit else f"C {self.credit}"
        return f"{self.account_id} {side}"


class AccountBalance(models.Model):
    """Running totals of one account over all analytic accounts: the account's balance in one row."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="total")
    debit = models.DecimalField(max_digits=16, decimal_places=DECIMAL_PLACES, default=Decimal(0))
    credit = models.DecimalField(max_digits=16, decimal_places=DECIMAL_PLACES, default=Decimal(0))

    class Meta:
        verbose_name = _("account balance")

    def __str__(self) -> str:
        return f"{self.account_id}: D {self.debit} C {self.credit}"


class Balance(models.Model):
    """Running totals per account and analytic account (null: legs without a dimension)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balances")
    analytic = models.ForeignKey(AnalyticAccount, on_delete=models.PROTECT, null=True, related_name="balances")
    debit = models.DecimalField(max_digits=16, decimal_places=DECIMAL_PLACES, default=Decimal(0))
    credit = models.DecimalField(max_digits=16, decimal_places=DECIMAL_PLACES, default=Decimal(0))

    class Meta:
        verbose_name = _("balance")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "analytic"], name="balance_account_analytic", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.analytic_id}: D {self.debit} C {self.credit}"


class AccountDailyMovement(models.Model):
    """Totals of one day per account: an account's balance at a date sums at most a row a day."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    booking_date = models.DateField()
    debit = models.DecimalField(max_digits=16, decimal_places=DECIMAL_PLACES, default=Decimal(0))
    credit = models.DecimalField(max_digits=16, decimal_places=DECIMAL_PLACES, default=Decimal(0))

    class Meta:
        verbose_name = _("daily movement of an account")
        constraints = [
            models.UniqueConstraint(fields=["account", "booking_date"], name="account_daily_account_date"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.booking_date}: D {self.debit} C {self.credit}"


class DailyMovement(models.Model):
    """Totals of one day per account and analytic account: a balance at a date sums these."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    analytic = models.ForeignKey(AnalyticAccount, on_delete=models.PROTECT, null=True, related_name="+")
    booking_date = models.DateField()
    debit = models.DecimalField(max_digits=16, decimal_places=DECIMAL_PLACES, default=Decimal(0))
    credit = models.DecimalField(max_digits=16, decimal_places=DECIMAL_PLACES, default=Decimal(0))

    class Meta:
        verbose_name = _("daily movement")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "analytic", "booking_date"], name="daily_account_analytic_date", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.analytic_id} {self.booking_date}: D {self.debit} C {self.credit}"

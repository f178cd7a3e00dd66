"""Cooperative-wide records: the legal entity per country, members' notifications, the worker heartbeat.

A `CooperativeEntity` holds what the cooperative is in one country: its legal identity (printed on
every document) and the rules that differ by country (contribution rates, share nominal value;
figures from DOMAIN.md, "Money flows"). Belgium is seeded by `seed_demo`. The domain apps attach
their own per-country rules to it: the mileage allowance in activities, the salary payment term in
payroll.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CooperativeEntity(models.Model):
    country = models.CharField(_("country"), max_length=2, unique=True, help_text=_("ISO 3166 code, e.g. BE"))
    name = models.CharField(_("name"), max_length=200)
    # Every invoice and letter of a legal person names its legal form and its register of legal
    # entities with the court of its seat (Code of companies and associations, art. 2:20, 2° and 5°).
    legal_form = models.CharField(
        _("legal form"), max_length=60, blank=True, help_text=_("In full or abbreviated, e.g. SC (société coopérative)")
    )
    register_court = models.CharField(
        _("register of legal entities"),
        max_length=100,
        blank=True,
        help_text=_("RPM or RPR and the court of the seat, e.g. RPM Bruxelles"),
    )
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=12)
    city = models.CharField(_("city"), max_length=100)
    enterprise_number = models.CharField(_("enterprise number"), max_length=20)
    vat_number = models.CharField(_("VAT number"), max_length=20)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)
    turnover_contribution_rate = models.DecimalField(
        _("contribution on turnover excl. VAT"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.5"))],
    )
    employment_contribution_rate = models.DecimalField(
        _("contribution on the employment budget"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.5"))],
    )
    share_nominal_value = models.DecimalField(_("nominal value of a share"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("cooperative entity")
        verbose_name_plural = _("cooperative entities")

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class Notification(models.Model):
    """A decision about something of a member's, told once: listed in the Espace membre and e-mailed.

    `key` names the business cause (`expense-claim:12:approved`), so a retried service records it
    once. What is stored is the cause, not its wording: `template` (notifications/<template>.txt),
    `context` (plain values: ids, names, amounts as strings, days as {"date": ISO}) and
    `subject_msgid` (the subject as written in the code). Subject and body are rendered whenever
    they are read, in the reader's language of that moment (`subject_text`, `body_text`).
    `subject` and `body` hold the text of the notifications told before that: rows without a
    template show it as it was. See `smartcoop.notifications`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="notifications"
    )
    key = models.CharField(_("cause"), max_length=200, unique=True)
    template = models.CharField(
        _("template"), max_length=100, blank=True, help_text=_("The message's template, rendered when read")
    )
    context = models.JSONField(_("context"), default=dict, blank=True)
    subject_msgid = models.CharField(_("subject as written in the code"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True, help_text=_("A path in the member area"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The member's page and the dashboard read a user's latest first.
            models.Index(fields=["user", "-created_at"], name="notification_user_latest"),
            # The unread count in the menu of every page, and the sweep of e-mails not sent yet:
            # partial indexes stay as small as what is pending, however long the history grows.
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="notification_unsent"),
        ]

    def __str__(self) -> str:
        return self.subject_text

    @property
    def subject_text(self) -> str:
        """The subject in the active language (one line)."""
        from smartcoop.notifications import notification_subject  # the renderer imports this model

        return notification_subject(self)

    @property
    def body_text(self) -> str:
        """The message in the active language."""
        from smartcoop.notifications import notification_body  # the renderer imports this model

        return notification_body(self)


class WorkerHeartbeat(models.Model):
    """Written by a beat-scheduled task that a worker runs: proves beat, broker and worker all work."""

    name = models.CharField(max_length=50, unique=True)
    hostname = models.CharField(max_length=255)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")

    def __str__(self) -> str:
        return f"{self.name}@{self.hostname}"

"""Payroll's records. For now, the salary payment term of each country entity.

The cooperative promises a salary by a deadline that differs by country (DOMAIN.md, "Money
flows"): 7 calendar days after the end of the performance in Belgium, France, Germany and Sweden,
the 10th of the following month in Austria, Spain and Italy, the end of the month in the
Netherlands. The term is payroll's rule, attached to the platform's `CooperativeEntity`, which
knows nothing of it; payslips and payment runs will read their deadline from it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from smartcoop.models import CooperativeEntity


class SalaryPaymentRule(models.TextChoices):
    # The three rules of the cooperative's international table (DOMAIN.md, "Money flows").
    DAYS_AFTER_END = "days_after_end", _("A number of calendar days after the end of the performance")
    DAY_OF_NEXT_MONTH = "day_of_next_month", _("A day of the month following the performance")
    END_OF_MONTH = "end_of_month", _("The last day of the month of the performance")


class SalaryPaymentTerm(models.Model):
    """When a salary is paid at the latest in one country: a rule and its number of days (or day)."""

    entity = models.OneToOneField(
        CooperativeEntity,
        verbose_name=_("cooperative entity"),
        on_delete=models.CASCADE,
        related_name="salary_payment_term",
    )
    rule = models.CharField(_("salary payment rule"), max_length=20, choices=SalaryPaymentRule.choices)
    days = models.PositiveSmallIntegerField(_("days (or day of month) of the salary payment rule"), default=7)

    class Meta:
        verbose_name = _("salary payment term")
        verbose_name_plural = _("salary payment terms")

    def __str__(self) -> str:
        return f"{self.entity.country}: {self.get_rule_display()} ({self.days})"

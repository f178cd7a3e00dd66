"""The ledger for advisors and accountants: read-only, filterable, searchable by key.

Nothing here writes: the ledger changes only through `ledger_post` and `ledger_reverse`. Filters
on account and analytic code are text inputs, not lists, because there are thousands of
analytic accounts (one per Activity).

Transactions and analytic accounts are the access policy's rows (`PolicyAdmin`): accountants and
administrators read them all, an advisor those of their own office's Activities (a grant the
Activities app makes, as the ledger knows no domain).
"""

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from smartcoop.admin_site import PolicyAdmin
from smartcoop.ledger.models import Account, AnalyticAccount, Leg, Transaction
from smartcoop.money import ZERO


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CodeFilter(admin.SimpleListFilter):
    """A text box: the rows whose legs touch the code typed in (exact)."""

    template = "admin/code_filter.html"
    lookup: str = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("", "")]  # the template draws an input box instead of links

    def choices(self, changelist: Any) -> Any:
        # One entry carrying what the template needs: the current value and the other parameters.
        params = {k: v for k, v in changelist.get_filters_params().items() if k != self.parameter_name}
        yield {"value": self.value() or "", "parameter_name": self.parameter_name, "other_params": params}

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(**{self.lookup: value}).distinct()


class AccountCodeFilter(CodeFilter):
    title = _("account code")
    parameter_name = "account"
    lookup = "legs__account__code"


class AnalyticCodeFilter(CodeFilter):
    title = _("Activity (analytic code)")
    parameter_name = "analytic"
    lookup = "legs__analytic__code"


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_fr", "name_nl", "type", "debit_total", "credit_total", "balance"]
    list_filter = ["type"]
    search_fields = ["code", "name_fr", "name_nl", "name_en"]
    list_select_related = ["total"]

    def _totals(self, account: Account) -> tuple[Decimal, Decimal]:
        total = getattr(account, "total", None)
        return (total.debit, total.credit) if total else (ZERO, ZERO)

    @admin.display(description=_("debit"))
    def debit_total(self, account: Account) -> Decimal:
        return self._totals(account)[0]

    @admin.display(description=_("credit"))
    def credit_total(self, account: Account) -> Decimal:
        return self._totals(account)[1]

    @admin.display(description=_("balance (natural side)"))
    def balance(self, account: Account) -> Decimal:
        debit, credit = self._totals(account)
        return credit - debit if account.credit_normal else debit - credit


@admin.register(AnalyticAccount)
class AnalyticAccountAdmin(ReadOnlyAdmin, PolicyAdmin[AnalyticAccount]):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class LegInline(admin.TabularInline[Leg, Transaction]):
    model = Leg
    fields = ["account", "analytic", "debit", "credit"]
    readonly_fields = ["account", "analytic", "debit", "credit"]
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Leg]:
        return super().get_queryset(request).select_related("account", "analytic")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin, PolicyAdmin[Transaction]):
    list_display = ["id", "booking_date", "key", "memo", "amount", "actor", "created_at"]
    list_filter = ["booking_date", AccountCodeFilter, AnalyticCodeFilter]
    date_hierarchy = "booking_date"
    search_fields = ["=key", "key__startswith"]
    list_select_related = ["actor"]
    inlines = [LegInline]
    readonly_fields = ["key", "booking_date", "memo", "actor", "created_at", "reverses"]
    # Counting millions of rows for "x of y" on every page costs more than the page itself.
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Transaction]:
        queryset: QuerySet[Transaction] = super().get_queryset(request)
        return queryset.annotate(debit_sum=Sum("legs__debit"))

    @admin.display(description=_("amount"), ordering="debit_sum")
    def amount(self, transaction: Transaction) -> Decimal:
        return getattr(transaction, "debit_sum", None) or ZERO

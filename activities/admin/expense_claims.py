"""The expense claims queue, with each claim's lines and receipts.

Also what claims are priced with, kept by administrators: the expense categories workers choose
from and the mileage allowance per kilometre.
"""

from decimal import Decimal

from django.contrib import admin
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.admin.queues import QueueAdmin
from activities.models import (
    ClaimStatus,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseLine,
    MileageRate,
)
from activities.services import (
    expense_claim_approve,
    expense_claim_reimburse,
    expense_claim_reject,
)
from members.models import Office, User
from smartcoop.admin_site import ReadOnlyInline
from smartcoop.money import ZERO, amount_text


class ExpenseLineInline(ReadOnlyInline):
    model = ExpenseLine
    fields = readonly_fields = (
        "spent_on", "category", "description", "amount", "vat", "kilometres", "rate", "receipt_link",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExpenseLine]:
        return super().get_queryset(request).select_related("category")

    @admin.display(description=_("receipt"))
    def receipt_link(self, line: ExpenseLine) -> str:
        if not line.receipt:
            return gettext("none")
        # Opened in the page, as in the documents shown under the lines.
        url = reverse("admin:activities_expenseclaim_document", args=[line.claim_id, f"receipt-{line.pk}"])
        return format_html('<a href="{}">{}</a>', url, gettext("Receipt"))


@admin.register(ExpenseClaim)
class ExpenseClaimAdmin(QueueAdmin):
    list_display = ["title", "waiting_since", "activity_code", "office", "worker", "total", "status"]
    search_fields = ["^activity__code", "title", "worker__last_name", "worker__company_name"]
    search_help_text = _("An Activity code, a word of the title, or the worker's name.")
    inlines = [ExpenseLineInline]
    actions = ["approve_selected", "pay_selected"]
    approve_label = _("Approve: charge the Activity")
    pay_label = _("Mark as reimbursed today")
    approved_status = ClaimStatus.APPROVED
    fields = readonly_fields = (
        "activity", "worker", "title", "status", "total", "available", "reason", "created_at", "submitted_at",
        "decided_at", "decided_by", "reimbursed_on",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExpenseClaim]:
        # The total in the same query as the page: a subquery per row, no query per row.
        lines = ExpenseLine.objects.filter(claim=OuterRef("pk")).values("claim").annotate(s=Sum("amount")).values("s")
        claims: QuerySet[ExpenseClaim] = (
            super()
            .get_queryset(request)
            .select_related("activity__office", "activity__analytic", "worker", "decided_by")
            .annotate(total=Coalesce(Subquery(lines), Value(ZERO), output_field=DecimalField()))
        )
        return claims

    @admin.display(description=_("Activity"), ordering="activity__code")
    def activity_code(self, claim: ExpenseClaim) -> str:
        return claim.activity.code

    @admin.display(description=_("office"), ordering="activity__office__name")
    def office(self, claim: ExpenseClaim) -> Office:
        return claim.activity.office

    @admin.display(description=_("total incl. VAT"), ordering="total")
    def total(self, claim: ExpenseClaim) -> str:
        return amount_text(getattr(claim, "total", None) or ZERO)

    def amount_of(self, obj: ExpenseClaim) -> Decimal:
        return Decimal(getattr(obj, "total", None) or ZERO)

    def stored_documents(self, obj: ExpenseClaim) -> list[tuple[str, FieldFile, str]]:
        lines = obj.lines.exclude(receipt="").order_by("spent_on", "pk")
        return [
            (
                f"receipt-{line.pk}",
                line.receipt,
                gettext("the receipt of %(date)s, %(amount)s")
                % {"date": date_format(line.spent_on, "SHORT_DATE_FORMAT"), "amount": amount_text(line.amount)},
            )
            for line in lines
        ]

    def label(self, obj: ExpenseClaim) -> str:
        return gettext("Expense claim %(id)s “%(title)s” (%(activity)s)") % {
            "id": obj.pk,
            "title": obj.title,
            "activity": obj.activity.code,
        }

    def approve(self, obj: ExpenseClaim, actor: User) -> object:
        return expense_claim_approve(claim=obj, actor=actor)

    def reject(self, obj: ExpenseClaim, reason: str, actor: User) -> object:
        expense_claim_reject(claim=obj, reason=reason, actor=actor)
        return None

    def pay(self, obj: ExpenseClaim, actor: User) -> object:
        return expense_claim_reimburse(claim=obj, paid_on=timezone.localdate(), actor=actor)


@admin.register(ExpenseCategory)
class ExpenseCategoryAdmin(admin.ModelAdmin[ExpenseCategory]):
    """What expenses are for and where they are booked; a change applies to approvals from now on."""

    list_display = ["code", "name_fr", "name_nl", "account_code", "vat_recoverable", "is_mileage"]
    list_filter = ["vat_recoverable", "is_mileage"]
    search_fields = ["code", "name_fr", "name_nl", "name_en", "account_code"]

    def get_readonly_fields(self, request: HttpRequest, obj: ExpenseCategory | None = None) -> list[str]:
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: ExpenseCategory | None = None) -> bool:
        return False  # expense lines and purchases name it


@admin.register(MileageRate)
class MileageRateAdmin(admin.ModelAdmin[MileageRate]):
    """The allowance per km from a date on. Expense lines copy the rate of their date when they are added,
    so a new rate (a new row) never changes a trip already claimed."""

    list_display = ["entity", "valid_from", "rate"]
    list_filter = ["entity"]
    list_select_related = ["entity"]
    date_hierarchy = "valid_from"

    def get_readonly_fields(self, request: HttpRequest, obj: MileageRate | None = None) -> list[str]:
        # Once in use, a rate's date and country stay: a correction is a new rate from a new date.
        return ["entity", "valid_from"] if obj is not None else []


ExpenseClaimAdmin.register_queue(ExpenseClaim, _("Expense claims to approve"))

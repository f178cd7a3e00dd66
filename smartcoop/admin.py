from django.contrib import admin
from django.http import HttpRequest

from smartcoop.models import CooperativeEntity, MileageRate, WorkerHeartbeat


@admin.register(CooperativeEntity)
class CooperativeEntityAdmin(admin.ModelAdmin[CooperativeEntity]):
    list_display = ["name", "country", "vat_number", "turnover_contribution_rate", "salary_payment_rule"]


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


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin[WorkerHeartbeat]):
    list_display = ["name", "hostname", "seen_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WorkerHeartbeat | None = None) -> bool:
        return False

from django.contrib import admin
from django.http import HttpRequest

from smartcoop.models import CooperativeEntity, WorkerHeartbeat


@admin.register(CooperativeEntity)
class CooperativeEntityAdmin(admin.ModelAdmin[CooperativeEntity]):
    list_display = ["name", "country", "vat_number", "turnover_contribution_rate"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin[WorkerHeartbeat]):
    list_display = ["name", "hostname", "seen_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WorkerHeartbeat | None = None) -> bool:
        return False

"""The transfers queue, reached through the office of the Activity that pays."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.admin.queues import QueueAdmin
from activities.models import (
    ActivityTransfer,
    TransferStatus,
)
from activities.services import (
    activity_transfer_approve,
    activity_transfer_reject,
)
from members.models import Office, User


@admin.register(ActivityTransfer)
class ActivityTransferAdmin(QueueAdmin):
    """Transfers follow the office of the Activity that pays: its advisor approves them."""

    list_display = [
        "description", "waiting_since", "source_code", "office", "destination_code", "amount", "kind", "status",
    ]  # fmt: skip
    search_fields = ["^source__code", "^destination__code", "description"]
    search_help_text = _("The code of either Activity, or a word of the description.")
    office_path = "source__office"
    submitted_field = "requested_at"
    approve_label = _("Approve: move the money now")
    approved_status = TransferStatus.APPROVED
    fields = readonly_fields = (
        "source", "destination", "kind", "amount", "description", "status", "available", "reason", "requested_by",
        "requested_at", "decided_at", "decided_by",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActivityTransfer]:
        transfers = (
            super()
            .get_queryset(request)
            .select_related("source__office", "source__analytic", "destination", "requested_by", "decided_by")
        )
        return transfers

    @admin.display(description=_("from Activity"), ordering="source__code")
    def source_code(self, transfer: ActivityTransfer) -> str:
        return transfer.source.code

    @admin.display(description=_("to Activity"), ordering="destination__code")
    def destination_code(self, transfer: ActivityTransfer) -> str:
        return transfer.destination.code

    @admin.display(description=_("office"), ordering="source__office__name")
    def office(self, transfer: ActivityTransfer) -> Office:
        return transfer.source.office

    def label(self, obj: ActivityTransfer) -> str:
        return gettext("Transfer %(id)s from %(source)s to %(destination)s") % {
            "id": obj.pk,
            "source": obj.source.code,
            "destination": obj.destination.code,
        }

    def approve(self, obj: ActivityTransfer, actor: User) -> object:
        return activity_transfer_approve(transfer=obj, actor=actor)

    def reject(self, obj: ActivityTransfer, reason: str, actor: User) -> object:
        activity_transfer_reject(transfer=obj, reason=reason, actor=actor)
        return None


ActivityTransferAdmin.register_queue(ActivityTransfer, _("Transfers between Activities to approve"))

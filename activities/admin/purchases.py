"""The purchases queue: suppliers' invoices charged to an Activity once approved, then paid."""

from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.admin.queues import QueueAdmin
from activities.models import (
    Purchase,
    PurchaseStatus,
)
from activities.services import (
    purchase_approve,
    purchase_pay,
    purchase_reject,
)
from members.models import Office, User


@admin.register(Purchase)
class PurchaseAdmin(QueueAdmin):
    list_display = [
        "supplier_reference", "waiting_since", "activity_code", "office", "supplier", "amount", "status",
    ]  # fmt: skip
    search_fields = ["^activity__code", "supplier__name", "supplier_reference"]
    search_help_text = _("An Activity code, the supplier's name or their invoice number.")
    actions = ["approve_selected", "pay_selected"]
    approve_label = _("Approve: charge the Activity")
    pay_label = _("Mark as paid today")
    approved_status = PurchaseStatus.APPROVED
    fields = readonly_fields = (
        "activity", "supplier", "supplier_reference", "invoice_date", "due_date", "category", "description",
        "amount", "vat", "file_link", "payee", "advanced_by", "status", "available", "reason", "submitted_by",
        "submitted_at", "decided_at", "decided_by", "paid_on",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Purchase]:
        purchases = (
            super()
            .get_queryset(request)
            .select_related(
                "activity__office", "activity__analytic", "supplier", "category", "advanced_by", "submitted_by",
                "decided_by",
            )
        )  # fmt: skip
        return purchases

    @admin.display(description=_("Activity"), ordering="activity__code")
    def activity_code(self, purchase: Purchase) -> str:
        return purchase.activity.code

    @admin.display(description=_("office"), ordering="activity__office__name")
    def office(self, purchase: Purchase) -> Office:
        return purchase.activity.office

    @admin.display(description=_("invoice file"))
    def file_link(self, purchase: Purchase) -> str:
        if not purchase.file:
            return gettext("none")
        url = reverse("admin:activities_purchase_document", args=[purchase.pk, f"purchase-{purchase.pk}"])
        return format_html('<a href="{}">{}</a>', url, gettext("Supplier's invoice"))

    def stored_documents(self, obj: Purchase) -> list[tuple[str, FieldFile, str]]:
        if not obj.file:
            return []
        return [
            (
                f"purchase-{obj.pk}",
                obj.file,
                gettext("the supplier's invoice %(reference)s") % {"reference": obj.supplier_reference},
            )
        ]

    def label(self, obj: Purchase) -> str:
        return gettext("Purchase %(reference)s from %(supplier)s (%(activity)s)") % {
            "reference": obj.supplier_reference,
            "supplier": obj.supplier.name,
            "activity": obj.activity.code,
        }

    def approve(self, obj: Purchase, actor: User) -> object:
        return purchase_approve(purchase=obj, actor=actor)

    def reject(self, obj: Purchase, reason: str, actor: User) -> object:
        purchase_reject(purchase=obj, reason=reason, actor=actor)
        return None

    def pay(self, obj: Purchase, actor: User) -> object:
        return purchase_pay(purchase=obj, paid_on=timezone.localdate(), actor=actor)


PurchaseAdmin.register_queue(Purchase, _("Purchases to approve"))

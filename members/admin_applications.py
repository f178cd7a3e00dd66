"""The advisors' queues in the admin: membership applications, capital calls, share transfer requests.

Decisions go through the same services as everywhere (approve, reject or ask for a document,
record a payment); the admin only gathers the advisor's reason and shows the outcome. An advisor
sees the applications and calls of their own office unless allowed to see every office, as the
access policy says (`members.access`); deciding is its "decide".
"""

import re
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import (
    CapitalCall,
    CapitalCallStatus,
    MembershipApplication,
    ShareTransferRequest,
    TransferRequestStatus,
    User,
)
from members.services import (
    application_approve,
    application_reject,
    application_request_document,
    capital_call_record_payment,
    transfer_request_approve,
    transfer_request_reject,
)
from smartcoop.admin_site import PolicyAdmin
from smartcoop.audit.admin import AuditTrailMixin
from smartcoop.errors import ApplicationError


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(AuditTrailMixin, PolicyAdmin[MembershipApplication]):
    change_action = "decide"
    change_form_template = "admin/members/membershipapplication/change_form.html"
    list_display = ["submitted_at", "applicant", "office", "status", "shares_requested", "has_document"]
    list_filter = ["status", "office"]
    search_fields = ["last_name", "first_name", "company_name", "user__email"]
    list_select_related = ["office", "user"]
    date_hierarchy = "submitted_at"
    readonly_fields = [
        "user", "kind", "first_name", "last_name", "birth_date", "national_number", "company_name",
        "enterprise_number", "representative", "street", "postal_code", "city", "phone", "iban", "trades",
        "shares_requested", "office", "document_link", "consented_statutes_at", "consented_rules_at",
        "consented_privacy_at", "status", "reason", "submitted_at", "decided_at", "decided_by", "member",
    ]  # fmt: skip
    exclude = ["identity_document"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people apply themselves, from the Espace membre

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an application is a record of what someone declared and consented to

    @admin.display(description=_("applicant"))
    def applicant(self, application: MembershipApplication) -> str:
        return application.company_name or f"{application.first_name} {application.last_name}"

    @admin.display(description=_("document"), boolean=True)
    def has_document(self, application: MembershipApplication) -> bool:
        return bool(application.identity_document)

    @admin.display(description=_("identity document"))
    def document_link(self, application: MembershipApplication) -> str:
        if not application.identity_document:
            return gettext("none")
        url = reverse("members:application_document", args=[application.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))

    def get_urls(self) -> list[URLPattern]:
        decide = path(
            "<int:pk>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name="members_membershipapplication_decide",
        )
        return [decide, *super().get_urls()]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Approve, reject or ask for a document: one POST, one service call."""
        application = get_object_or_404(self.get_queryset(request), pk=pk)
        back = reverse("admin:members_membershipapplication_change", args=[pk])
        if request.method != "POST" or not self.has_change_permission(request, application):
            return HttpResponseRedirect(back)
        actor = request.user
        assert isinstance(actor, User)
        decision = request.POST.get("decision", "")
        reason = request.POST.get("reason", "")
        try:
            if decision == "approve":
                call = application_approve(application=application, actor=actor)
                messages.success(
                    request,
                    gettext("Approved. The capital call %(reference)s for %(amount)s EUR is on the applicant's page.")
                    % {"reference": call.reference, "amount": call.amount},
                )
            elif decision == "reject":
                application_reject(application=application, reason=reason, actor=actor)
                messages.success(request, gettext("Rejected; the applicant sees your reason."))
            elif decision == "request_document":
                application_request_document(application=application, reason=reason, actor=actor)
                messages.success(request, gettext("The applicant is asked for the document."))
            else:
                messages.error(request, gettext("Choose a decision."))
        except ApplicationError as error:
            messages.error(request, str(error.message))
        return HttpResponseRedirect(back)


@admin.register(CapitalCall)
class CapitalCallAdmin(AuditTrailMixin, PolicyAdmin[CapitalCall]):
    change_action = "decide"
    list_display = ["reference", "member", "quantity", "amount", "status", "issued_on", "paid_on"]
    list_filter = ["status", "member__office"]
    search_fields = ["reference", "member__last_name", "member__company_name"]
    list_select_related = ["member"]
    readonly_fields = ["member", "quantity", "amount", "reference", "status", "issued_on", "paid_on", "recorded_by"]
    actions = ["record_payment_today"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[CapitalCall], search_term: str
    ) -> tuple[QuerySet[CapitalCall], bool]:
        # A bank statement shows the communication as +++123/4567/89012+++ or as bare digits.
        digits = re.sub(r"\D", "", search_term)
        if len(digits) == 12:
            formatted = f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"
            return queryset.filter(reference=formatted), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # calls come from approvals

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # Read-only roles (accountants) see the list; only who may change calls may record a payment.
    @admin.action(description=_("Record the payment (received today)"), permissions=["change"])
    def record_payment_today(self, request: HttpRequest, queryset: QuerySet[CapitalCall]) -> None:
        actor = request.user
        assert isinstance(actor, User)
        recorded = 0
        for call in queryset.filter(status=CapitalCallStatus.OPEN).select_related("member"):
            try:
                capital_call_record_payment(call=call, paid_on=timezone.localdate(), actor=actor)
                recorded += 1
            except ApplicationError as error:
                self.message_user(request, f"{call.reference}: {error.message}", messages.ERROR)
        if recorded:
            self.message_user(
                request,
                gettext("%(count)d payment(s) recorded; the shares are issued.") % {"count": recorded},
                messages.SUCCESS,
            )


@admin.register(ShareTransferRequest)
class ShareTransferRequestAdmin(AuditTrailMixin, PolicyAdmin[ShareTransferRequest]):
    """Transfers members asked for: the register changes when an advisor of the seller's office approves."""

    change_form_template = "admin/members/sharetransferrequest/change_form.html"
    list_display = ["requested_at", "seller", "buyer", "quantity", "status", "decided_by"]
    list_filter = ["status", ("seller__office", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["seller", "buyer", "decided_by"]
    search_fields = ["seller__last_name", "seller__company_name", "buyer__last_name", "buyer__company_name"]
    date_hierarchy = "requested_at"
    readonly_fields = [
        "seller", "buyer", "quantity", "note", "status", "reason", "requested_at", "decided_at", "decided_by",
        "operation",
    ]  # fmt: skip
    actions = ["approve_selected"]
    change_action = "decide"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # members ask from the Espace membre; advisors transfer from the member's page

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # Read-only roles (accountants) see the queue; only who may change requests may approve them.
    @admin.action(description=_("Approve and record in the register"), permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[ShareTransferRequest]) -> None:
        actor = request.user
        assert isinstance(actor, User)
        approved = 0
        pending = queryset.filter(status=TransferRequestStatus.PENDING).select_related("seller", "buyer")
        for transfer in pending.order_by("requested_at"):
            try:
                transfer_request_approve(request=transfer, actor=actor)
                approved += 1
            except ApplicationError as error:
                self.message_user(request, f"{transfer}: {error.message}", messages.ERROR)
        if approved:
            self.message_user(
                request,
                gettext("%(count)d transfer(s) recorded in the register.") % {"count": approved},
                messages.SUCCESS,
            )

    def get_urls(self) -> list[URLPattern]:
        decide = path(
            "<int:pk>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name="members_sharetransferrequest_decide",
        )
        return [decide, *super().get_urls()]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        transfer = get_object_or_404(self.get_queryset(request).select_related("seller", "buyer"), pk=pk)
        back = reverse("admin:members_sharetransferrequest_change", args=[pk])
        if request.method != "POST" or not self.has_change_permission(request, transfer):
            return HttpResponseRedirect(back)
        actor = request.user
        assert isinstance(actor, User)
        try:
            if request.POST.get("decision") == "approve":
                operation = transfer_request_approve(request=transfer, actor=actor)
                messages.success(
                    request,
                    gettext("Recorded in the register under number %(number)s.") % {"number": operation.number},
                )
            elif request.POST.get("decision") == "reject":
                transfer_request_reject(request=transfer, reason=request.POST.get("reason", ""), actor=actor)
                messages.success(request, gettext("Rejected; the member sees your reason."))
            else:
                messages.error(request, gettext("Choose a decision."))
        except ApplicationError as error:
            messages.error(request, str(error.message))
        return HttpResponseRedirect(back)

"""The advisors' queues in the admin: membership applications, capital calls, share transfer requests.

Decisions go through the same services as everywhere (approve, reject or ask for a document,
record a payment); the admin only gathers the advisor's reason and shows the outcome. An advisor
sees the applications and calls of their own office unless allowed to see every office, as the
access policy says (`members.access`); deciding is its "decide".

Applications, transfer requests and open capital calls are queues of the desk's index
(`smartcoop.admin_site.register_queue`). The application queue says which office each application
goes to; its page shows the identity document in the page and the identifiers grouped as they are
printed (national number, enterprise number, IBAN); each decision has an "and open the next one"
twin; the bulk actions ask for confirmation with the count and the total first.
"""

import re
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.db.models.expressions import Combinable, OrderBy
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from members.identity import enterprise_number_text, iban_text, national_number_text
from members.models import (
    ApplicationStatus,
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
from smartcoop.access import may
from smartcoop.admin_site import PolicyAdmin, Queue, ShownDocument, after_decision, confirm_bulk, register_queue
from smartcoop.audit.admin import AuditTrailMixin
from smartcoop.errors import ApplicationError
from smartcoop.money import ZERO, amount_text
from smartcoop.uploads import document_response, stored_kind

# A decision page shows what was declared and the decision: nothing on it is saved as such.
DECISION_PAGE = {
    "show_save": False,
    "show_save_and_continue": False,
    "show_save_and_add_another": False,
    "show_delete": False,
}


def waiting_since_text(moment: Any, *, waiting: bool) -> str:
    """The day a request arrived and, while it waits, for how long: one narrow column of a queue."""
    if moment is None:
        return "-"
    day = date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")
    if not waiting:
        return day
    return gettext("%(day)s (%(age)s)") % {"day": day, "age": timesince(moment, depth=1)}


def grouped(text: str) -> str:
    """An identifier shown grouped, kept on one line."""
    if not text:
        return "-"
    return format_html('<span class="grouped-number">{}</span>', text)


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(AuditTrailMixin, PolicyAdmin[MembershipApplication]):
    change_action = "decide"
    change_form_template = "admin/members/membershipapplication/change_form.html"
    # The office it goes to stands beside the applicant: an advisor of Brussels does not decide for Namur.
    list_display = ["applicant", "waiting_since", "office", "shares_requested", "has_document", "status"]
    list_filter = ["status", "office"]
    search_fields = ["last_name", "first_name", "company_name", "user__email"]
    list_select_related = ["office", "user"]
    date_hierarchy = "submitted_at"
    fields = readonly_fields = (
        "user", "kind", "office", "first_name", "last_name", "birth_date", "national_number_grouped",
        "company_name", "enterprise_number_grouped", "representative", "street", "postal_code", "city", "phone",
        "iban_grouped", "trades", "shares_requested", "document_link", "consented_statutes_at",
        "consented_rules_at", "consented_privacy_at", "status", "reason", "submitted_at", "decided_at",
        "decided_by", "member",
    )  # fmt: skip

    def get_ordering(self, request: HttpRequest) -> list[str | OrderBy | Combinable]:
        # What waits is served first come, first served; decided applications newest first.
        if request.GET.get("status__exact", ApplicationStatus.SUBMITTED) == ApplicationStatus.SUBMITTED:
            return ["submitted_at", "pk"]
        return [F("submitted_at").desc(), "-pk"]

    @admin.display(description=_("waiting since"), ordering="submitted_at")
    def waiting_since(self, application: MembershipApplication) -> str:
        return waiting_since_text(application.submitted_at, waiting=application.status == ApplicationStatus.SUBMITTED)

    @admin.display(description=_("national register number"))
    def national_number_grouped(self, application: MembershipApplication) -> str:
        return grouped(national_number_text(application.national_number))

    @admin.display(description=_("enterprise number"))
    def enterprise_number_grouped(self, application: MembershipApplication) -> str:
        return grouped(enterprise_number_text(application.enterprise_number))

    @admin.display(description=_("IBAN"))
    def iban_grouped(self, application: MembershipApplication) -> str:
        return grouped(iban_text(application.iban))

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
        url = reverse("admin:members_membershipapplication_document", args=[application.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open"))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context: dict[str, Any] = {**DECISION_PAGE, **(extra_context or {})}
        application = self.get_object(request, object_id)
        if application is not None:
            context["may_decide"] = may(request.user, "decide", application)
            if application.identity_document and may(request.user, "view_document", application):
                context["documents"] = [
                    ShownDocument(
                        caption=gettext("the identity document"),
                        url=reverse("admin:members_membershipapplication_document", args=[application.pk]),
                        kind=stored_kind(application.identity_document),
                    )
                ]
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        decide = path(
            "<int:pk>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name="members_membershipapplication_decide",
        )
        document = path(
            "<int:pk>/document/",
            self.admin_site.admin_view(self.document_view),
            name="members_membershipapplication_document",
        )
        return [decide, document, *super().get_urls()]

    def document_view(self, request: HttpRequest, pk: int) -> FileResponse:
        """The identity document, opened in the page for the staff who may read it."""
        application = get_object_or_404(self.get_queryset(request), pk=pk)
        if not application.identity_document or not may(request.user, "view_document", application):
            raise PermissionDenied
        return document_response(application.identity_document, name=f"identity-document-{application.pk}", inline=True)

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
        status_before = application.status
        try:
            if decision == "approve":
                call = application_approve(application=application, actor=actor)
                messages.success(
                    request,
                    gettext("Approved. The capital call %(reference)s for %(amount)s is on the applicant's page.")
                    % {"reference": call.reference, "amount": amount_text(call.amount)},
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
        application.refresh_from_db(fields=["status"])
        return after_decision(
            request,
            obj=application,
            decided=application.status != status_before,
            waiting_rows=self.get_queryset(request).filter(status=ApplicationStatus.SUBMITTED),
            since="submitted_at",
        )


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
    def record_payment_today(self, request: HttpRequest, queryset: QuerySet[CapitalCall]) -> TemplateResponse | None:
        open_calls = list(queryset.filter(status=CapitalCallStatus.OPEN).select_related("member").order_by("pk"))
        asked = confirm_bulk(
            request,
            self,
            [(call.pk, f"{call.reference} {call.member}: {amount_text(call.amount)}") for call in open_calls],
            action="record_payment_today",
            question=gettext("Record these payments as received today?"),
            total=amount_text(sum((call.amount for call in open_calls), ZERO)),
        )
        if asked is not None:
            return asked
        actor = request.user
        assert isinstance(actor, User)
        recorded = 0
        for call in open_calls:
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
        return None


@admin.register(ShareTransferRequest)
class ShareTransferRequestAdmin(AuditTrailMixin, PolicyAdmin[ShareTransferRequest]):
    """Transfers members asked for: the register changes when an advisor of the seller's office approves."""

    change_form_template = "admin/members/sharetransferrequest/change_form.html"
    list_display = ["waiting_since", "seller", "buyer", "quantity", "status", "decided_by"]
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

    def get_ordering(self, request: HttpRequest) -> list[str | OrderBy | Combinable]:
        if request.GET.get("status__exact") == TransferRequestStatus.PENDING:
            return ["requested_at", "pk"]  # what waits, first come, first served
        return ["-requested_at", "-pk"]

    @admin.display(description=_("waiting since"), ordering="requested_at")
    def waiting_since(self, transfer: ShareTransferRequest) -> str:
        return waiting_since_text(transfer.requested_at, waiting=transfer.status == TransferRequestStatus.PENDING)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return super().change_view(request, object_id, form_url, {**DECISION_PAGE, **(extra_context or {})})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # members ask from the Espace membre; advisors transfer from the member's page

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # Read-only roles (accountants) see the queue; only who may change requests may approve them.
    @admin.action(description=_("Approve and record in the register"), permissions=["change"])
    def approve_selected(
        self, request: HttpRequest, queryset: QuerySet[ShareTransferRequest]
    ) -> TemplateResponse | None:
        pending = list(
            queryset.filter(status=TransferRequestStatus.PENDING)
            .select_related("seller", "buyer")
            .order_by("requested_at", "pk")
        )
        shares = sum(transfer.quantity for transfer in pending)
        asked = confirm_bulk(
            request,
            self,
            [(t.pk, f"{t.seller} → {t.buyer}: {t.quantity}") for t in pending],
            action="approve_selected",
            question=gettext("Approve these transfers and record them in the register?"),
            total=ngettext("%(count)d share", "%(count)d shares", shares) % {"count": shares},
        )
        if asked is not None:
            return asked
        actor = request.user
        assert isinstance(actor, User)
        approved = 0
        for transfer in pending:
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
        return None

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
        status_before = transfer.status
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
        transfer.refresh_from_db(fields=["status"])
        return after_decision(
            request,
            obj=transfer,
            decided=transfer.status != status_before,
            waiting_rows=self.get_queryset(request).filter(status=TransferRequestStatus.PENDING),
            since="requested_at",
        )


register_queue(
    Queue.of_status(
        MembershipApplication,
        _("Membership applications to decide"),
        ApplicationStatus.SUBMITTED,
        since="submitted_at",
    )
)
register_queue(
    Queue.of_status(
        ShareTransferRequest,
        _("Share transfer requests to decide"),
        TransferRequestStatus.PENDING,
        since="requested_at",
    )
)
register_queue(
    Queue.of_status(
        CapitalCall, _("Capital calls waiting for their payment"), CapitalCallStatus.OPEN, since="issued_on"
    )
)

"""The Peppol outbox and inbox for advisors: each document's status, its errors and attempts.

What is sent is an issued invoice's UBL document, through the access point, by the delivery task
(`invoicing.tasks.invoice_deliver`); what is received is a supplier's e-invoice for an Activity.
Nothing here writes a document: a failed sending is tried again by queueing the same delivery task
("Retry sending"), which checks the document again and sends nothing already delivered. The
desk counts the failed ones, so an advisor sees a client who never received their invoice.

The outbox is the cooperative's, not an office's: staff whose role reads it read it all
(`invoicing.access`), and those who may decide (`invoicing.change_peppoldocument`) retry.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from invoicing.admin.invoices import queue_delivery
from invoicing.models import Invoice, InvoiceStatus, PeppolDirection, PeppolDocument, PeppolStatus
from smartcoop.access import may
from smartcoop.admin_site import PolicyAdmin, Queue, register_queue

# What may be sent again: a sending that failed, or one still waiting (its task was lost).
RETRIABLE = (PeppolStatus.FAILED, PeppolStatus.QUEUED)


def _problems(document: PeppolDocument) -> list[str]:
    """Each error as one line of text, whatever shape the checks or the access point gave it."""
    found = []
    for error in document.errors or []:
        if isinstance(error, dict):
            rule = error.get("rule") or error.get("code") or ""
            text = error.get("message") or error.get("text") or ""
            found.append(f"{rule}: {text}" if rule and text else str(rule or text or error))
        else:
            found.append(str(error))
    return found


@admin.register(PeppolDocument)
class PeppolDocumentAdmin(PolicyAdmin[PeppolDocument]):
    change_form_template = "admin/invoicing/peppoldocument/change_form.html"
    change_action = "decide"
    list_display = [
        "created_at", "direction", "status", "document_number", "invoice_link", "party", "attempts", "first_error",
    ]  # fmt: skip
    list_filter = ["status", "direction"]
    list_select_related = ["invoice"]
    search_fields = ["document_number", "invoice__number", "sender_id", "receiver_id", "transmission_id"]
    search_help_text = _("A document number, a Peppol identifier or a transmission id.")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    actions = ["retry_selected"]
    fields = readonly_fields = (
        "direction", "status", "invoice_link", "purchase", "document_number", "sender_id", "receiver_id",
        "file_name", "sha256", "transmission_id", "attempts", "errors_shown", "created_at", "done_at",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # written by the delivery and the receiving, never by hand

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # what was exchanged stays on record

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The page only shows; the list's actions are for who may decide.
        return obj is None and super().has_change_permission(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[PeppolDocument]:
        return super().get_queryset(request).select_related("invoice", "purchase")

    @admin.display(description=_("invoice"), ordering="invoice__number")
    def invoice_link(self, document: PeppolDocument) -> str:
        if document.invoice is None:
            return "-"
        url = reverse("admin:invoicing_invoice_change", args=[document.invoice.pk])
        return format_html('<a href="{}">{}</a>', url, document.invoice)

    @admin.display(description=_("to / from"))
    def party(self, document: PeppolDocument) -> str:
        return (document.receiver_id if document.direction == PeppolDirection.OUTBOUND else document.sender_id) or "-"

    @admin.display(description=_("first error"))
    def first_error(self, document: PeppolDocument) -> str:
        problems = _problems(document)
        if not problems:
            return ""
        more = len(problems) - 1
        first = problems[0][:120]
        if not more:
            return first
        return ngettext("%(first)s (and %(more)d more)", "%(first)s (and %(more)d more)", more) % {
            "first": first,
            "more": more,
        }

    @admin.display(description=_("errors"))
    def errors_shown(self, document: PeppolDocument) -> SafeString | str:
        problems = _problems(document)
        if not problems:
            return gettext("none")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((problem,) for problem in problems)))

    def _retriable(self, request: HttpRequest, documents: list[PeppolDocument]) -> list[Invoice]:
        return [
            document.invoice
            for document in documents
            if document.direction == PeppolDirection.OUTBOUND
            and document.status in RETRIABLE
            and document.invoice is not None
            and document.invoice.status != InvoiceStatus.DRAFT
            and may(request.user, "decide", document)
        ]

    def _retried(self, request: HttpRequest, invoices: list[Invoice], asked: int) -> None:
        queue_delivery(invoices)
        if invoices:
            self.message_user(
                request,
                ngettext(
                    "%(count)d document will be sent again in a moment.",
                    "%(count)d documents will be sent again in a moment.",
                    len(invoices),
                )
                % {"count": len(invoices)},
                messages.SUCCESS,
            )
        if len(invoices) < asked:
            self.message_user(
                request, gettext("Only a sent document that failed or still waits can be sent again."), messages.WARNING
            )

    @admin.action(description=_("Retry sending the selected documents"), permissions=["change"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[PeppolDocument]) -> None:
        documents = list(queryset.select_related("invoice").order_by("pk"))
        self._retried(request, self._retriable(request, documents), len(documents))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        document = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if document is not None:
            context["may_retry"] = bool(self._retriable(request, [document]))
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        retry = path(
            "<int:pk>/retry/", self.admin_site.admin_view(self.retry_view), name="invoicing_peppoldocument_retry"
        )
        return [retry, *super().get_urls()]

    def retry_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = get_object_or_404(self.get_queryset(request), pk=pk)
        back = reverse("admin:invoicing_peppoldocument_change", args=[pk])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        if not may(request.user, "decide", document):
            raise PermissionDenied
        self._retried(request, self._retriable(request, [document]), 1)
        return HttpResponseRedirect(back)


register_queue(
    Queue.of_status(PeppolDocument, _("Peppol documents that failed"), PeppolStatus.FAILED, since="created_at")
)

"""Invoices and credit notes for advisors: the documents of their office, and the follow-up decisions.

An issued invoice is a legal document: its page only shows it (lines, VAT, payments, credit notes,
the PDF and the UBL document as the client received them), and whatever changes it goes through
the services, as from the API: the decisions are small forms after the change form (a <form>
nested in another is dropped by the HTML parser), each posting to one view that calls one service
through `admin_call`, which shows a refusal as the admin's error message.

- record a payment (`invoice_payment_record`, keyed by the form shown: a double click or a resent
  form records it once);
- dispute, and close the dispute (`invoice_dispute`, `invoice_dispute_close`);
- write off what is left, with a reason (`invoice_write_off`, posted once);
- send again: the delivery task is queued once more (`invoicing.tasks.invoice_deliver`, which sends
  nothing already delivered), after the access point or the mail server refused it.

Rows and decisions are the access policy's (`invoicing.access`, through `PolicyAdmin`): an advisor
reads the invoices of their office and decides on them with `invoicing.change_invoice`; an
accountant reads every office's and decides nothing. The desk counts what needs following up:
the overdue invoices and the disputed ones.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import Combinable, OrderBy
from django.db.models.functions import Now, TruncDate
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.admin.shared import OfficeFilter, ServicesOnlyAdmin, _form_errors, _user
from invoicing import vat as vat_rules
from invoicing.models import Invoice, InvoiceKind, InvoiceLine, InvoicePayment, InvoiceState, InvoiceStatus
from invoicing.selectors import filter_state, state_choices
from invoicing.services.invoices import invoice_dispute, invoice_dispute_close, invoice_write_off
from invoicing.services.payments import invoice_payment_record
from members.models import User
from smartcoop.admin_site import Queue, ReadOnlyInline, admin_call, confirm_bulk, register_queue
from smartcoop.audit.admin import AuditTrailMixin
from smartcoop.forms import AmountField, DateField, Form
from smartcoop.input_rules import PAYMENT
from smartcoop.ledger.admin import CodeFilter
from smartcoop.money import ZERO, amount_text
from smartcoop.uploads import document_response

# --- forms of the decisions -----------------------------------------------------------------------


class PaymentForm(Form):
    amount = AmountField(label=_("Amount received (EUR)"), widget=forms.TextInput(attrs={"form": "payment-form"}))
    paid_on = DateField(
        label=_("Received on"),
        window=PAYMENT,
        widget=forms.DateInput(attrs={"form": "payment-form", "type": "date"}, format="%Y-%m-%d"),
    )
    form_token = forms.CharField(max_length=64, widget=forms.HiddenInput(attrs={"form": "payment-form"}))


class DisputeForm(Form):
    reason = forms.CharField(
        label=_("What the client contests (the holders read it)"),
        max_length=300,
        widget=forms.TextInput(attrs={"form": "dispute-form", "size": 60}),
    )


class WriteOffForm(Form):
    reason = forms.CharField(
        label=_("Why the client will not pay (the holders read it)"),
        max_length=300,
        widget=forms.TextInput(attrs={"form": "write-off-form", "size": 60}),
    )


# --- filters ----------------------------------------------------------------------------------------


class StateFilter(admin.SimpleListFilter):
    """The state an advisor follows: overdue is computed for today, never stored."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return state_choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        if value not in {choice for choice, _label in state_choices()}:
            return queryset.none()
        return filter_state(queryset, value, today=timezone.localdate())


class ActivityCodeFilter(CodeFilter):
    """A text box for an Activity's code: there are thousands of Activities, too many for a list of links."""

    title = _("Activity (code)")
    parameter_name = "activity"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = (self.value() or "").strip()
        return queryset.filter(activity__code=value.upper()) if value else queryset


# --- the page -----------------------------------------------------------------------------------------


class LineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = readonly_fields = (
        "position", "description", "quantity", "unit", "unit_price", "vat_category", "vat_rate", "net_amount",
    )  # fmt: skip


class PaymentInline(ReadOnlyInline):
    model = InvoicePayment
    fields = readonly_fields = ("paid_on", "amount", "source", "statement_line", "recorded_by", "recorded_at")
    verbose_name_plural = _("payments received")

    def get_queryset(self, request: HttpRequest) -> QuerySet[InvoicePayment]:
        return super().get_queryset(request).select_related("recorded_by", "statement_line__statement")


def _overdue_today() -> Q:
    # Read by the database at each count, in the platform's time zone: a queue registered at start-up
    # never counts with the day the server started.
    return Q(
        kind=InvoiceKind.INVOICE,
        status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID],
        due_date__lt=TruncDate(Now()),
    )


@admin.register(Invoice)
class InvoiceAdmin(AuditTrailMixin, ServicesOnlyAdmin):
    change_form_template = "admin/invoicing/invoice/change_form.html"
    list_display = [
        "number_text", "state_shown", "activity_code", "office", "client_text", "issue_date", "due_date",
        "total_shown", "open_shown",
    ]  # fmt: skip
    list_display_links = ["number_text"]
    list_filter = [StateFilter, "kind", ActivityCodeFilter, OfficeFilter, ("issue_date", admin.DateFieldListFilter)]
    list_select_related = ["activity", "office", "client"]
    office_path = "office"
    search_fields = ["number"]  # get_search_results decides what a term matches
    search_help_text = _("An invoice number, a client's name, or a structured communication.")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    actions = ["resend_selected"]
    inlines = [LineInline, PaymentInline]
    fieldsets = (
        (None, {"fields": ("number", "kind", "state_shown", "status_reason", "credited", "credit_notes_shown",
                           "credit_reason", "documents")}),
        (_("Issuer"), {"fields": ("activity", "office", "trade_name", "contribution_rate")}),
        (_("Client"), {"fields": ("client", "client_name", "client_address", "client_vat_number",
                                  "client_peppol_id", "client_email", "language")}),
        (_("Dates and references"), {"fields": ("issue_date", "due_date", "supply_kind", "supply_date",
                                                "period_start", "period_end", "reference", "buyer_reference",
                                                "purchase_order", "exemption_basis", "note")}),
        (_("Amounts"), {"fields": ("vat_breakdown", "total_excl_vat", "total_vat", "total_incl_vat", "amount_paid",
                                   "amount_credited", "amount_written_off", "open_shown")}),
        (_("Creation"), {"fields": ("created_at", "created_by", "issued_at", "issued_by")}),
    )  # fmt: skip
    readonly_fields = [
        "state_shown", "credited", "credit_notes_shown", "documents", "client_address", "vat_breakdown", "open_shown",
    ]  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invoice]:
        invoices: QuerySet[Invoice] = super().get_queryset(request)
        return invoices.select_related("activity", "office", "client", "credited_invoice", "created_by", "issued_by")

    def get_ordering(self, request: HttpRequest) -> list[str | OrderBy | Combinable]:
        return [F("issue_date").desc(nulls_first=True), "-pk"]  # drafts (no date yet) first, then newest

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Invoice], search_term: str
    ) -> tuple[QuerySet[Invoice], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        digits = "".join(char for char in term if char.isdigit())
        if len(digits) == 12 and not any(char.isalpha() for char in term):
            # A structured communication, typed with or without its +++ and slashes.
            return queryset.filter(reference=f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"), False
        found = Q(number__icontains=term) | Q(client_name__icontains=term) | Q(client__name__icontains=term)
        return queryset.filter(found), False

    # --- columns and read-only fields ---

    @admin.display(description=_("number"), ordering="number")
    def number_text(self, invoice: Invoice) -> str:
        return str(invoice)

    @admin.display(description=_("state"))
    def state_shown(self, invoice: Invoice) -> str:
        return invoice.get_state_display()

    @admin.display(description=_("Activity"), ordering="activity__code")
    def activity_code(self, invoice: Invoice) -> str:
        return invoice.activity.code if invoice.activity is not None else "-"

    @admin.display(description=_("client"), ordering="client_name")
    def client_text(self, invoice: Invoice) -> str:
        return invoice.client_name or invoice.client.name

    @admin.display(description=_("total incl. VAT"), ordering="total_incl_vat")
    def total_shown(self, invoice: Invoice) -> str:
        return amount_text(invoice.total_incl_vat)

    @admin.display(description=_("still open"))
    def open_shown(self, invoice: Invoice) -> str:
        return amount_text(invoice.amount_open)

    @admin.display(description=_("credited invoice"))
    def credited(self, invoice: Invoice) -> str:
        if invoice.credited_invoice is None:
            return "-"
        url = reverse("admin:invoicing_invoice_change", args=[invoice.credited_invoice.pk])
        return format_html('<a href="{}">{}</a>', url, invoice.credited_invoice)

    @admin.display(description=_("credit notes"))
    def credit_notes_shown(self, invoice: Invoice) -> str:
        notes = list(invoice.credit_notes.order_by("pk"))
        if not notes:
            return "-"
        return format_html_join(
            ", ",
            '<a href="{}">{} ({})</a>',
            ((reverse("admin:invoicing_invoice_change", args=[note.pk]), note, note.get_state_display())
             for note in notes),
        )  # fmt: skip

    @admin.display(description=_("documents"))
    def documents(self, invoice: Invoice) -> str:
        if invoice.status == InvoiceStatus.DRAFT:
            return gettext("none until issued")
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:invoicing_invoice_pdf", args=[invoice.pk]),
            gettext("PDF"),
            reverse("admin:invoicing_invoice_ubl", args=[invoice.pk]),
            gettext("UBL (Peppol)"),
        )

    @admin.display(description=_("client's address"))
    def client_address(self, invoice: Invoice) -> str:
        parts = [invoice.client_street, f"{invoice.client_postal_code} {invoice.client_city}".strip(),
                 invoice.client_country]  # fmt: skip
        return ", ".join(part for part in parts if part) or "-"

    @admin.display(description=_("VAT breakdown"))
    def vat_breakdown(self, invoice: Invoice) -> SafeString:
        lines = list(invoice.lines.all())
        figures = vat_rules.totals(
            [vat_rules.LineAmount(line.quantity, line.unit_price, line.vat_category, line.vat_rate) for line in lines]
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{} %</td><td>{}</td><td>{}</td></tr>",
            ((group.category, group.rate.normalize(), amount_text(group.base), amount_text(group.vat))
             for group in figures.groups),
        )  # fmt: skip
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            gettext("VAT category"),
            gettext("rate"),
            gettext("base"),
            gettext("VAT"),
            rows,
        )

    # --- the decisions ---

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        invoice = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if invoice is not None and self.may_act(request, invoice):
            context.update(
                may_decide=True,
                may_pay=not invoice.is_credit_note and invoice.amount_open > 0
                and invoice.status != InvoiceStatus.DRAFT,
                may_dispute=not invoice.is_credit_note
                and invoice.status in (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID),
                may_close_dispute=invoice.status == InvoiceStatus.DISPUTED,
                may_write_off=not invoice.is_credit_note and invoice.amount_open > 0
                and invoice.status != InvoiceStatus.DRAFT,
                may_resend=invoice.status != InvoiceStatus.DRAFT,
                payment_form=PaymentForm(
                    prefix="payment",
                    initial={"amount": invoice.amount_open, "paid_on": timezone.localdate(),
                             "form_token": uuid.uuid4().hex},
                ),
                dispute_form=DisputeForm(prefix="dispute"),
                write_off_form=WriteOffForm(prefix="write_off"),
            )  # fmt: skip
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/payment/", view(self.payment_view), name="invoicing_invoice_payment"),
            path("<int:pk>/dispute/", view(self.dispute_view), name="invoicing_invoice_dispute"),
            path("<int:pk>/close-dispute/", view(self.close_dispute_view), name="invoicing_invoice_close_dispute"),
            path("<int:pk>/write-off/", view(self.write_off_view), name="invoicing_invoice_write_off"),
            path("<int:pk>/resend/", view(self.resend_view), name="invoicing_invoice_resend"),
            path("<int:pk>/pdf/", view(self.pdf_view), name="invoicing_invoice_pdf"),
            path("<int:pk>/ubl/", view(self.ubl_view), name="invoicing_invoice_ubl"),
            *super().get_urls(),
        ]

    def _deciding(self, request: HttpRequest, pk: int, act: Callable[[Invoice, User], None]) -> HttpResponse:
        """Run one decision posted from the invoice's page, then go back to it."""
        invoice = get_object_or_404(self.get_queryset(request), pk=pk)
        back = reverse("admin:invoicing_invoice_change", args=[pk])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        if not self.may_act(request, invoice):
            raise PermissionDenied
        act(invoice, _user(request))
        return HttpResponseRedirect(back)

    def payment_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def act(invoice: Invoice, actor: User) -> None:
            form = PaymentForm(request.POST, prefix="payment")
            if not form.is_valid():
                _form_errors(request, form)
                return
            data = form.cleaned_data
            admin_call(
                request,
                # One key per form shown: a double click or a resent form records the payment once.
                lambda: invoice_payment_record(
                    invoice=invoice,
                    amount=data["amount"],
                    paid_on=data["paid_on"],
                    key=f"admin:{invoice.pk}:{data['form_token']}",
                    actor=actor,
                ),
                success=gettext("%(amount)s received on %(number)s recorded.")
                % {"amount": amount_text(data["amount"]), "number": invoice},
            )

        return self._deciding(request, pk, act)

    def dispute_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def act(invoice: Invoice, actor: User) -> None:
            form = DisputeForm(request.POST, prefix="dispute")
            if not form.is_valid():
                _form_errors(request, form)
                return
            admin_call(
                request,
                lambda: invoice_dispute(invoice=invoice, reason=form.cleaned_data["reason"], actor=actor),
                success=gettext("The invoice is disputed: no reminder goes out until the dispute is closed."),
            )

        return self._deciding(request, pk, act)

    def close_dispute_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def act(invoice: Invoice, actor: User) -> None:
            admin_call(
                request,
                lambda: invoice_dispute_close(invoice=invoice, actor=actor),
                success=gettext("The dispute is closed: the invoice awaits its payment again."),
            )

        return self._deciding(request, pk, act)

    def write_off_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def act(invoice: Invoice, actor: User) -> None:
            form = WriteOffForm(request.POST, prefix="write_off")
            if not form.is_valid():
                _form_errors(request, form)
                return
            left = invoice.amount_open
            admin_call(
                request,
                lambda: invoice_write_off(invoice=invoice, reason=form.cleaned_data["reason"], actor=actor),
                success=gettext("%(amount)s written off on %(number)s.")
                % {"amount": amount_text(left), "number": invoice},
            )

        return self._deciding(request, pk, act)

    def resend_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def act(invoice: Invoice, actor: User) -> None:
            if invoice.status == InvoiceStatus.DRAFT:
                messages.error(request, gettext("A draft is sent when it is issued."))
                return
            queue_delivery([invoice])
            messages.success(request, gettext("%(number)s will be sent again in a moment.") % {"number": invoice})

        return self._deciding(request, pk, act)

    @admin.action(description=_("Send the selected invoices again"), permissions=["change"])
    def resend_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> TemplateResponse | None:
        issued = list(queryset.exclude(status=InvoiceStatus.DRAFT).order_by("pk"))
        rows = [(invoice.pk, f"{invoice}: {invoice.client_name}") for invoice in issued]
        asked = confirm_bulk(
            request,
            self,
            rows,
            action="resend_selected",
            question=gettext("Send these invoices again?"),
            total=amount_text(sum((invoice.total_incl_vat for invoice in issued), ZERO)),
        )
        if asked is not None:
            return asked
        decided = [invoice for invoice in issued if self.may_act(request, invoice)]
        queue_delivery(decided)
        self.message_user(
            request, gettext("%(count)d invoice(s) will be sent again.") % {"count": len(decided)}, messages.SUCCESS
        )
        return None

    # --- the documents as the client received them ---

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        from invoicing.documents import invoice_pdf_bytes

        invoice = get_object_or_404(self.get_queryset(request).exclude(status=InvoiceStatus.DRAFT), pk=pk)
        name = str(invoice.number).lower()
        return document_response(ContentFile(invoice_pdf_bytes(invoice)), name=name, inline=True)

    def ubl_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        from invoicing.ubl import invoice_ubl, ubl_file_name

        invoice = get_object_or_404(self.get_queryset(request).exclude(status=InvoiceStatus.DRAFT), pk=pk)
        response = HttpResponse(invoice_ubl(invoice), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{ubl_file_name(invoice)}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


def queue_delivery(invoices: list[Invoice]) -> None:
    """The delivery task again, once the request's work is committed; it sends nothing twice."""
    from invoicing.tasks import invoice_deliver

    for invoice in invoices:
        pk = invoice.pk
        transaction.on_commit(lambda pk=pk: invoice_deliver.delay(pk))  # type: ignore[misc]


# What an advisor follows up on the desk: the invoices past due today, and those in dispute.
register_queue(
    Queue(
        model=Invoice,
        title=_("Overdue invoices"),
        waiting=_overdue_today(),
        since="due_date",
        filters={StateFilter.parameter_name: InvoiceState.OVERDUE},
    )
)
register_queue(
    Queue(
        model=Invoice,
        title=_("Disputed invoices"),
        waiting=Q(status=InvoiceStatus.DISPUTED),
        since=None,  # no date is kept of when the client contested it
        filters={StateFilter.parameter_name: InvoiceState.DISPUTED},
    )
)

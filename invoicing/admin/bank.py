"""Bank statements in the admin: the upload, and the advisors' queue of payments to review.

- Bank statements: the list of what was imported, with the count of lines and of those still to
  review; its page offers the upload of a CODA or camt.053 file to who may import statements
  (`invoicing.access`: "import"). The file goes to `statement_import` through `admin_call`, as the
  command `bank_import` does: a refused file is the admin's error message, naming the line at
  fault; a statement already imported is said so, and nothing changes.
- Payments to review: a queue on the desk (`register_queue`) with its count and the age of the
  oldest line. Its list shows each line's amount, payer, communication and what matching found
  (the note and the suggested invoices and capital calls), read in a fixed number of queries per
  page. The line's page is the decision: allocate to suggested invoices (an amount each, the open
  amount proposed), to other invoices by their number, or to a capital call, or ignore with a
  reason; each through `statement_line_allocate` / `statement_line_ignore`, with its "and open the
  next one" twin (`after_decision`). Lines and statements change only through these services.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.expressions import Combinable, OrderBy
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.admin.shared import ServicesOnlyAdmin, _form_errors, _user
from invoicing.bank import STATEMENT_MAX_BYTES
from invoicing.bank.references import reference_digits, reference_text
from invoicing.bank.statements import statement_import, statement_line_allocate, statement_line_ignore
from invoicing.models import BankStatement, BankStatementLine, Invoice, InvoiceKind, InvoiceStatus, LineStatus
from members.models import CapitalCall
from smartcoop.access import may
from smartcoop.admin_site import PolicyAdmin, Queue, admin_call, after_decision, register_queue
from smartcoop.audit.admin import AuditTrailMixin
from smartcoop.errors import ApplicationError, InvalidInput
from smartcoop.forms import Form
from smartcoop.input_rules import read_amount
from smartcoop.money import ZERO, amount_text

OTHER_ROWS = 3  # rows for invoices typed by their number, beside the suggestions


class StatementUploadForm(Form):
    file = forms.FileField(label=_("Statement file (CODA or camt.053)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > STATEMENT_MAX_BYTES:
            raise forms.ValidationError(gettext("A statement file is at most 20 MB."))
        return upload


@admin.register(BankStatement)
class BankStatementAdmin(AuditTrailMixin, PolicyAdmin[BankStatement]):
    change_list_template = "admin/invoicing/bankstatement/change_list.html"
    list_display = [
        "statement_id", "statement_date", "account_iban", "format", "lines_shown", "to_review_shown", "imported_at",
        "imported_by",
    ]  # fmt: skip
    list_filter = ["format", "account_iban"]
    list_select_related = ["imported_by"]
    search_fields = ["statement_id", "file_name"]
    show_full_result_count = False
    fields = readonly_fields = (
        "format", "account_iban", "statement_id", "statement_date", "opening_balance", "closing_balance", "file_name",
        "sha256", "imported_at", "imported_by", "lines_link",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[BankStatement]:
        statements: QuerySet[BankStatement] = super().get_queryset(request)
        return statements.annotate(
            line_count=Count("lines"), review_count=Count("lines", filter=Q(lines__status=LineStatus.REVIEW))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a statement comes from its file: the upload above the list

    def has_change_permission(self, request: HttpRequest, obj: BankStatement | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: BankStatement | None = None) -> bool:
        return False  # the books keep what it posted

    @admin.display(description=_("lines"), ordering="line_count")
    def lines_shown(self, statement: BankStatement) -> int:
        return int(getattr(statement, "line_count", 0))

    @admin.display(description=_("to review"), ordering="review_count")
    def to_review_shown(self, statement: BankStatement) -> int:
        return int(getattr(statement, "review_count", 0))

    @admin.display(description=_("lines"))
    def lines_link(self, statement: BankStatement) -> str:
        url = reverse("admin:invoicing_bankstatementline_changelist")
        return format_html(
            '<a href="{}?statement__id__exact={}&amp;status=all">{}</a>',
            url,
            statement.pk,
            gettext("%(count)s line(s), %(review)s to review")
            % {"count": self.lines_shown(statement), "review": self.to_review_shown(statement)},
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "may_import": may(request.user, "import", BankStatement),
            "upload_form": StatementUploadForm(),
        }
        return super().changelist_view(request, context)

    def get_urls(self) -> list[URLPattern]:
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="invoicing_bankstatement_upload")
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """One file, one call of `statement_import`; its answer is the message, the lines the next page."""
        back = reverse("admin:invoicing_bankstatement_changelist")
        if request.method != "POST":
            return HttpResponseRedirect(back)
        if not may(request.user, "import", BankStatement):
            raise PermissionDenied
        form = StatementUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            _form_errors(request, form)
            return HttpResponseRedirect(back)
        upload = form.cleaned_data["file"]
        result = admin_call(
            request,
            lambda: statement_import(content=upload.read(), file_name=upload.name, actor=_user(request)),
        )
        if result is None:
            return HttpResponseRedirect(back)
        messages.add_message(request, messages.SUCCESS if result.created else messages.WARNING, result.message)
        lines = reverse("admin:invoicing_bankstatementline_changelist")
        return HttpResponseRedirect(f"{lines}?statement__id__exact={result.statement.pk}&status=all")


class LineStatusFilter(admin.SimpleListFilter):
    """The status, showing what waits for an advisor unless another status (or all) is chosen."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*LineStatus.choices, (self.ALL, _("All"))]

    def value(self) -> str:
        return str(super().value() or LineStatus.REVIEW)

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset if value == self.ALL else queryset.filter(status=value)


def _open_invoices() -> QuerySet[Invoice]:
    return Invoice.objects.only(
        "id", "number", "client_name", "status", "kind", "total_incl_vat", "amount_paid", "amount_credited",
        "amount_written_off",
    )  # fmt: skip


@admin.register(BankStatementLine)
class BankStatementLineAdmin(AuditTrailMixin, ServicesOnlyAdmin):
    change_form_template = "admin/invoicing/bankstatementline/change_form.html"
    list_display = [
        "booking_date", "amount_shown", "counterparty_name", "communication", "status", "match_note",
        "suggestions_shown", "unallocated_shown",
    ]  # fmt: skip
    list_display_links = ["booking_date", "amount_shown"]
    list_filter = [LineStatusFilter, "structured", "statement__account_iban"]
    list_select_related = ["statement"]
    search_fields = ["counterparty_name", "communication", "counterparty_iban", "bank_reference"]
    search_help_text = _("A payer's name or account, or words of the communication.")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    fields = readonly_fields = (
        "statement", "sequence", "booking_date", "value_date", "amount_shown", "counterparty_name",
        "counterparty_iban", "communication", "structured", "bank_reference", "status", "match_note",
        "unallocated_shown", "allocations_shown", "capital_call", "decided_at", "decided_by",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[BankStatementLine]:
        lines: QuerySet[BankStatementLine] = super().get_queryset(request)
        return lines.select_related("statement", "capital_call", "decided_by").prefetch_related(
            Prefetch("suggested_invoices", queryset=_open_invoices()),
            Prefetch("suggested_calls", queryset=CapitalCall.objects.only("id", "reference", "amount", "status")),
        )

    def get_ordering(self, request: HttpRequest) -> list[str | OrderBy | Combinable]:
        # What waits, oldest first (along the (status, booking date) index); the rest newest first.
        if request.GET.get(LineStatusFilter.parameter_name, LineStatus.REVIEW) == LineStatus.REVIEW:
            return ["booking_date", "pk"]
        return ["-booking_date", "-pk"]

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, line: BankStatementLine) -> str:
        return amount_text(line.amount)

    @admin.display(description=_("not allocated"), ordering="unallocated")
    def unallocated_shown(self, line: BankStatementLine) -> str:
        return amount_text(line.unallocated) if line.unallocated else "-"

    @admin.display(description=_("suggestions"))
    def suggestions_shown(self, line: BankStatementLine) -> SafeString | str:
        invoices = [
            (str(invoice.number), amount_text(invoice.amount_open)) for invoice in line.suggested_invoices.all()
        ]
        calls = [(str(call.reference), amount_text(call.amount)) for call in line.suggested_calls.all()]
        if not invoices and not calls:
            return "-"
        return format_html_join(", ", "{} ({})", [*invoices, *calls])

    @admin.display(description=_("allocated"))
    def allocations_shown(self, line: BankStatementLine) -> SafeString | str:
        payments = line.allocations.select_related("invoice").order_by("pk")
        rows = [(payment.invoice.number, amount_text(payment.amount)) for payment in payments]
        return format_html_join(", ", "{}: {}", rows) if rows else "-"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        line = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if line is not None:
            may_decide = self.may_act(request, line) and line.status == LineStatus.REVIEW and line.amount > 0
            left = line.unallocated
            context.update(
                may_decide=may_decide,
                decide_url=reverse("admin:invoicing_bankstatementline_decide", args=[line.pk]),
                suggested=[
                    (invoice, min(invoice.amount_open, left) if invoice.amount_open > 0 else ZERO)
                    for invoice in line.suggested_invoices.all()
                ],
                suggested_calls=[call for call in line.suggested_calls.all()],
                other_rows=range(1, OTHER_ROWS + 1),
            )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        decide = path(
            "<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="invoicing_bankstatementline_decide"
        )
        return [decide, *super().get_urls()]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Allocate or ignore: one POST, one service call, then this line or the next one."""
        line = get_object_or_404(self.get_queryset(request), pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:invoicing_bankstatementline_change", args=[pk]))
        if not self.may_act(request, line):
            raise PermissionDenied
        actor = _user(request)
        before = (line.status, line.unallocated)
        decision = request.POST.get("decision", "")
        if decision == "allocate":
            try:
                invoices, call = _chosen(request, line)
            except ApplicationError as error:
                messages.error(request, str(error.message))
            else:
                admin_call(
                    request,
                    lambda: statement_line_allocate(line=line, invoices=invoices, capital_call=call, actor=actor),
                    success=gettext("The payment is allocated."),
                )
        elif decision == "ignore":
            admin_call(
                request,
                lambda: statement_line_ignore(line=line, reason=request.POST.get("reason", ""), actor=actor),
                success=gettext("The payment is set aside; its money stays in suspense for the accountant."),
            )
        else:
            messages.error(request, gettext("Choose a decision."))
        line.refresh_from_db(fields=["status", "unallocated"])
        return after_decision(
            request,
            obj=line,
            decided=(line.status, line.unallocated) != before,
            waiting_rows=self.get_queryset(request).filter(status=LineStatus.REVIEW),
            since="booking_date",
        )


def _chosen(request: HttpRequest, line: BankStatementLine) -> tuple[list[tuple[Invoice, Decimal]], CapitalCall | None]:
    """The invoices (with amounts) and the capital call the advisor chose, read from the decision's form."""
    wanted: list[tuple[str, str, str]] = []  # (field, invoice number or id, amount typed)
    for invoice in line.suggested_invoices.all():
        typed = request.POST.get(f"amount_{invoice.pk}", "").strip()
        if typed:
            wanted.append((f"amount_{invoice.pk}", f"#{invoice.pk}", typed))
    for row in range(1, OTHER_ROWS + 1):
        number = " ".join(request.POST.get(f"other_number_{row}", "").split()).upper()
        typed = request.POST.get(f"other_amount_{row}", "").strip()
        if number or typed:
            if not (number and typed):
                raise InvalidInput.on(
                    f"other_{row}", gettext("Row %(row)s: give the invoice's number and the amount.") % {"row": row}
                )
            wanted.append((f"other_{row}", number, typed))
    found = _invoices_named([name for _field, name, _typed in wanted])
    chosen: list[tuple[Invoice, Decimal]] = []
    for field, name, typed in wanted:
        named = found.get(name)
        if named is None:
            raise InvalidInput.on(field, gettext("No issued invoice has the number %(number)s.") % {"number": name})
        try:
            amount = read_amount(typed)
        except forms.ValidationError as error:
            raise InvalidInput.on(field, f"{named.number}: {error.messages[0]}") from None
        chosen.append((named, amount))
    return chosen, _call_chosen(request)


def _invoices_named(names: list[str]) -> dict[str, Invoice]:
    ids = [int(name[1:]) for name in names if name.startswith("#")]
    numbers = [name for name in names if not name.startswith("#")]
    rows = Invoice.objects.filter(Q(pk__in=ids) | Q(number__in=numbers), kind=InvoiceKind.INVOICE).exclude(
        status=InvoiceStatus.DRAFT
    )
    found: dict[str, Invoice] = {}
    for invoice in rows:
        found[f"#{invoice.pk}"] = invoice
        found[str(invoice.number)] = invoice
    return found


def _call_chosen(request: HttpRequest) -> CapitalCall | None:
    chosen = request.POST.get("call", "").strip()
    typed = reference_digits(request.POST.get("call_reference", ""))
    if chosen.isdigit():
        call = CapitalCall.objects.filter(pk=int(chosen)).first()
    elif typed:
        call = CapitalCall.objects.filter(reference=reference_text(typed)).first()
        if call is None:
            raise InvalidInput.on("call_reference", gettext("No capital call has this communication."))
    else:
        return None
    return call


register_queue(
    Queue.of_status(
        BankStatementLine,
        _("Bank payments to review"),
        LineStatus.REVIEW,
        since="booking_date",
        parameter=LineStatusFilter.parameter_name,
    )
)

"""Espace membre pages of invoices: write one from an Activity, read it as the client will, issue it,
list and open them, download the PDF and the UBL, credit what was issued.

Views are thin: each reads a form or a selector and calls one service of `invoicing.services`.
What a member may reach is the access policy's answer (`smartcoop.access.visible`): an invoice the
member may not see is a 404, never a 403 that would confirm it exists; an Activity is invoiced for
by its managers and co-holders only (the "invoice" grant).

The invoice form is one page that works without script: adding or removing a line, or searching
a client, posts the form and brings it back as typed; only "Save the draft" judges it, and every
refusal, of the form or of the service, is shown on its field with one summary on top, nothing
saved. With htmx the totals follow what is typed: the form is posted to `invoice_totals`, which
answers the totals computed by `invoicing.vat.totals` (no arithmetic in the browser), so the page,
the PDF and the books can never disagree. A client added with the invoice is added in the same
transaction as the draft: refused, neither is written.

Issuing is a POST that `invoice_issue` makes idempotent: a double click, or the page sent again,
issues once and shows the same number.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from activities.models import Activity, ThirdParty
from activities.services import ThirdPartyData, third_party_add, vat_number_text
from invoicing.documents import invoice_asks_payment, invoice_payment_details, invoice_pdf_bytes, invoice_qr_svg
from invoicing.forms import CreditForm, InvoiceEditor, invoice_totals, lines_shown
from invoicing.issuers import activity_issuer
from invoicing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceState, InvoiceStatus
from invoicing.selectors import current_state, invoice_for_page, invoicing_activities, member_invoices, state_choices
from invoicing.services.invoices import (
    credit_note_create,
    invoice_draft_create,
    invoice_draft_delete,
    invoice_draft_update,
    invoice_due_date,
    invoice_issue,
)
from invoicing.ubl import invoice_ubl, ubl_file_name
from members.identity import iban_text
from members.models import User
from smartcoop.access import may, visible
from smartcoop.errors import ApplicationError
from smartcoop.forms import add_service_error

PAGE = 25


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


def _invoicing(user: User, code: str) -> Activity:
    activity: Activity = get_object_or_404(invoicing_activities(user), code=code)
    return activity


def _visible(user: User, pk: int) -> Invoice:
    invoice: Invoice = get_object_or_404(visible(user, Invoice).select_related("client", "activity"), pk=pk)
    return invoice


def _messages_of(error: ApplicationError) -> str:
    """Every message of a refusal in one line, for a flash message (a page without the form)."""
    found = [str(message) for messages_ in error.fields.values() for message in messages_]
    return " ".join(found) if found else str(error.message)


# --- the list -------------------------------------------------------------------------------------------


@login_required
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    """The member's invoices and credit notes, of every Activity or one, in one state or all, newest first."""
    user = _user(request)
    today = timezone.localdate()
    states = dict(state_choices())
    activities = list(invoicing_activities(user))
    code = request.GET.get("activity", "").strip()[:20]
    state = request.GET.get("state", "").strip()
    state = state if state in states else ""
    invoices = member_invoices(user, today=today, activity_code=code, state=state)
    page = Paginator(invoices, PAGE).get_page(request.GET.get("page"))
    filters = urlencode({key: value for key, value in (("activity", code), ("state", state)) if value})
    context = {
        "page": page,
        "rows": [(invoice, InvoiceState(current_state(invoice)).label) for invoice in page],
        "activities": activities,
        "activity": next((activity for activity in activities if activity.code == code), None),
        "code": code,
        "state": state,
        "state_label": states.get(state, ""),
        "states": states.items(),
        "filters": filters,
    }
    return render(request, "invoicing/invoice_list.html", context)


# --- writing a draft -------------------------------------------------------------------------------------


def _action(request: HttpRequest) -> tuple[str, int | None]:
    """What the submit button pressed asks: save, add a line, remove line n, search a client, refresh."""
    if request.method != "POST":
        return "", None
    removed = request.POST.get("remove_line", "")[:4]  # at most MAX_LINES lines
    if removed.isdigit():
        return "remove_line", int(removed)
    action = request.POST.get("action", "save")
    return (action if action in ("save", "add_line", "search_client", "refresh") else "save"), None


def _save(editor: InvoiceEditor, *, activity: Activity, invoice: Invoice | None, user: User) -> Invoice | None:
    """The draft written (with its new client, if one is added), or None with each refusal on its field."""
    adding_client = editor.adds_client
    stage = "client"
    try:
        # One transaction: a new client refused with its invoice is not kept either.
        with transaction.atomic():
            client = editor.form.cleaned_data["client"]
            if adding_client:
                client = third_party_add(activity=activity, data=ThirdPartyData(**editor.new_client_data()), actor=user)
            assert isinstance(client, ThirdParty)
            stage = "invoice"
            data = editor.invoice_data(client)
            if invoice is None:
                return invoice_draft_create(issuer=activity_issuer(activity), data=data, actor=user)
            return invoice_draft_update(invoice=invoice, data=data, actor=user)
    except ApplicationError as error:
        if stage == "client":
            editor.add_client_error(error)
        else:
            editor.add_invoice_error(error)
        return None


def _invoice_form(request: HttpRequest, *, activity: Activity, invoice: Invoice | None) -> HttpResponse:
    user = _user(request)
    action, removed = _action(request)
    editor = InvoiceEditor(
        activity=activity,
        data=request.POST if request.method == "POST" else None,
        invoice=invoice,
        action=action,
        remove=removed,
        search_url=reverse("invoicing:client_options", args=[activity.code]),
    )
    refused = False
    if action == "save":
        saved = _save(editor, activity=activity, invoice=invoice, user=user) if editor.is_valid() else None
        if saved is not None:
            messages.success(request, _("The draft is saved. Read it as your client will, then issue it."))
            return redirect("invoicing:invoice", pk=saved.pk)
        refused = True
    context = {
        "activity": activity,
        "invoice": invoice,
        "editor": editor,
        "form": editor.form,
        "summary": editor.summary(),
        "totals": editor.totals(),
        "line_count": len(editor.lines),
        "focus_line": len(editor.lines) - 1 if action == "add_line" else None,
    }
    return render(request, "invoicing/invoice_form.html", context, status=400 if refused else 200)


@login_required
def invoice_new(request: HttpRequest, code: str) -> HttpResponse:
    """A new invoice of the Activity: its client (or a new one), its lines, its dates and references."""
    activity = _invoicing(_user(request), code)
    return _invoice_form(request, activity=activity, invoice=None)


@login_required
def invoice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    invoice = _visible(user, pk)
    if invoice.activity is None or invoice.is_credit_note or not may(user, "edit", invoice):
        raise Http404
    if invoice.status != InvoiceStatus.DRAFT:
        messages.error(request, _("This invoice is issued: correct it with a credit note."))
        return redirect("invoicing:invoice", pk=invoice.pk)
    return _invoice_form(request, activity=invoice.activity, invoice=invoice)


@login_required
@require_POST
def invoice_totals_fragment(request: HttpRequest, code: str) -> HttpResponse:
    """The totals of the invoice form as posted, for the page's live totals (htmx)."""
    activity = _invoicing(_user(request), code)
    editor = InvoiceEditor(activity=activity, data=request.POST, action="refresh")
    return render(request, "invoicing/_totals.html", {"editor": editor, "totals": editor.totals(), "swap": True})


@login_required
@require_GET
def client_options(request: HttpRequest, code: str) -> HttpResponse:
    """The client list narrowed to what is typed in its search box (htmx), the chosen client kept."""
    activity = _invoicing(_user(request), code)
    editor = InvoiceEditor(activity=activity, data=request.GET, action="search_client")
    return render(request, "invoicing/_client_select.html", {"field": editor.form["client"]})


# --- one invoice -------------------------------------------------------------------------------------------


@login_required
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An issued invoice with its payments and credit notes; a draft as its client will read it."""
    user = _user(request)
    invoice = invoice_for_page(user, pk)
    if invoice is None:
        raise Http404
    lines = list(invoice.lines.all())
    if invoice.status == InvoiceStatus.DRAFT:
        return _preview(request, user, invoice, lines)
    payment = invoice_payment_details(invoice)
    context = {
        "invoice": invoice,
        "shown": lines_shown(lines),
        "totals": invoice_totals(invoice, lines),
        "state_label": invoice.get_state_display(),
        "state": invoice.state,
        "client_vat": vat_number_text(invoice.client_vat_number),
        "payments": list(invoice.payments.all()),
        "credit_notes": list(invoice.credit_notes.all()),
        "payment": payment,
        "iban": iban_text(payment.iban),
        # Copied as the member's bank app reads an amount typed in their language.
        "amount_typed": f"{payment.amount:.2f}".replace(".", str(get_format("DECIMAL_SEPARATOR"))),
        "asks_payment": invoice_asks_payment(invoice),
        "qr": invoice_qr_svg(invoice),
        "may_credit": (
            invoice.kind == InvoiceKind.INVOICE
            and invoice.status != InvoiceStatus.CREDITED
            and may(user, "credit", invoice)
        ),
    }
    return render(request, "invoicing/invoice_detail.html", context)


def _preview(request: HttpRequest, user: User, invoice: Invoice, lines: list[InvoiceLine]) -> HttpResponse:
    """The draft as its client will read it: the lines, VAT and mentions written in the client's language."""
    client = invoice.client
    with translation.override(invoice.language):
        shown, totals = lines_shown(lines), invoice_totals(invoice, lines)
    context = {
        "invoice": invoice,
        "shown": shown,
        "totals": totals,
        "entity": invoice.entity,
        "iban": iban_text(invoice.entity.iban),
        "entity_vat": vat_number_text(invoice.entity.vat_number),
        "state_label": invoice.get_state_display(),
        "client": client,
        "client_vat": vat_number_text(client.vat_number),
        "due_date": invoice_due_date(invoice, timezone.localdate()),
        "may_edit": may(user, "edit", invoice),
        "may_issue": may(user, "issue", invoice),
        "needs_reference": bool(client.peppol_id) and not (invoice.buyer_reference or invoice.purchase_order),
    }
    return render(request, "invoicing/invoice_preview.html", context)


@login_required
@require_POST
def invoice_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue the draft: numbered, frozen and posted once, however often the button is pressed."""
    user = _user(request)
    invoice = _visible(user, pk)
    was_draft = invoice.status == InvoiceStatus.DRAFT
    try:
        issued = invoice_issue(invoice=invoice, actor=user)
    except ApplicationError as error:
        messages.error(request, _messages_of(error))
        return redirect("invoicing:invoice", pk=invoice.pk)
    if was_draft:
        text = (
            _("Credit note %(number)s is issued; the client receives it by e-mail or Peppol.")
            if issued.is_credit_note
            else _("Invoice %(number)s is issued; the client receives it by e-mail or Peppol.")
        )
        messages.success(request, text % {"number": issued.number})
    return redirect("invoicing:invoice", pk=issued.pk)


@login_required
@require_POST
def invoice_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    invoice = _visible(user, pk)
    code = invoice.activity.code if invoice.activity is not None else ""
    try:
        invoice_draft_delete(invoice=invoice, actor=user)
    except ApplicationError as error:
        messages.error(request, _messages_of(error))
        return redirect("invoicing:invoice", pk=invoice.pk)
    messages.success(request, _("The draft is deleted."))
    list_url = reverse("invoicing:list")
    return redirect(f"{list_url}?{urlencode({'activity': code})}" if code else list_url)


@login_required
def invoice_credit(request: HttpRequest, pk: int) -> HttpResponse:
    """A credit note for the invoice: all that is left of it, or amounts per line; then read and issued."""
    user = _user(request)
    invoice = _visible(user, pk)
    if invoice.is_credit_note or invoice.status == InvoiceStatus.DRAFT or not may(user, "credit", invoice):
        raise Http404
    lines = list(invoice.lines.all())
    form = CreditForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            note = credit_note_create(
                invoice=invoice,
                reason=form.cleaned_data["reason"],
                actor=user,
                lines=form.credit_lines(number=invoice.number or "", language=invoice.language),
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The credit note is a draft: read it, then issue it."))
            return redirect("invoicing:invoice", pk=note.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"invoice": invoice, "form": form, "line_fields": form.line_fields()}
    return render(request, "invoicing/invoice_credit.html", context, status=status)


# --- the documents ------------------------------------------------------------------------------------------


def _issued(user: User, pk: int) -> Invoice:
    invoice = _visible(user, pk)
    if invoice.status == InvoiceStatus.DRAFT:
        raise Http404  # a draft has no number, so no document yet
    return invoice


def _attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _issued(_user(request), pk)
    return _attachment(invoice_pdf_bytes(invoice), content_type="application/pdf", filename=f"{invoice.number}.pdf")


@login_required
@require_GET
def invoice_ubl_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _issued(_user(request), pk)
    return _attachment(invoice_ubl(invoice), content_type="application/xml", filename=ubl_file_name(invoice))

"""Espace membre pages of Activities: my Activities, their books, clients, expenses, purchases, transfers.

Every page starts from what the member holds (`activities_of`): an Activity, claim or file they do
not reach is a 404, never a 403 that would confirm it exists. A write validates a form, calls one
service, and shows the service's ApplicationError on the field it names (status 400, nothing
changed) or redirects with a message. A transfer is confirmed before it is asked: the form's first
post shows what will be sent and to whom, and only the confirmation, carrying the same values
again and a key that makes it count once, calls the service.

The books (figures, chart, movements, CSV, purchases, transfers) are for the Activity's managers
and co-holders; a worker, whose role is to claim their own expenses, sees the Activity, its trades
and clients, and only their own claims.

The Activity page costs a fixed number of queries whatever the Activity's history: movements come
a page at a time by keyset, the other lists are the latest LATEST rows read with their relations,
and the figures of a whole list of Activities are read in one query.
"""

import time
import uuid
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import DecimalField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from activities.charts import balance_chart
from activities.forms import (
    ActivityForm,
    ExpenseClaimForm,
    ExpenseLineForm,
    HolderForm,
    PresentationForm,
    PurchaseForm,
    ThirdPartyContactForm,
    ThirdPartyForm,
    TradeForm,
    TransferConfirmForm,
    TransferForm,
)
from activities.models import (
    Activity,
    ActivityHolder,
    ActivityThirdParty,
    ActivityTransfer,
    ClaimStatus,
    ExpenseClaim,
    ExpenseLine,
    HolderRole,
    Purchase,
    ThirdParty,
    TradeApproval,
)
from activities.selectors import (
    BOOK_ROLES,
    activities_books,
    activities_of,
    activity_all_movements,
    activity_balance_series,
    activity_books,
    activity_movements,
    movement_cursor,
    movement_cursor_text,
    third_parties_of,
)
from activities.services import (
    CONTACT_FIELDS,
    SHARED_RECORD_MESSAGE,
    ExpenseLineData,
    PurchaseData,
    ThirdPartyContact,
    ThirdPartyData,
    activity_add_holder,
    activity_add_trade,
    activity_create,
    activity_transfer_check,
    activity_transfer_recipient,
    activity_transfer_request,
    activity_update,
    enterprise_number_text,
    expense_claim_create,
    expense_claim_submit,
    expense_claim_total,
    expense_line_add,
    expense_line_remove,
    purchase_submit,
    third_party_add,
    third_party_update,
    vat_number_text,
)
from members.models import Member, MembershipApplication, MemberStatus, User
from members.selectors import current_member_named
from smartcoop.access import may, require, visible
from smartcoop.csv_export import Cell, csv_lines, csv_response
from smartcoop.errors import ApplicationError
from smartcoop.forms import add_service_error
from smartcoop.money import ZERO, amount_text
from smartcoop.uploads import document_response

PAGE = 50
LATEST = 20


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


def _held(user: User, code: str) -> Activity:
    activity: Activity = get_object_or_404(activities_of(user), code=code)
    return activity


def _status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


def _sum(field: str) -> Coalesce:
    return Coalesce(Sum(field), Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=2))


# --- my Activities ----------------------------------------------------------------------------


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    role = ActivityHolder.objects.filter(activity=OuterRef("pk"), member__user=user).values("role")[:1]
    activities = list(activities_of(user).annotate(my_role=Subquery(role)).order_by("code"))
    with_books: list[Activity] = [activity for activity in activities if activity.my_role in BOOK_ROLES]
    books = activities_books(activities=with_books) if with_books else {}
    rows = [
        {"activity": activity, "role": HolderRole(activity.my_role).label, "books": books.get(activity.pk)}
        for activity in activities
    ]
    return render(request, "activities/list.html", {"rows": rows})


@login_required
def activity_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    member = Member.objects.filter(user=user).first()
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if member is None:
            form.add_error(None, _("Only a member of the cooperative can open an Activity: join it first."))
        else:
            try:
                activity = activity_create(
                    name=data["name"],
                    holder=member,
                    trades=list(data["trades"]),
                    actor=user,
                    description=data["description"],
                )
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request, _("The Activity %(code)s is open. You are its manager.") % {"code": activity.code}
                )
                return redirect("activities:detail", code=activity.code)
    # Only a member whose shares are paid may open an Activity (the service refuses anyone else):
    # the others are told so before the form, and where their way to membership goes on.
    may_open = member is not None and member.status == MemberStatus.MEMBER
    applications = MembershipApplication.objects.filter(user=user).order_by("-submitted_at")
    application = None if may_open else applications.first()
    context = {"form": form, "member": member, "may_open": may_open, "application": application}
    return render(request, "activities/create.html", context, status=_status(form))


@login_required
def activity_settings(request: HttpRequest, code: str) -> HttpResponse:
    """The managers' page: the Activity's presentation and logo, its holders and its trades.

    Three forms on one page, told apart by the `form` field of the POST; each calls one service.
    """
    user = _user(request)
    activity = _held(user, code)
    if not may(user, "manage", activity):
        raise Http404
    sent = request.POST.get("form") if request.method == "POST" else None
    presentation = PresentationForm(
        request.POST if sent == "presentation" else None,
        request.FILES if sent == "presentation" else None,
        initial={"name": activity.name, "description": activity.description, "terms_of_sale": activity.terms_of_sale},
    )
    holder = HolderForm(request.POST if sent == "holder" else None)
    trade = TradeForm(request.POST if sent == "trade" else None, activity=activity)
    done = None
    try:
        if sent == "presentation" and presentation.is_valid():
            data = presentation.cleaned_data
            activity_update(
                activity=activity,
                name=data["name"],
                description=data["description"],
                terms_of_sale=data["terms_of_sale"],
                logo=data["logo"] or None,
                actor=user,
            )
            done = _("The Activity's presentation was saved.")
        elif sent == "holder" and holder.is_valid():
            data = holder.cleaned_data
            member = current_member_named(number=data["member_number"], name=data["member_name"])
            if member is None:
                holder.add_error("member_number", _("No current member has this number and this name."))
            else:
                activity_add_holder(activity=activity, member=member, role=data["role"], actor=user)
                done = _("%(name)s joined the Activity.") % {"name": member.display_name}
        elif sent == "trade" and trade.is_valid():
            link = activity_add_trade(activity=activity, trade=trade.cleaned_data["trade"], actor=user)
            done = (
                _("The trade was added.")
                if link.approval == TradeApproval.APPROVED
                else _("The trade was added; an advisor checks its condition before the first contract.")
            )
    except ApplicationError as error:
        failed = {"presentation": presentation, "holder": holder, "trade": trade}[sent or "presentation"]
        add_service_error(failed, error)
    if done:
        messages.success(request, done)
        return redirect("activities:settings", code=activity.code)
    forms_sent = [f for f in (presentation, holder, trade) if f.is_bound]
    context = {
        "activity": activity,
        "presentation": presentation,
        "holder_form": holder,
        "trade_form": trade,
        "holders": activity.holders.select_related("member").order_by("role", "member__last_name"),
        "trade_links": activity.trade_links.select_related("trade").order_by("trade__name_fr"),
    }
    status = 400 if any(f.errors for f in forms_sent) else 200
    return render(request, "activities/settings.html", context, status=status)


@login_required
def activity_logo(request: HttpRequest, code: str) -> FileResponse:
    """The logo, to the Activity's holders (staff see it in the admin and on invoices)."""
    activity = _held(_user(request), code)
    if not activity.logo:
        raise Http404
    return document_response(activity.logo, name=f"logo-{activity.pk}", inline=True)


@login_required
def activity_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    activity = _held(user, code)
    holders = sorted(
        activity.holders.select_related("member").order_by("member__last_name", "member_id"),
        key=lambda holder: HolderRole.values.index(holder.role),  # managers first
    )
    role = next((holder.role for holder in holders if holder.member.user_id == user.pk), None)
    sees_books = role in BOOK_ROLES
    claims = activity.expense_claims.select_related("worker").annotate(total=_sum("lines__amount"))
    if not sees_books:
        claims = claims.filter(worker__user=user)
    partners = ActivityThirdParty.objects.filter(activity=activity).select_related("third_party").order_by("-since")
    context: dict[str, Any] = {
        "activity": activity,
        "role": role,
        "sees_books": sees_books,
        "holders": holders,
        "trades": list(activity.trade_links.select_related("trade").order_by("trade__name_fr")),
        "partners": list(partners[: LATEST + 1]),
        "claims": list(claims[: LATEST + 1]),
        "latest": LATEST,
    }
    if sees_books:
        before = movement_cursor(request.GET.get("before"))
        rows = activity_movements(activity=activity, before=before, limit=PAGE + 1)
        movements = rows[:PAGE]
        last = movements[-1] if len(rows) > PAGE else None
        transfers = ActivityTransfer.objects.filter(Q(source=activity) | Q(destination=activity))
        context |= {
            "books": activity_books(activity=activity),
            "chart": balance_chart(
                activity_balance_series(activity=activity, days=365, today=timezone.localdate()),
                element_id=f"chart-{activity.code}",
            ),
            "movements": movements,
            "paged": before is not None,
            "older": movement_cursor_text(last) if last else None,
            "purchases": list(activity.purchases.select_related("supplier")[: LATEST + 1]),
            "transfers": list(transfers.select_related("source", "destination")[: LATEST + 1]),
        }
    return render(request, "activities/detail.html", context)


@login_required
def movements_csv(request: HttpRequest, code: str) -> StreamingHttpResponse:
    user = _user(request)
    activity = _held(user, code)
    if not may(user, "read_books", activity):
        raise Http404
    # Read now, in the request's language: the body is written after the view has returned, so the
    # descriptions are written in the language read here too. The memo and the key stay as the
    # ledger holds them, for the accountant who matches a row with the journal.
    language = translation.get_language()
    header = [
        _("Date"),
        _("Description"),
        _("Available"),
        _("Committed"),
        _("Incoming"),
        _("Memo in the books"),
        _("Ledger key"),
    ]

    def rows() -> Iterator[list[Cell]]:
        # Amounts stay numbers a spreadsheet sums, whatever the reader's language: no thousands
        # separator (1.089,00 or 1,089.00 would be read as text or as another number), and the
        # decimal comma of the Belgian Excel dialect this download is for (smartcoop.csv_export).
        for movement in activity_all_movements(activity=activity, language=language):
            yield [
                movement.booking_date,
                movement.description,
                movement.available,
                movement.committed,
                movement.incoming,
                movement.memo,
                movement.key,
            ]

    filename = f"{activity.code}_movements_{timezone.localdate():%Y%m%d}.csv"
    return csv_response(csv_lines(header, rows()), filename=filename)


# --- clients and suppliers --------------------------------------------------------------------


@login_required
def third_party_new(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    activity = _held(user, code)
    form = ThirdPartyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            third_party = third_party_add(activity=activity, data=ThirdPartyData(**form.cleaned_data), actor=user)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is now a client or supplier of %(code)s.") % {"name": third_party.name, "code": code},
            )
            return redirect("activities:detail", code=activity.code)
    return render(
        request, "activities/third_party_form.html", {"activity": activity, "form": form}, status=_status(form)
    )


CLIENT_SEARCH_LENGTH = 100


def _client_search(query: str) -> Q:
    """Name or e-mail containing the words typed, or a VAT number typed with or without its dots and spaces."""
    found = Q(name__icontains=query) | Q(email__icontains=query)
    compact = "".join(query.split()).replace(".", "").replace("-", "").upper()
    if any(character.isdigit() for character in compact):
        found |= Q(vat_number__contains=compact)
    return found


@login_required
def clients(request: HttpRequest) -> HttpResponse:
    """The member's clients and suppliers, searched within those rows only, a page at a time."""
    user = _user(request)
    query = request.GET.get("q", "").strip()[:CLIENT_SEARCH_LENGTH]
    mine = ActivityThirdParty.objects.filter(activity__in=activities_of(user)).select_related("activity")
    third_parties = third_parties_of(user)
    if query:
        third_parties = third_parties.filter(_client_search(query))
    third_parties = third_parties.order_by("name", "pk").prefetch_related(
        Prefetch("activity_links", queryset=mine.order_by("activity__code"), to_attr="my_links")
    )
    page = Paginator(third_parties, PAGE).get_page(request.GET.get("page"))
    return render(request, "activities/clients.html", {"page": page, "query": query})


def _client_of(user: User, pk: int) -> ThirdParty:
    """A client or supplier one of the member's Activities works with; any other is not found."""
    third_party: ThirdParty = get_object_or_404(third_parties_of(user), pk=pk)
    return third_party


@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    third_party = _client_of(user, pk)
    links = (
        ActivityThirdParty.objects.filter(third_party=third_party, activity__in=activities_of(user))
        .select_related("activity")
        .order_by("activity__code")
    )
    context = {
        "third_party": third_party,
        "links": links,
        "may_edit": may(user, "change_contact", third_party),
        "vat_text": vat_number_text(third_party.vat_number),
        "enterprise_text": enterprise_number_text(third_party.enterprise_number),
    }
    return render(request, "activities/client_detail.html", context)


@login_required
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    third_party = _client_of(user, pk)
    require(user, "change_contact", third_party, message=SHARED_RECORD_MESSAGE)
    initial = {field: getattr(third_party, field) for field in CONTACT_FIELDS}
    form = ThirdPartyContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            third_party = third_party_update(
                third_party=third_party, data=ThirdPartyContact(**form.cleaned_data), actor=user
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(name)s is corrected.") % {"name": third_party.name})
            return redirect("activities:client_detail", pk=third_party.pk)
    context = {"third_party": third_party, "form": form}
    return render(request, "activities/client_form.html", context, status=_status(form))


# --- expense claims ---------------------------------------------------------------------------


@login_required
def claim_new(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    activity = _held(user, code)
    form = ExpenseClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = expense_claim_create(activity=activity, title=form.cleaned_data["title"], actor=user)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your claim is a draft: add your expenses, then submit it."))
            return redirect("activities:claim_detail", pk=claim.pk)
    return render(request, "activities/claim_form.html", {"activity": activity, "form": form}, status=_status(form))


def _own_claim(user: User, pk: int) -> ExpenseClaim:
    lines = Prefetch("lines", queryset=ExpenseLine.objects.select_related("category"))
    claim: ExpenseClaim = get_object_or_404(
        ExpenseClaim.objects.select_related("activity", "worker").prefetch_related(lines), pk=pk, worker__user=user
    )
    return claim


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The worker's claim: its lines and totals, and while a draft, the form adding an expense."""
    user = _user(request)
    claim = _own_claim(user, pk)
    form = ExpenseLineForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            expense_line_add(
                claim=claim,
                data=ExpenseLineData(
                    spent_on=data["spent_on"],
                    category=data["category"],
                    description=data["description"],
                    amount=data["amount"] if data["amount"] is not None else ZERO,
                    vat=data["vat"] if data["vat"] is not None else ZERO,
                    kilometres=data["kilometres"],
                ),
                receipt=data["receipt"],
                actor=user,
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The expense was added to the claim."))
            return redirect("activities:claim_detail", pk=claim.pk)
    lines = list(claim.lines.all())
    context = {
        "claim": claim,
        "lines": lines,
        "total": expense_claim_total(claim=claim),
        "total_vat": sum((line.vat for line in lines), ZERO),
        "is_draft": claim.status == ClaimStatus.DRAFT,
        "form": form,
    }
    return render(request, "activities/claim_detail.html", context, status=_status(form))


@login_required
@require_POST
def claim_line_remove(request: HttpRequest, line_pk: int) -> HttpResponse:
    user = _user(request)
    line = get_object_or_404(ExpenseLine.objects.select_related("claim__worker"), pk=line_pk, claim__worker__user=user)
    try:
        expense_line_remove(line=line, actor=user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The expense was removed from the claim."))
    return redirect("activities:claim_detail", pk=line.claim_id)


@login_required
@require_POST
def claim_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    claim = get_object_or_404(ExpenseClaim, pk=pk, worker__user=user)
    try:
        expense_claim_submit(claim=claim, actor=user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your claim was sent to your advisor."))
    return redirect("activities:claim_detail", pk=claim.pk)


@login_required
def receipt(request: HttpRequest, line_pk: int) -> FileResponse:
    """A receipt, to the worker who claimed it, the Activity's managers and the staff of its office."""
    # The policy's rows: staff reach members' documents with two-factor only, as in the admin.
    line = get_object_or_404(visible(_user(request), ExpenseLine), pk=line_pk)
    if not line.receipt:
        raise Http404
    return document_response(line.receipt, name=f"receipt-{line.pk}")


# --- purchases and transfers ------------------------------------------------------------------


@login_required
def purchase_new(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    activity = _held(user, code)
    form = PurchaseForm(request.POST or None, request.FILES or None, activity=activity)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            purchase_submit(
                activity=activity,
                supplier=data["supplier"],
                data=PurchaseData(
                    supplier_reference=data["supplier_reference"],
                    invoice_date=data["invoice_date"],
                    due_date=data["due_date"],
                    category=data["category"],
                    description=data["description"],
                    amount=data["amount"],
                    vat=data["vat"] if data["vat"] is not None else ZERO,
                    payee=data["payee"],
                    advanced_by=data["advanced_by"],
                ),
                file=data["file"],
                actor=user,
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The purchase was sent to your advisor for approval."))
            return redirect("activities:detail", code=activity.code)
    return render(request, "activities/purchase_form.html", {"activity": activity, "form": form}, status=_status(form))


@login_required
def purchase_file(request: HttpRequest, pk: int) -> FileResponse:
    """A supplier's invoice, to those who see the Activity's books, who submitted it, and its office's staff."""
    purchase = get_object_or_404(visible(_user(request), Purchase), pk=pk)
    if not purchase.file:
        raise Http404
    return document_response(purchase.file, name=f"purchase-{purchase.pk}")


# A minute's look-ups of recipients per member: far more than typing codes needs, far too few to
# walk through every code of the cooperative.
RECIPIENT_LOOKUPS_PER_MINUTE = 60


def _lookup_allowed(user: User) -> bool:
    key = f"activities:recipient-lookups:{user.pk}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=60)
    return cache.incr(key) <= RECIPIENT_LOOKUPS_PER_MINUTE


@login_required
@require_GET
def transfer_recipient(request: HttpRequest, code: str) -> HttpResponse:
    """The name of the Activity whose code is being typed, for the live region under the field."""
    user = _user(request)
    source = _held(user, code)
    typed = request.GET.get("destination_code", "").strip()[:20]
    context: dict[str, Any] = {"recipient": None, "message": ""}
    if not typed:
        pass
    elif not _lookup_allowed(user):
        context["message"] = _("Too many look-ups: the name will be shown when you confirm.")
    else:
        try:
            context["recipient"] = activity_transfer_recipient(source=source, code=typed, actor=user)
        except ApplicationError as error:
            context["message"] = _first_message(error)
    return render(request, "activities/_transfer_recipient.html", context)


def _first_message(error: ApplicationError) -> str:
    for messages_of_field in error.fields.values():
        return str(messages_of_field[0])
    return str(error.message)


@login_required
def transfer_new(request: HttpRequest, code: str) -> HttpResponse:
    """Fill in, confirm the recipient and amount, then ask: only the confirmation asks for the transfer."""
    user = _user(request)
    activity = _held(user, code)
    recipient_url = reverse("activities:transfer_recipient", args=[activity.code])
    step = request.POST.get("step", "") if request.method == "POST" else ""
    form: TransferForm
    if step == "confirm":
        form = TransferConfirmForm(request.POST, recipient_url=recipient_url)
        if form.is_valid():
            data = form.cleaned_data
            try:
                transfer = activity_transfer_request(
                    source=activity, actor=user, request_key=data["request_key"], **_transfer_asked(data)
                )
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                message = _(
                    "Transfer of %(amount)s to %(code)s %(name)s asked for: it is made once an advisor approves it."
                ) % {
                    "amount": amount_text(transfer.amount),
                    "code": transfer.destination.code,
                    "name": transfer.destination.name,
                }
                messages.success(request, message)
                return redirect("activities:detail", code=activity.code)
    elif request.method == "POST" and step != "change":
        form = TransferForm(request.POST, recipient_url=recipient_url)
        if form.is_valid():
            data = form.cleaned_data
            try:
                draft = activity_transfer_check(source=activity, actor=user, **_transfer_asked(data))
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                context = {"activity": activity, "form": form, "draft": draft, "request_key": uuid.uuid4().hex}
                return render(request, "activities/transfer_confirm.html", context)
    elif step == "change":
        form = TransferForm(request.POST, recipient_url=recipient_url)
    else:
        form = TransferForm(recipient_url=recipient_url)
    recipient = _recipient_shown(form, activity, user)
    context = {"activity": activity, "form": form, "recipient": recipient}
    return render(request, "activities/transfer_form.html", context, status=_status(form))


def _transfer_asked(data: dict[str, Any]) -> dict[str, Any]:
    """What the member asks, checked on the first step and asked on the confirmation alike."""
    return {name: data[name] for name in ("destination_code", "kind", "amount", "description")}


def _recipient_shown(form: TransferForm, source: Activity, user: User) -> Activity | None:
    """The recipient already named by the code the form holds, shown again when the form comes back."""
    typed = form["destination_code"].value() if form.is_bound else ""
    if not typed or (form.is_bound and form.errors.get("destination_code")):
        return None
    try:
        return activity_transfer_recipient(source=source, code=str(typed)[:20], actor=user)
    except ApplicationError:
        return None

"""Reads of invoices worth naming: what a member lists, filters and opens.

*Overdue* is never stored (`invoicing.models`): it is an open invoice whose due date has passed
today. `with_state` computes it in the query itself, so a list can filter and show it without
reading a row twice, and the state on a page is never staler than the request. `filter_state`
narrows a queryset to one `InvoiceState`, or to every invoice still awaiting payment (`OPEN`), the
"incoming" of an Activity's books.

`member_invoices` is the list of the Espace membre: the invoices and credit notes the access policy
lets the user see, with the client and Activity each row prints, newest first (drafts, which have
no date yet, on top). `invoice_for_page` reads one invoice with everything its page shows, so the
page costs the same few queries whatever the invoice's history.
"""

from datetime import date

from django.db.models import Case, CharField, F, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext

from activities.models import Activity
from invoicing.models import OPEN_STATUSES, Invoice, InvoiceKind, InvoicePayment, InvoiceState, InvoiceStatus
from members.models import User
from smartcoop.access import visible

# Not a stored state: every invoice the client still has to pay (issued, partly paid, overdue, disputed).
OPEN = "open"
# An invoice can become overdue only while it waits for the client's money; a disputed one is out of
# the reminders' way until an advisor closes the dispute, and a credit note is never "due".
_MAY_BE_OVERDUE = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)


def _overdue(today: date) -> Q:
    return Q(kind=InvoiceKind.INVOICE, status__in=_MAY_BE_OVERDUE, due_date__lt=today)


def with_state(queryset: QuerySet[Invoice], *, today: date) -> QuerySet[Invoice]:
    """Each row with `current_state`: its status, or overdue when it is open past its due date `today`."""
    return queryset.annotate(
        current_state=Case(
            When(_overdue(today), then=Value(InvoiceState.OVERDUE.value)),
            default=F("status"),
            output_field=CharField(),
        )
    )


def current_state(invoice: Invoice) -> str:
    """The state `with_state` read with the row, or the invoice's own (`Invoice.state`) for a row read without it."""
    return str(invoice.__dict__.get("current_state") or invoice.state)


def filter_state(queryset: QuerySet[Invoice], state: str, *, today: date) -> QuerySet[Invoice]:
    """The rows in `state` (an `InvoiceState`, or `OPEN`) on `today`; an unknown state leaves the rows as they are."""
    if state == OPEN:
        return queryset.filter(kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES)
    if state == InvoiceState.OVERDUE:
        return queryset.filter(_overdue(today))
    if state in (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID):
        # Issued or partly paid *and not yet due*: an overdue invoice is listed under overdue only.
        return queryset.filter(status=state).exclude(_overdue(today))
    if state in InvoiceStatus.values:
        return queryset.filter(status=state)
    return queryset


def state_choices() -> list[tuple[str, str]]:
    """The filter's choices: awaiting payment first (the Activity's "incoming"), then each state."""
    return [(OPEN, gettext("awaiting payment")), *((value, str(label)) for value, label in InvoiceState.choices)]


def member_invoices(user: User, *, today: date, activity_code: str = "", state: str = "") -> QuerySet[Invoice]:
    """The invoices and credit notes `user` may see, of one Activity (by code) or all, in one state or all."""
    invoices = visible(user, Invoice)
    if activity_code:
        invoices = invoices.filter(activity__code=activity_code)
    if state:
        invoices = filter_state(invoices, state, today=today)
    return (
        with_state(invoices, today=today)
        .select_related("client", "activity")
        .order_by(F("issue_date").desc(nulls_first=True), "-pk")
    )


def invoicing_activities(user: User) -> QuerySet[Activity]:
    """The Activities `user` invoices for (managers and co-holders): the list's filter and the "new" buttons."""
    return visible(user, Activity, "invoice").order_by("code")


def invoice_for_page(user: User, pk: int) -> Invoice | None:
    """One invoice `user` may see, with its lines, payments, credit notes and credited invoice, or None."""
    invoice: Invoice | None = (
        visible(user, Invoice)
        .select_related("client", "activity", "entity", "credited_invoice")
        .prefetch_related(
            "lines",
            Prefetch("payments", queryset=InvoicePayment.objects.order_by("paid_on", "pk")),
            Prefetch(
                "credit_notes",
                queryset=Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).order_by("pk"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    return invoice

"""Who may see and do what with invoices, credit notes, payments, statements and Peppol documents.

The grants of the invoicing app in the one access policy (`smartcoop.access`):

- an Activity's managers and co-holders (`BOOK_ROLES`) invoice for it: they create drafts, edit and
  issue them, credit what was issued, read every invoice of the Activity with its payments, and
  upload a supplier's e-invoice for it; whoever created an invoice of another issuer (a 3-in-1
  contract later) reads and edits it as well, but an Activity's invoices follow the Activity's
  roles only: a holder who leaves it no longer issues or credits what they drafted;
- staff with two-factor authentication, by their role's permission, within their office (every
  office for who sees every office): they read invoices (`invoicing.view_invoice`), and decide on
  them (`invoicing.change_invoice`: dispute, write off, record a payment);
- bank statements and their lines are the cooperative's: staff who hold the permission
  (`view_bankstatement`, `change_bankstatementline` to allocate from the review queue), whatever
  their office, since one payment may settle invoices of several offices;
- the Peppol outbox and inbox: staff with `view_peppoldocument`.
"""

from django.db.models import Q

from activities.access import BOOK_ROLES, _or, holding, role_in
from activities.models import Activity, ActivityHolder
from invoicing.models import BankStatement, BankStatementLine, Invoice, InvoicePayment, PeppolDocument
from members.models import User
from smartcoop.access import EVERYTHING, Rows, Standing, grant


def _is_creator(who: Standing, invoice: Invoice) -> bool:
    # Only for an issuer other than an Activity: an Activity's invoices follow its roles, so who
    # leaves the Activity (or becomes a worker) no longer issues, credits nor reads its drafts.
    return who.user_id is not None and invoice.activity_id is None and invoice.created_by_id == who.user_id


def _holds_books(who: Standing, invoice: Invoice) -> bool:
    return invoice.activity is not None and role_in(who, invoice.activity) in BOOK_ROLES


def _staff_may(who: Standing, permission: str, invoice: Invoice) -> bool:
    return who.holds(permission) and who.reaches_office(invoice.office_id)


def _staff_rows(who: Standing, permission: str) -> Rows:
    if not who.holds(permission):
        return None
    return who.office_rows("office")


def _holder_rows(who: Standing) -> Rows:
    mine = Q(created_by_id=who.user_id, activity__isnull=True) if who.user_id is not None else None
    held = holding(who, "activity", BOOK_ROLES)
    return _or(mine, held)


def _invoice_grant(action: str, *, holders: bool, permission: str | None) -> None:
    def rule(who: Standing, invoice: Invoice | None) -> bool:
        if invoice is None:
            return (permission is not None and who.holds(permission)) or (holders and who.signed_in)
        if holders and (_is_creator(who, invoice) or _holds_books(who, invoice)):
            return True
        return permission is not None and _staff_may(who, permission, invoice)

    def rows(who: Standing) -> Rows:
        return _or(
            _holder_rows(who) if holders else None,
            _staff_rows(who, permission) if permission is not None else None,
        )

    grant(Invoice, action, rule=rule, rows=rows)


_invoice_grant("view", holders=True, permission="invoicing.view_invoice")
# Drafts: edit, issue and credit are the issuer's acts (an advisor does not invoice for a member).
_invoice_grant("edit", holders=True, permission=None)
_invoice_grant("issue", holders=True, permission=None)
_invoice_grant("credit", holders=True, permission=None)
_invoice_grant("decide", holders=False, permission="invoicing.change_invoice")


def _payment_rows(who: Standing) -> Rows:
    invoice_rows = _or(_holder_rows(who), _staff_rows(who, "invoicing.view_invoice"))
    if invoice_rows is EVERYTHING or invoice_rows is None:
        return invoice_rows
    return Q(invoice__in=Invoice.objects.filter(invoice_rows).values("pk"))


grant(
    InvoicePayment,
    "view",
    rule=lambda who, payment: (
        who.holds("invoicing.view_invoice") if payment is None else _can_view_invoice(who, payment.invoice)
    ),
    rows=_payment_rows,
)


def _can_view_invoice(who: Standing, invoice: Invoice) -> bool:
    return _is_creator(who, invoice) or _holds_books(who, invoice) or _staff_may(who, "invoicing.view_invoice", invoice)


# The Activity's own act: invoicing a client, and receiving a supplier's e-invoice for it.
for _action in ("invoice", "receive_einvoice"):
    grant(
        Activity,
        _action,
        rule=lambda who, activity: activity is not None and role_in(who, activity) in BOOK_ROLES,
        rows=lambda who: holding(who, "pk", BOOK_ROLES),
    )


def _cooperative_wide(model: type, action: str, permission: str) -> None:
    grant(
        model,
        action,
        rule=lambda who, _row: who.staff and who.holds(permission),
        rows=lambda who: EVERYTHING if who.staff and who.holds(permission) else None,
    )


_cooperative_wide(BankStatement, "view", "invoicing.view_bankstatement")
_cooperative_wide(BankStatement, "import", "invoicing.add_bankstatement")
_cooperative_wide(BankStatementLine, "view", "invoicing.view_bankstatementline")
_cooperative_wide(BankStatementLine, "decide", "invoicing.change_bankstatementline")
_cooperative_wide(PeppolDocument, "view", "invoicing.view_peppoldocument")
_cooperative_wide(PeppolDocument, "decide", "invoicing.change_peppoldocument")


def invoices_notify_users(invoices: list[Invoice]) -> dict[int, list[User]]:
    """`invoice_notify_users` of many invoices, by invoice id, in one query."""
    by_activity: dict[int, list[User]] = {}
    activity_ids = {invoice.activity_id for invoice in invoices if invoice.activity_id is not None}
    holders = ActivityHolder.objects.filter(
        activity_id__in=activity_ids, role__in=BOOK_ROLES, member__user__isnull=False
    ).select_related("member__user")
    for holder in holders:
        if holder.member.user is not None:
            by_activity.setdefault(holder.activity_id, []).append(holder.member.user)
    creators = User.objects.in_bulk({invoice.created_by_id for invoice in invoices if invoice.activity_id is None})
    return {
        invoice.pk: by_activity.get(invoice.activity_id, [])
        if invoice.activity_id is not None
        else [creators[invoice.created_by_id]]
        for invoice in invoices
    }


def invoice_notify_users(invoice: Invoice) -> list[User]:
    """Who is told about an invoice's payments and disputes: its Activity's book readers, or its creator."""
    return invoices_notify_users([invoice])[invoice.pk]

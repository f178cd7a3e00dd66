"""Who may see and do what with Activities and all that hangs on them.

The grants of the activities app in the one access policy (`smartcoop.access`, which explains the
model). Two kinds of people reach these rows:

- the Activity's holders, by role: every holder sees the Activity, its trades and clients (and
  corrects how a client is reached while no one else's Activity works with it) and claims their
  own expenses; managers and co-holders (`BOOK_ROLES`) read its books, purchases and
  transfers and submit purchases; managers alone change its presentation, holders and trades,
  ask for transfers and read every receipt;
- staff with two-factor authentication, through their role's permission, for the Activities of
  their office (every office for who sees every office): they read them, and decide (claims,
  purchases, transfers, trades, rates, status) with the matching change permission.

The ledger knows no Activity, so this module also grants an advisor the ledger's transactions and
analytic accounts of their office's Activities, and lets staff open an Activity for a member of
their office. A rule on one object costs at most one query (the user's role in the Activity, or
none when `visible_activities` already read it); its `rows` twin is the same rule as a filter.
"""

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from activities.models import (
    Activity,
    ActivityHolder,
    ActivityThirdParty,
    ActivityTrade,
    ActivityTransfer,
    ExpenseClaim,
    ExpenseLine,
    HolderRole,
    Purchase,
    ThirdParty,
)
from members.models import Member
from smartcoop.access import EVERYTHING, Rows, RowsOf, Rule, Standing, grant
from smartcoop.ledger.models import AnalyticAccount, Leg, Transaction

# Co-holders read the books; a worker only claims their own expenses (HolderRole's labels).
BOOK_ROLES: tuple[str, ...] = (HolderRole.MANAGER, HolderRole.HOLDER)
ANY_ROLE: tuple[str, ...] = tuple(HolderRole.values)
MANAGERS: tuple[str, ...] = (HolderRole.MANAGER,)


def role_in(who: Standing, activity: Activity) -> str | None:
    """The user's role in the Activity, if they hold it (read with the Activity when it was listed for them)."""
    if who.user_id is None:
        return None
    if getattr(activity, "my_role_for", None) == who.user_id:
        return getattr(activity, "my_role", None)
    holders = ActivityHolder.objects.filter(activity_id=activity.pk, member__user_id=who.user_id)
    role: str | None = holders.values_list("role", flat=True).first()
    return role


def holding(who: Standing, activity_ref: str, roles: Sequence[str] = ANY_ROLE) -> Q | None:
    """The rows whose Activity (at `activity_ref`, "pk" for the Activity itself) the user holds in one of `roles`."""
    if who.user_id is None:
        return None
    holders = ActivityHolder.objects.filter(activity=OuterRef(activity_ref), member__user_id=who.user_id)
    if set(roles) != set(ANY_ROLE):
        holders = holders.filter(role__in=roles)
    return Q(Exists(holders))


def _or(*rows: Rows) -> Rows:
    found: Q | None = None
    for row in rows:
        if row is EVERYTHING:
            return EVERYTHING
        if isinstance(row, Q):
            found = row if found is None else found | row
    return found


def _staff_rows(who: Standing, permission: str, office_path: str) -> Rows:
    return who.office_rows(office_path) if who.holds(permission) else None


def _staff_may(who: Standing, permission: str, office_id: int | None) -> bool:
    return who.holds(permission) and who.reaches_office(office_id)


# --- Activities ---------------------------------------------------------------------------------


def _activity_grant(action: str, roles: Sequence[str], permission: str) -> None:
    """Holders in `roles`, and staff with `permission` within reach."""

    def rule(who: Standing, activity: Activity | None) -> bool:
        if activity is None:  # the staff's list
            return who.holds(permission)
        return role_in(who, activity) in roles or _staff_may(who, permission, activity.office_id)

    grant(
        Activity,
        action,
        rule=rule,
        rows=lambda who: _or(holding(who, "pk", roles), _staff_rows(who, permission, "office")),
    )


_activity_grant("view", ANY_ROLE, "activities.view_activity")
_activity_grant("read_books", BOOK_ROLES, "activities.view_activity")
# Presentation, logo, terms, holders, trades; and the clients and suppliers any holder records.
_activity_grant("manage", MANAGERS, "activities.change_activity")
_activity_grant("add_third_party", ANY_ROLE, "activities.change_activity")


def _holders_only(action: str, roles: Sequence[str]) -> None:
    def rule(who: Standing, activity: Activity | None) -> bool:
        return activity is not None and role_in(who, activity) in roles

    grant(Activity, action, rule=rule, rows=lambda who: holding(who, "pk", roles))


# What only holders do: claim their own expenses, submit a purchase, ask for a transfer.
_holders_only("claim", ANY_ROLE)
_holders_only("buy", BOOK_ROLES)
_holders_only("transfer", MANAGERS)
# The advisors' decisions on the Activity itself: rates, status, money received outside invoices.
grant(
    Activity,
    "decide",
    rule=lambda who, activity: (
        who.holds("activities.change_activity")
        if activity is None
        else _staff_may(who, "activities.change_activity", activity.office_id)
    ),
    rows=lambda who: _staff_rows(who, "activities.change_activity", "office"),
)


def _opens_activity_for(who: Standing, member: Member | None) -> bool:
    # A member opens their own; staff open one for a member of their office.
    if member is None:
        return who.signed_in
    own = who.user_id is not None and member.user_id == who.user_id
    return own or _staff_may(who, "activities.change_activity", member.office_id)


grant(Member, "open_activity", rule=_opens_activity_for)


# --- what hangs on one Activity: trades, claims, receipts, purchases, transfers -----------------


def _on_activity(
    model: Any,
    action: str,
    *,
    path: str = "activity",
    roles: Sequence[str] = (),
    own: str | None = None,
    permission: str | None,
) -> None:
    """Rows of one Activity (at `path`): its holders in `roles`, the user named by `own`, staff within reach.

    Without a `permission`, staff reach these rows through another grant only.
    """

    def rule(who: Standing, row: Any) -> bool:
        if row is None:
            return permission is not None and who.holds(permission)
        activity: Activity = _follow(row, path)
        if own is not None and who.user_id is not None and _follow(row, own) == who.user_id:
            return True
        if permission is not None and _staff_may(who, permission, activity.office_id):
            return True
        return bool(roles) and role_in(who, activity) in roles

    def rows(who: Standing) -> Rows:
        mine = _own_rows(own, who.user_id) if own is not None and who.user_id is not None else None
        held = holding(who, path, roles) if roles else None
        staff = _office_activity_rows(who, permission, path) if permission is not None else None
        return _or(mine, held, staff)

    grant(model, action, rule=rule, rows=rows)


# Each arm of the OR below names a column of the row's own table (worker_id IN ..., activity_id IN
# ...), never a joined table's: PostgreSQL can then check a row while it reads it, in the order of
# an index, and stop after a page. Written as joins (worker.user_id = 1 OR activity.office_id = 1),
# the OR could only be checked after joining every row: the advisor's "all claims" page joined
# 60,000 claims to keep an office's 6,000 (tests/perf/test_activity_queues.py).
def _own_rows(own: str, user_id: int) -> Q:
    member_path = own.removesuffix("__user_id")
    if member_path == own:
        return Q(**{own: user_id})
    return Q(**{f"{member_path}__in": Member.objects.filter(user_id=user_id).values("pk")})


def _office_activity_rows(who: Standing, permission: str, path: str) -> Rows:
    reach = _staff_rows(who, permission, "office")
    if isinstance(reach, Q):
        return Q(**{f"{path}__in": Activity.objects.filter(reach).values("pk")})
    return reach


def _follow(row: Any, path: str) -> Any:
    """What `path` (e.g. "claim__worker__user_id") leads to, through the objects already loaded."""
    for step in path.split("__"):
        row = getattr(row, step)
    return row


_on_activity(ActivityTrade, "view", roles=ANY_ROLE, permission="activities.view_activitytrade")
_on_activity(ActivityTrade, "decide", permission="activities.change_activitytrade")

_on_activity(ExpenseClaim, "view", roles=BOOK_ROLES, own="worker__user_id", permission="activities.view_expenseclaim")
_on_activity(ExpenseClaim, "decide", permission="activities.change_expenseclaim")
# A draft is its worker's alone: adding or removing lines, submitting it.
grant(
    ExpenseClaim,
    "edit",
    rule=lambda who, claim: claim is not None and who.user_id is not None and claim.worker.user_id == who.user_id,
    rows=lambda who: Q(worker__user_id=who.user_id) if who.user_id is not None else None,
)
# A receipt: to the worker who claimed it, the Activity's managers, and the staff of its office.
_on_activity(
    ExpenseLine,
    "view",
    path="claim__activity",
    roles=MANAGERS,
    own="claim__worker__user_id",
    permission="activities.view_expenseline",
)

# A purchase and its supplier's invoice: who submitted it, who reads the books, the office's staff.
_on_activity(Purchase, "view", roles=BOOK_ROLES, own="submitted_by_id", permission="activities.view_purchase")
_on_activity(Purchase, "decide", permission="activities.change_purchase")

# A transfer is read by the books' readers of both Activities, and follows the office of the one
# that pays: its staff read and decide it.
_on_activity(ActivityTransfer, "view", path="source", roles=BOOK_ROLES, permission="activities.view_activitytransfer")
_on_activity(ActivityTransfer, "view", path="destination", roles=BOOK_ROLES, permission=None)
_on_activity(ActivityTransfer, "decide", path="source", permission="activities.change_activitytransfer")


# --- clients and suppliers, known once for the whole cooperative ----------------------------------


def _third_party_rule(permission: str, roles: Sequence[str]) -> Rule:
    def rule(who: Standing, third_party: ThirdParty | None) -> bool:
        if third_party is None:
            return who.holds(permission)
        links = ActivityThirdParty.objects.filter(third_party=third_party)
        if who.holds(permission) and (
            who.every_office or links.filter(activity__office_id=who.office_id or 0).exists()
        ):
            return True
        if not roles or who.user_id is None:
            return False
        return links.filter(activity__holders__member__user_id=who.user_id).exists()

    return rule


def _third_party_rows(permission: str, roles: Sequence[str]) -> RowsOf:
    def rows(who: Standing) -> Rows:
        staff: Rows = None
        if who.holds(permission):
            if who.every_office:
                return EVERYTHING
            if who.office_id is not None:
                links = ActivityThirdParty.objects.filter(third_party=OuterRef("pk"), activity__office_id=who.office_id)
                staff = Q(Exists(links))
        held: Q | None = None
        if roles and who.user_id is not None:
            mine = ActivityThirdParty.objects.filter(
                third_party=OuterRef("pk"), activity__holders__member__user_id=who.user_id
            )
            held = Q(Exists(mine))
        return _or(staff, held)

    return rows


# The clients and suppliers of the Activities one holds, or of those of one's office.
grant(
    ThirdParty,
    "view",
    rule=_third_party_rule("activities.view_thirdparty", ANY_ROLE),
    rows=_third_party_rows("activities.view_thirdparty", ANY_ROLE),
)
# Advisors correct an address; what identifies the third party stays as recorded.
grant(
    ThirdParty,
    "change",
    rule=_third_party_rule("activities.change_thirdparty", ()),
    rows=_third_party_rows("activities.change_thirdparty", ()),
)


def _theirs_alone(who: Standing, third_party_ref: Any) -> tuple[QuerySet[ActivityThirdParty], Q] | None:
    """The links of a client or supplier, and which of them are the user's (an Activity they hold)."""
    if who.user_id is None:
        return None
    links = ActivityThirdParty.objects.filter(third_party=third_party_ref)
    held = Q(Exists(ActivityHolder.objects.filter(activity=OuterRef("activity"), member__user_id=who.user_id)))
    return links, held


def _contact_rule(who: Standing, third_party: ThirdParty | None) -> bool:
    if _third_party_rule("activities.change_thirdparty", ())(who, third_party):
        return True
    found = _theirs_alone(who, third_party) if third_party is not None else None
    if found is None:
        return False
    links, held = found
    counts = links.aggregate(every=Count("pk"), theirs=Count("pk", filter=held))
    return bool(counts["every"]) and counts["every"] == counts["theirs"]


def _contact_rows(who: Standing) -> Rows:
    staff = _third_party_rows("activities.change_thirdparty", ())(who)
    found = _theirs_alone(who, OuterRef("pk"))
    if found is None:
        return staff
    links, held = found
    return _or(staff, Q(Exists(links.filter(held))) & ~Q(Exists(links.exclude(held))))


# A holder corrects how a client or supplier is reached while only their Activities work with it;
# a record shared with others' Activities is corrected by an advisor, who answers for all of them.
grant(ThirdParty, "change_contact", rule=_contact_rule, rows=_contact_rows)
# The link between one Activity and a client or supplier follows its Activity.
_on_activity(ActivityThirdParty, "view", roles=ANY_ROLE, permission="activities.view_activitythirdparty")


# --- the ledger, for an advisor: what their office's Activities posted -----------------------------


def _office_legs(who: Standing, transaction_ref: Any) -> QuerySet[Leg]:
    return Leg.objects.filter(transaction=transaction_ref, analytic__activity__office_id=who.office_id or 0)


def _transaction_rule(who: Standing, transaction: Transaction | None) -> bool:
    if not who.holds("ledger.view_transaction") or who.office_id is None:
        return False
    return transaction is None or _office_legs(who, transaction).exists()


def _transaction_rows(who: Standing) -> Rows:
    if not who.holds("ledger.view_transaction") or who.office_id is None:
        return None
    return Q(Exists(_office_legs(who, OuterRef("pk"))))


def _analytic_rule(who: Standing, analytic: AnalyticAccount | None) -> bool:
    if not who.holds("ledger.view_analyticaccount") or who.office_id is None:
        return False
    return analytic is None or Activity.objects.filter(analytic=analytic, office_id=who.office_id).exists()


grant(Transaction, "view", rule=_transaction_rule, rows=_transaction_rows)
grant(
    AnalyticAccount,
    "view",
    rule=_analytic_rule,
    rows=lambda who: _staff_rows(who, "ledger.view_analyticaccount", "activity__office"),
)

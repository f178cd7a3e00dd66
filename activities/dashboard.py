"""The dashboard's card of my Activities: each one with the money it may spend, and a link to it.

Registered in `members.dashboard` when the app starts (members cannot import activities). The
Activities are those the member holds (`activities_of`), with their role read in the same query;
the available money of all of them comes from the ledger's maintained totals in one more query
(`activities_books`), and only for the Activities whose books the member reads (managers and
co-holders, as on the Activity page): a worker sees the Activity, not its money. Two queries at
most, however many Activities the member holds.

An account that is not in the register holds no Activity and cannot open one: the card stays
away without a query, and the dashboard's membership card tells them how to join. One in the
register whose shares are not paid (or who left) sees the card only for the Activities they hold.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from activities.models import Activity, ActivityHolder
from activities.selectors import BOOK_ROLES, activities_books, activities_of
from members.dashboard import DashboardCard, dashboard_card
from members.models import Member, MemberStatus, User


@dataclass(frozen=True)
class HeldActivity:
    activity: Activity
    # None when the member's role does not read the books.
    available: Decimal | None


@dashboard_card
def my_activities_card(user: User, member: Member | None) -> DashboardCard | None:
    if member is None:
        return None
    role = ActivityHolder.objects.filter(activity=OuterRef("pk"), member__user=user).values("role")[:1]
    activities = list(activities_of(user).annotate(my_role=Subquery(role)).order_by("code"))
    if not activities and member.status != MemberStatus.MEMBER:
        return None
    with_books: list[Activity] = [activity for activity in activities if activity.my_role in BOOK_ROLES]
    books = activities_books(activities=with_books) if with_books else {}
    held = [
        HeldActivity(
            activity=activity,
            available=books[activity.pk].available if activity.pk in books else None,
        )
        for activity in activities
    ]
    return DashboardCard(template="activities/_dashboard_card.html", context={"activities": held}, position=10)

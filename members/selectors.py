"""Reading the share register: holdings now or at any past date, derived from the operations."""

from datetime import date

from django.db.models import Sum

from members.models import Member, ShareOperation


def member_holding(*, member: Member, at: date | None = None, share_class: str | None = None) -> int:
    """Shares a member holds (after the operations of `at`, inclusive; now when None)."""
    operations = ShareOperation.objects.filter(member=member)
    if at is not None:
        operations = operations.filter(operation_date__lte=at)
    if share_class is not None:
        operations = operations.filter(share_class=share_class)
    return int(operations.aggregate(total=Sum("delta"))["total"] or 0)


def holdings_at(*, at: date | None = None) -> dict[int, int]:
    """Every member's holding (member id -> shares) at a date: who may vote on a record date."""
    operations = ShareOperation.objects.all()
    if at is not None:
        operations = operations.filter(operation_date__lte=at)
    rows = operations.values("member_id").annotate(total=Sum("delta")).filter(total__gt=0)
    return {row["member_id"]: int(row["total"]) for row in rows}

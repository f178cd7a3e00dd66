"""Reading members and the share register.

Holdings, now or at any past date, are derived from the register's operations. Who reaches which
members is the access policy's answer (`members.access`, asked through `smartcoop.access`), not
these selectors'.
"""

import re
from datetime import date

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from members.models import Member, MemberStatus, Office, ShareOperation


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


# People type identifiers as printed on cards and in the Moniteur: 85.07.01-123.45, BE 0754.316.243.
_PUNCTUATION = re.compile(r"[\s./-]")


def members_matching(queryset: QuerySet[Member], term: str) -> QuerySet[Member]:
    """Members found by a search box: every word in a name, or one number typed in any layout.

    A number matches exactly (member number, national register number, enterprise number): a
    partial match on an identifier finds strangers, never the person meant.
    """
    compact = _PUNCTUATION.sub("", term)
    if compact[:2].upper() == "BE" and compact[2:].isdigit():
        compact = compact[2:]
    if compact.isdigit():
        found = Q(national_number=compact) | Q(enterprise_number=compact.zfill(10))
        if len(compact) <= 9:  # a member number, never as long as the national or enterprise numbers
            found |= Q(number=int(compact))
        return queryset.filter(found)
    for word in term.lower().split():
        # search_name is stored lowercased: a plain LIKE, no per-row case folding of three columns.
        queryset = queryset.filter(search_name__contains=word)
    return queryset


def current_member_named(*, number: int, name: str) -> Member | None:
    """The current member with this number whose name holds every word typed, else None.

    Members name each other by number and name together, as a bank checks a beneficiary: a mistyped
    number finds nobody instead of a stranger. Whole words only: were a fragment enough, "e", "a"...
    would spell out who member n° X is.
    """
    words = set(re.findall(r"\w+", name.lower()))
    member = Member.objects.filter(number=number, status=MemberStatus.MEMBER).first()
    if member is None or not words or not words <= set(re.findall(r"\w+", member.search_name)):
        return None
    return member


def with_holding(queryset: QuerySet[Member]) -> QuerySet[Member]:
    """Annotates `holding`: the shares each member holds now, in the same query as the members."""
    total = (
        ShareOperation.objects.filter(member=OuterRef("pk"))
        .order_by()
        .values("member")
        .annotate(total=Sum("delta"))
        .values("total")
    )
    return queryset.annotate(holding=Coalesce(Subquery(total, output_field=IntegerField()), 0))


# Belgian postal codes run by province; each range goes to the nearest of the cooperative's offices.
# Ranges whose office does not exist (a smaller deployment) suggest nothing.
OFFICE_BY_POSTAL_CODE: list[tuple[int, int, str]] = [
    (1000, 1299, "bruxelles"),  # Brussels-Capital
    (1300, 1499, "louvain-la-neuve"),  # Walloon Brabant
    (1500, 1999, "bruxelles"),  # Flemish Brabant, Halle-Vilvoorde
    (2000, 2999, "antwerpen"),  # Antwerp
    (3000, 3499, "bruxelles"),  # Flemish Brabant, Leuven
    (3500, 3999, "liege"),  # Limburg
    (4000, 4999, "liege"),  # Liège
    (5000, 5999, "namur"),  # Namur
    (6000, 6599, "charleroi"),  # Hainaut, Charleroi
    (6600, 6999, "namur"),  # Luxembourg
    (7000, 7499, "mons"),  # Hainaut, Mons
    (7500, 7999, "tournai"),  # Hainaut, Tournai
    (8000, 9999, "gent"),  # West and East Flanders
]


def office_suggestions() -> list[tuple[int, int, int]]:
    """(first postal code, last postal code, office id) for each range whose office exists."""
    offices = dict(
        Office.objects.filter(code__in={code for _, _, code in OFFICE_BY_POSTAL_CODE}).values_list("code", "pk")
    )
    return [(low, high, offices[code]) for low, high, code in OFFICE_BY_POSTAL_CODE if code in offices]

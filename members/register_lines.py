"""A line of the share register as a reader sees it: one meaning per column, computed in one place.

The member's "My shares" page, the certificate, the printed register and its CSV all show the same
columns under the same names, from the `RegisterLine` built here: the register number, the date,
the operation, the number of shares it moves, the unit value (the nominal value of one share on
that day), the amount (shares times unit value, what was paid or refunded), and the shares the
member holds after it. A page that printed the unit value under a name the PDF gave to the
amount showed 30 EUR where the certificate said 60 EUR for the same line; with one builder and
one set of names they cannot drift apart.

Values stay raw (dates, Decimals, ints): each reader writes them through the one formatter in its
own language (`|amount`, `|figure`, Django's SHORT_DATE_FORMAT), or the CSV's dialect. Only the
operation's label is taken here, in the language active when the line is built. "Held after" is a
running sum of the member's changes, in register order, over the operations read: the holding that
`members.selectors.member_holding` gives for the same operations.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from members.models import Member, ShareOperation


@dataclass(frozen=True, slots=True)
class RegisterLine:
    """One operation of the share register, with the holding it leaves its member."""

    number: int
    on: date
    member_number: int
    member_name: str
    kind: str
    share_class: str
    quantity: int
    delta: int
    unit_value: Decimal
    amount: Decimal
    held_after: int
    counterpart_number: int | None


def register_lines(operations: Iterable[ShareOperation]) -> Iterator[RegisterLine]:
    """Lines of `operations`, read in register order, each with its member's holding after it.

    The operations must bring their member and counterpart (select_related): a line reads both.
    Streamed, so the whole register goes through without being held in memory twice.
    """
    held: dict[int, int] = {}
    for operation in operations:
        held[operation.member_id] = held.get(operation.member_id, 0) + operation.delta
        counterpart = operation.counterpart
        yield RegisterLine(
            number=operation.number,
            on=operation.operation_date,
            member_number=operation.member.number,
            member_name=operation.member.display_name,
            kind=str(operation.get_kind_display()),
            share_class=operation.share_class,
            quantity=operation.quantity,
            delta=operation.delta,
            unit_value=operation.unit_value,
            amount=operation.amount,
            held_after=held[operation.member_id],
            counterpart_number=counterpart.number if counterpart is not None else None,
        )


def register_operations(*, at: date | None = None, member: Member | None = None) -> QuerySet[ShareOperation]:
    """The register's operations in number order (one query), up to `at` inclusive, of one member or all."""
    operations = ShareOperation.objects.select_related("member", "counterpart").order_by("number")
    if member is not None:
        operations = operations.filter(member=member)
    if at is not None:
        operations = operations.filter(operation_date__lte=at)
    return operations


def member_register_lines(*, member: Member, at: date | None = None) -> list[RegisterLine]:
    """A member's lines of the register, as their page and their certificate show them."""
    return list(register_lines(register_operations(at=at, member=member)))

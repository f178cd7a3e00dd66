"""What the register's topics share.

`_next_number` numbers members and register operations from a locked counter, without gaps;
`_nominal_value` is the one value a share ever has (the cooperative entity's); `_positive` bounds a
number of shares for one operation; `_locked` locks members in primary-key order, the order every
register operation uses; `_check_decides` refuses an advisor's decision outside their office.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from members.models import CapitalCall, Member, MembershipApplication, RegisterCounter, User
from smartcoop.access import may
from smartcoop.errors import ConflictError, PermissionDeniedError
from smartcoop.input_rules import require_whole_number
from smartcoop.models import CooperativeEntity


def _next_number(counter: str) -> int:
    row = RegisterCounter.objects.select_for_update().get(name=counter)
    row.value += 1
    row.save(update_fields=["value"])
    return row.value


def _nominal_value() -> Decimal:
    entity = CooperativeEntity.objects.filter(country="BE").only("share_nominal_value").first()
    if entity is None:
        raise ConflictError(_("The cooperative's settings are missing: no nominal value for shares."))
    return entity.share_nominal_value


def share_nominal_value() -> Decimal:
    """The price of one share, as the joining form shows it (the value every register line uses)."""
    return _nominal_value()


# The statutes set no ceiling; this one is ours: 1 000 shares (30 000 EUR at today's nominal value)
# in one operation, far above the one share most members take, and inside what the EPC payment QR
# code of a capital call can carry. A larger subscription is an advisor's conversation, in steps.
MAX_SHARES_AT_ONCE = 1000


def _positive(quantity: int, *, field: str = "quantity") -> None:
    """A number of shares for one operation: at least one, at most MAX_SHARES_AT_ONCE."""
    require_whole_number(
        quantity,
        field=field,
        minimum=1,
        maximum=MAX_SHARES_AT_ONCE,
        minimum_message=_("The number of shares must be at least one."),
        maximum_message=_("At most %(maximum)s shares at a time."),
    )


def _locked(*members: Member) -> list[Member]:
    """The members' rows, locked in primary-key order (the order every register operation uses)."""
    ids = sorted({m.pk for m in members})
    locked = {m.pk: m for m in Member.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")}
    return [locked[m.pk] for m in members]


def _check_decides(actor: User, decided: MembershipApplication | CapitalCall) -> None:
    if not may(actor, "decide", decided):
        raise PermissionDeniedError(_("This application belongs to another office."))

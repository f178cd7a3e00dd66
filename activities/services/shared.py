"""What the services of every topic share.

The PCMN accounts they post to; `_money`, the one check of an amount someone typed; the refusals
of the access policy (`activities.access` decides who may act, `_require_staff` and `_require`
say no in the services' words); `_locked`, which locks Activities in
primary-key order, and `_refuse_overspending`, which must be called with that lock held so the
balance it reads cannot change before the posting; and the shape of a debt paid from the bank.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.errors import InsufficientFunds
from activities.models import (
    Activity,
    ActivityHolder,
    ActivityStatus,
    HolderRole,
)
from activities.selectors import activity_books
from members.models import User
from smartcoop.access import may, require, standing
from smartcoop.errors import ConflictError, InvalidInput, PermissionDeniedError
from smartcoop.input_rules import PAYMENT, require_amount
from smartcoop.ledger.models import AnalyticAccount
from smartcoop.ledger.services import LegSpec, credit, debit
from smartcoop.money import ZERO, amount_text, is_cents, to_money

# PCMN: 400 clients, 411 VAT recoverable, 440 suppliers, 489 other debts (owed to a worker),
# 550 bank, 6180/7480 services between Activities, 6181/7481 budget shared, 6190/7490 contribution.
RECEIVABLE, VAT_RECOVERABLE, SUPPLIERS, OWED_TO_WORKER, BANK = "400", "411", "440", "489", "550"
SERVICES_RECEIVED, BUDGET_GIVEN, CONTRIBUTION_CHARGE = "6180", "6181", "6190"
SERVICES_PROVIDED, BUDGET_RECEIVED, CONTRIBUTION_INCOME = "7480", "7481", "7490"


def _money(value: Decimal, *, field: str, allow_zero: bool = False) -> Decimal:
    """An amount typed by someone: whole cents, positive (or zero when allowed), at most MAX_TYPED_AMOUNT."""
    if not is_cents(value):
        raise InvalidInput.on(field, _("Enter an amount with at most two decimals."))
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput.on(field, _("Enter an amount greater than zero."))
    require_amount(value, field=field)
    return to_money(value)


ONLY_MANAGERS = gettext_lazy("Only a manager of the Activity can do this.")


def _require_staff(actor: User, decided: Model, activity: Activity) -> None:
    """An advisor's decision on `decided` (the Activity, or a claim, purchase, transfer or trade of it)."""
    if may(actor, "decide", decided):
        return
    if standing(actor).reaches_office(activity.office_id):
        raise PermissionDeniedError()  # their office, but not their role's decision
    raise PermissionDeniedError(_("This Activity belongs to another office."))


def _require(actor: User, action: str, activity: Activity, message: str | Promise = ONLY_MANAGERS) -> None:
    """What holders do: not found for who does not hold the Activity, `message` for a holder of another role."""
    require(actor, action, activity, message=message)


def _refuse_future_payment(paid_on: date) -> None:
    PAYMENT.require(paid_on, field="paid_on")


def _require_open(activity: Activity) -> None:
    if activity.status != ActivityStatus.OPEN:
        raise ConflictError(
            _("The Activity %(code)s is %(status)s.") % {"code": activity.code, "status": activity.get_status_display()}
        )


def _locked(*activities: Activity) -> list[Activity]:
    """The Activities' rows locked in primary-key order, re-read so their status is current."""
    ids = sorted({a.pk for a in activities})
    rows = {a.pk: a for a in Activity.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")}
    return [rows[a.pk] for a in activities]


def _managers(activity: Activity) -> list[User]:
    """The logins of the Activity's managers, who are told what an advisor decided about it."""
    holders = ActivityHolder.objects.filter(activity=activity, role=HolderRole.MANAGER).select_related("member__user")
    return [holder.member.user for holder in holders.order_by("member__user_id")]


def _refuse_overspending(activity: Activity, amount: Decimal, what: str) -> None:
    """Called with the Activity's row locked: the balance read here cannot change before the posting."""
    available = activity_books(activity=activity).available
    if amount > available:
        raise InsufficientFunds(
            _(
                "%(activity)s has %(available)s available: %(what)s of %(amount)s cannot be approved. "
                "It can be once the Activity has received enough money."
            )
            % {
                "activity": activity,
                "available": amount_text(available),
                "what": what,
                "amount": amount_text(amount),
            }
        )


def _paid_out(creditor: str, *, charge: Decimal, vat: Decimal, analytic: AnalyticAccount) -> list[LegSpec]:
    """A debt settled from the bank: the Activity's part on its books, the recovered VAT on none."""
    legs = [debit(creditor, charge, analytic), credit(BANK, charge, analytic)]
    if vat:
        legs += [debit(creditor, vat), credit(BANK, vat)]
    return legs


def _merged(legs: Sequence[LegSpec]) -> list[LegSpec]:
    """One leg per account, side and dimension: a claim of twenty receipts posts a handful of legs."""
    totals: dict[tuple[str, bool, int | None], Decimal] = defaultdict(lambda: ZERO)
    analytics: dict[int | None, AnalyticAccount | None] = {}
    for leg in legs:
        analytic_id = leg.analytic.pk if leg.analytic else None
        analytics[analytic_id] = leg.analytic
        is_debit = leg.debit > 0
        totals[(leg.account, is_debit, analytic_id)] += leg.debit if is_debit else leg.credit
    merged = []
    for (account, is_debit, analytic_id), amount in sorted(totals.items(), key=lambda item: str(item[0])):
        if amount > 0:
            side = debit if is_debit else credit
            merged.append(side(account, amount, analytics[analytic_id]))
    return merged

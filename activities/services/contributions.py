"""The cooperative's contribution, a share of an Activity's turnover or employment budget.

The rate is the Activity's own (an advisor's override) or its entity's; a posting is keyed by its
cause, so a retried task posts it once.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Model
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import (
    Activity,
)
from activities.services.shared import CONTRIBUTION_CHARGE, CONTRIBUTION_INCOME, _locked, _money
from members.models import User
from smartcoop.audit.services import audit_record, name_actions
from smartcoop.ledger.models import AnalyticAccount, Transaction
from smartcoop.ledger.services import books_memo, credit, debit, ledger_post
from smartcoop.money import amount_text, to_money

name_actions({"activity.contribution_posted": gettext_lazy("Cooperative contribution posted")})


def contribution_rate(*, activity: Activity, on: str) -> Decimal:
    """The Activity's rate (an advisor's override) or its entity's, on "turnover" or "employment"."""
    if on == "turnover":
        return (
            activity.turnover_contribution_rate
            if activity.turnover_contribution_rate is not None
            else (activity.entity.turnover_contribution_rate)
        )
    if on == "employment":
        return (
            activity.employment_contribution_rate
            if activity.employment_contribution_rate is not None
            else (activity.entity.employment_contribution_rate)
        )
    raise ValueError(f"contribution on {on!r}")


def _contribution_post(
    *, activity: Activity, base: Decimal, on: str, booked_on: date, key: str, actor: User | None
) -> Transaction | None:
    with transaction.atomic():
        # Under the Activity's lock, a retried task finds the posting and records nothing twice.
        (locked,) = _locked(activity)
        return contribution_post(
            analytic=locked.analytic,
            rate=contribution_rate(activity=locked, on=on),
            base=base,
            on=on,
            booked_on=booked_on,
            key=key,
            actor=actor,
            cause=locked,
        )


def contribution_post(
    *,
    analytic: AnalyticAccount,
    rate: Decimal,
    base: Decimal,
    on: str,
    booked_on: date,
    key: str,
    actor: User | None,
    cause: Model,
) -> Transaction | None:
    """The contribution of `rate` on `base`, charged to `analytic`, once per key; audited on `cause`.

    The one posting of a contribution, whoever owes it: an Activity (its rate read by
    `contribution_rate`), or an invoice paid for any issuer, at the rate it was issued with. The
    caller holds the lock that makes its retries meet the posting already there.
    """
    return contributions_post(
        parts=[ContributionPart(analytic=analytic, rate=rate, base=base)],
        on=on,
        booked_on=booked_on,
        key=key,
        actor=actor,
        cause=cause,
    )


@dataclass(frozen=True)
class ContributionPart:
    analytic: AnalyticAccount
    rate: Decimal
    base: Decimal


def contributions_post(
    *, parts: Sequence[ContributionPart], on: str, booked_on: date, key: str, actor: User | None, cause: Model
) -> Transaction | None:
    """Several contributions in one posting (a bank statement's payments): each part rounded alone,
    as it would be posted alone, and charged to its analytic account; the cooperative's income once."""
    charged: dict[int, tuple[AnalyticAccount, Decimal]] = {}
    total_base = Decimal(0)
    for part in parts:
        base = _money(part.base, field="base", allow_zero=True)
        total_base += base
        amount = to_money(base * part.rate)
        known = charged.get(part.analytic.pk)
        charged[part.analytic.pk] = (part.analytic, amount + (known[1] if known else Decimal(0)))
    total = sum((amount for _analytic, amount in charged.values()), Decimal(0))
    if total == 0:
        return None
    rates = {part.rate for part in parts}
    with transaction.atomic(savepoint=False):  # inside the caller's transaction, as ledger_post
        already = Transaction.objects.filter(key=key).first()
        posting = ledger_post(
            key=key,
            date=booked_on,
            memo=books_memo(
                lambda: (
                    _("Cooperative contribution %(rate)s on %(base)s")
                    % {"rate": f"{number_format(next(iter(rates)) * 100, 2)} %", "base": amount_text(total_base)}
                    if len(rates) == 1
                    else _("Cooperative contributions on %(base)s") % {"base": amount_text(total_base)}
                )
            ),
            legs=[
                *(debit(CONTRIBUTION_CHARGE, amount, analytic) for analytic, amount in charged.values() if amount > 0),
                credit(CONTRIBUTION_INCOME, total),
            ],
            actor=actor,
        )
        if already is None:
            audit_record(
                actor=actor,
                action="activity.contribution_posted",
                target=cause,
                on=on,
                base=total_base,
                rate=next(iter(rates)) if len(rates) == 1 else None,
                amount=total,
                posting=posting.key,
            )
        return posting


def contribution_post_turnover(
    *, activity: Activity, turnover_excl_vat: Decimal, booked_on: date, key: str, actor: User | None
) -> Transaction | None:
    """Post the contribution on invoiced turnover excl. VAT (Belgium: 6.5%), once per key.

    It does not check the available balance: it is a share of money coming in, so the caller posts
    it when the client's payment arrives (posted at issue, it would charge money not yet received).
    """
    return _contribution_post(
        activity=activity, base=turnover_excl_vat, on="turnover", booked_on=booked_on, key=key, actor=actor
    )


def contribution_post_employment(
    *, activity: Activity, employment_budget: Decimal, booked_on: date, key: str, actor: User | None
) -> Transaction | None:
    """Post the contribution on the employment budget (Belgium: about 7.5%), once per key."""
    return _contribution_post(
        activity=activity, base=employment_budget, on="employment", booked_on=booked_on, key=key, actor=actor
    )

"""Worked examples, as an accountant would book them, through the services and the selectors.

These run in the usual rolled-back test transaction: the commit-time balance check never fires
here, which is fine because every posting goes through `ledger_post`, which validates first (the
database rules have their own committed tests in test_database_rules.py).
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any, cast

import pytest
from django.utils import translation

from members.models import User
from smartcoop.ledger.errors import IdempotencyConflict, InvalidPosting
from smartcoop.ledger.models import AccountBalance, AnalyticAccount, Leg, Transaction
from smartcoop.ledger.selectors import (
    AccountGroup,
    BalanceTotals,
    account_balance,
    analytic_balance,
    analytic_group_totals,
    trial_balance,
)
from smartcoop.ledger.services import LegSpec, credit, debit, ledger_post, ledger_reverse
from smartcoop.money import to_money

pytestmark = pytest.mark.django_db

D = Decimal
SALE_DAY = date(2025, 3, 3)
PAYMENT_DAY = date(2025, 3, 17)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Error messages are translated (French by default): match them in English.
    with translation.override("en"):
        yield


@pytest.fixture
def activity() -> AnalyticAccount:
    return AnalyticAccount.objects.create(code="activity:wood", name="Atelier bois (Activity)")


def _sale_legs(activity: AnalyticAccount | None) -> list[LegSpec]:
    # Invoice of 100.00 excluding VAT at 21%: VAT = 100.00 x 0.21 = 21.00; the client owes 121.00.
    return [
        debit("400", D("121.00"), activity),
        credit("700", D("100.00"), activity),
        credit("451", D("21.00"), activity),
    ]


def _post_sale(activity: AnalyticAccount | None, *, actor: User | None = None) -> Transaction:
    return ledger_post(
        key="invoice:2025-0001:issue",
        date=SALE_DAY,
        memo="Invoice 2025-0001",
        legs=_sale_legs(activity),
        actor=actor,
    )


# A group per account these examples touch: an analytic account's books read account by account.
BY_ACCOUNT = {code: AccountGroup(prefixes=(code,)) for code in ("400", "451", "550", "700")}


def _nets_by_account(analytic: AnalyticAccount) -> dict[str, Decimal]:
    """The net (debit minus credit) of every account the analytic account's books ever moved."""
    totals = analytic_group_totals(analytic_ids=[analytic.pk], groups=BY_ACCOUNT)[analytic.pk]
    return {code: t.net for code, t in totals.items() if t.debit or t.credit}


def _trial_balance_net(at: date | None = None) -> Decimal:
    return sum((totals.net for _, totals in trial_balance(at=at)), D(0))


def _ledger_rows() -> tuple[int, int, int]:
    return Transaction.objects.count(), Leg.objects.count(), AccountBalance.objects.count()


def test_a_sale_with_vat_then_its_payment_in_an_activitys_books(activity: AnalyticAccount, member: User) -> None:
    sale = _post_sale(activity, actor=member)
    # Once issued: the client owes 121.00, the cooperative earned 100.00 and owes 21.00 of VAT.
    assert account_balance(account="400").normal == D("121.00")
    assert account_balance(account="700").normal == D("100.00")
    assert account_balance(account="451").normal == D("21.00")

    ledger_post(
        key="invoice:2025-0001:payment",
        date=PAYMENT_DAY,
        memo="Payment of invoice 2025-0001",
        legs=[debit("550", D("121.00"), activity), credit("400", D("121.00"), activity)],
        actor=member,
    )

    # Paid: the client owes nothing (121.00 debited, 121.00 credited), the bank holds 121.00.
    assert account_balance(account="400") == BalanceTotals(D("121.00"), D("121.00"), credit_normal=False)
    assert account_balance(account="550") == BalanceTotals(D("121.00"), D("0.00"), credit_normal=False)
    # Income and VAT payable are credit-normal: shown positive on the credit side.
    assert account_balance(account="700").net == D("-100.00")
    assert account_balance(account="700").normal == D("100.00")
    assert account_balance(account="451").normal == D("21.00")
    assert _trial_balance_net() == 0

    # The Activity's own books hold all of it; nothing was booked without a dimension.
    assert _nets_by_account(activity) == {
        "400": D("0.00"),
        "451": D("-21.00"),
        "550": D("121.00"),
        "700": D("-100.00"),
    }
    assert analytic_balance(account="700", analytic=activity).normal == D("100.00")
    assert analytic_balance(account="700", analytic=None).net == 0
    other = AnalyticAccount.objects.create(code="activity:other", name="Another Activity")
    assert _nets_by_account(other) == {}

    assert Transaction.objects.get(pk=sale.pk).actor == member


def test_a_salary_and_its_payment() -> None:
    # The bank first receives members' capital so the salary is paid from a positive balance.
    ledger_post(
        key="capital:2025",
        date=date(2025, 1, 2),
        memo="Capital subscribed and paid",
        legs=[debit("550", D("5000.00")), credit("100", D("5000.00"))],
        actor=None,
    )
    # Gross monthly salary                         2000.00
    # Employee social security (ONSS) 13.07%:
    #   2000.00 x 0.1307 = 261.40                  -261.40
    # Taxable                                       1738.60
    # Withholding tax (precompte professionnel), a round 10% of the taxable amount so the
    # arithmetic stays visible here (the payroll module applies the real scale):
    #   1738.60 x 0.10 = 173.86                    -173.86
    # Net paid to the worker                        1564.74
    # Check: 261.40 + 173.86 + 1564.74 = 2000.00, the gross, so the entry balances.
    ledger_post(
        key="payslip:2025-01:42",
        date=date(2025, 1, 31),
        memo="Salary January 2025",
        legs=[
            debit("620", D("2000.00")),
            credit("454", D("261.40")),
            credit("453", D("173.86")),
            credit("455", D("1564.74")),
        ],
        actor=None,
    )
    assert account_balance(account="455").normal == D("1564.74")

    ledger_post(
        key="payslip:2025-01:42:payment",
        date=date(2025, 2, 3),
        memo="Net salary January 2025",
        legs=[debit("455", D("1564.74")), credit("550", D("1564.74"))],
        actor=None,
    )

    assert account_balance(account="620").normal == D("2000.00")  # the cost of the month
    assert account_balance(account="454").normal == D("261.40")  # owed to the ONSS
    assert account_balance(account="453").normal == D("173.86")  # owed to the tax authority
    assert account_balance(account="455").net == 0  # the worker has been paid
    # 5000.00 - 1564.74 = 3435.26 left in the bank.
    assert account_balance(account="550").normal == D("3435.26")
    assert _trial_balance_net() == 0


def test_reversing_a_sale_brings_every_balance_back(activity: AnalyticAccount) -> None:
    sale = _post_sale(activity)
    cancel_day = date(2025, 3, 10)

    reversal = ledger_reverse(transaction=sale, reason="credit note 2025-0001", actor=None, date=cancel_day)

    assert reversal.reverses_id == sale.pk
    assert Transaction.objects.get(pk=sale.pk).reversed_by == reversal
    assert sorted(reversal.legs.values_list("account__code", "debit", "credit")) == [
        ("400", D("0.00"), D("121.00")),
        ("451", D("21.00"), D("0.00")),
        ("700", D("100.00"), D("0.00")),
    ]
    for code, amount in (("400", "121.00"), ("700", "100.00"), ("451", "21.00")):
        assert account_balance(account=code) == BalanceTotals(D(amount), D(amount), credit_normal=code != "400")
    assert _nets_by_account(activity) == {"400": 0, "451": 0, "700": 0}
    # History is kept: the sale still shows on its own day, the reversal from its day on.
    assert account_balance(account="400", at=SALE_DAY).net == D("121.00")
    assert account_balance(account="400", at=cancel_day).net == 0
    assert _trial_balance_net() == 0

    # Reversing again is asking for the same reversal, not for a second one.
    again = ledger_reverse(transaction=sale, reason="clicked twice", actor=None)
    assert again.pk == reversal.pk
    assert Transaction.objects.count() == 2
    assert account_balance(account="400").debit == D("121.00")

    # A wrong reversal is corrected by posting the right entry, not by reversing the reversal.
    with pytest.raises(InvalidPosting, match="cannot itself be reversed"):
        ledger_reverse(transaction=Transaction.objects.get(pk=reversal.pk), reason="undo", actor=None)
    assert Transaction.objects.count() == 2


def test_balance_at_a_date_counts_the_postings_up_to_the_end_of_that_day() -> None:
    def post(key: str, day: date, legs: list[LegSpec]) -> None:
        ledger_post(key=key, date=day, memo=key, legs=legs, actor=None)

    post("capital:1", date(2025, 1, 10), [debit("550", D("500.00")), credit("100", D("500.00"))])
    post("capital:2", date(2025, 1, 20), [debit("550", D("250.00")), credit("100", D("250.00"))])
    post("purchase:1", date(2025, 2, 5), [debit("610", D("80.00")), credit("550", D("80.00"))])

    def bank(at: date | None) -> Decimal:
        return account_balance(account="550", at=at).net

    assert bank(date(2025, 1, 9)) == 0  # before anything
    assert bank(date(2025, 1, 10)) == D("500.00")  # the day itself counts
    assert bank(date(2025, 1, 15)) == D("500.00")  # between postings
    assert bank(date(2025, 1, 20)) == D("750.00")  # 500.00 + 250.00
    assert bank(date(2025, 2, 4)) == D("750.00")
    assert bank(date(2025, 2, 5)) == D("670.00")  # 750.00 - 80.00
    assert bank(date(2025, 12, 31)) == D("670.00")  # long after
    assert bank(None) == D("670.00")  # now
    assert account_balance(account="100", at=date(2025, 1, 20)).normal == D("750.00")
    assert analytic_balance(account="550", analytic=None, at=date(2025, 1, 15)).net == D("500.00")
    assert [account.code for account, _ in trial_balance(at=date(2025, 1, 15))] == ["100", "550"]
    for day in (date(2025, 1, 9), date(2025, 1, 15), date(2025, 2, 5)):
        assert _trial_balance_net(at=day) == 0


def test_posting_the_same_key_with_the_same_legs_returns_the_first_transaction(activity: AnalyticAccount) -> None:
    first = _post_sale(activity)
    # A retried task may list the legs in another order: still the same posting.
    again = ledger_post(
        key="invoice:2025-0001:issue",
        date=SALE_DAY,
        memo="Invoice 2025-0001 (retried)",
        legs=list(reversed(_sale_legs(activity))),
        actor=None,
    )

    assert again.pk == first.pk
    assert Transaction.objects.filter(key="invoice:2025-0001:issue").count() == 1
    assert Leg.objects.count() == 3
    assert account_balance(account="400").debit == D("121.00")  # counted once


@pytest.mark.parametrize(
    ("day", "legs"),
    [
        pytest.param(
            SALE_DAY,
            [debit("400", D("242.00")), credit("700", D("200.00")), credit("451", D("42.00"))],
            id="other-amounts",
        ),
        pytest.param(SALE_DAY, [debit("400", D("121.00")), credit("700", D("121.00"))], id="other-accounts"),
        pytest.param(date(2025, 3, 4), None, id="other-date"),
        pytest.param(SALE_DAY, [], id="other-analytic"),
    ],
)
def test_posting_the_same_key_with_other_legs_is_a_conflict_and_writes_nothing(
    activity: AnalyticAccount, day: date, legs: list[LegSpec] | None
) -> None:
    _post_sale(activity)
    before = _ledger_rows()
    if legs is None:
        legs = _sale_legs(activity)
    elif not legs:
        legs = _sale_legs(None)  # the same amounts, outside the Activity's books

    with pytest.raises(IdempotencyConflict, match="invoice:2025-0001:issue"):
        ledger_post(key="invoice:2025-0001:issue", date=day, memo="Invoice 2025-0001", legs=legs, actor=None)

    assert _ledger_rows() == before
    assert account_balance(account="400").debit == D("121.00")


@pytest.mark.parametrize(
    ("legs", "message"),
    [
        pytest.param([debit("550", D("10.00"))], "at least two legs", id="one-leg"),
        pytest.param([debit("550", D("10.00")), credit("700", D("9.99"))], "does not balance", id="unbalanced"),
        pytest.param([debit("550", D("-10.00")), credit("700", D("-10.00"))], "either a positive debit", id="negative"),
        pytest.param([debit("550", D("0.00")), credit("700", D("0.00"))], "either a positive debit", id="zero"),
        pytest.param(
            [LegSpec("550", debit=D("10.00"), credit=D("10.00")), credit("700", D("0.01"))],
            "either a positive debit",
            id="both-sides",
        ),
        pytest.param([debit("550", D("0.005")), credit("700", D("0.005"))], "whole cents", id="sub-cent"),
        pytest.param([debit("550", D("10.00")), credit("7999", D("10.00"))], "no account 7999", id="unknown-account"),
        # Larger than numeric(14,2) holds: a clear refusal, not the database's overflow error.
        pytest.param([debit("550", D("1E12")), credit("700", D("1E12"))], "cannot exceed", id="too-large"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_writes_nothing(legs: list[LegSpec], message: str) -> None:
    with pytest.raises(InvalidPosting, match=message):
        ledger_post(key="bad:1", date=SALE_DAY, memo="bad", legs=legs, actor=None)

    assert _ledger_rows() == (0, 0, 0)


def test_a_float_amount_is_a_type_error_and_writes_nothing() -> None:
    # A float cannot hold most cents exactly: it is a programming error, not a user's input.
    amount = cast(Any, 10.0)

    with pytest.raises(TypeError, match="never float"):
        ledger_post(
            key="bad:float", date=SALE_DAY, memo="bad", legs=[debit("550", amount), credit("700", amount)], actor=None
        )

    assert _ledger_rows() == (0, 0, 0)


def test_a_key_is_required_and_bounded() -> None:
    legs = [debit("550", D("1.00")), credit("700", D("1.00"))]
    for key in ("", "k" * 201):
        with pytest.raises(InvalidPosting, match="key of at most 200"):
            ledger_post(key=key, date=SALE_DAY, memo="bad", legs=legs, actor=None)

    assert _ledger_rows() == (0, 0, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("0.005"), D("0.01")),  # half a cent rounds up, as on Belgian invoices
        ("0.005", D("0.01")),
        ("0.004", D("0.00")),
        ("2.675", D("2.68")),  # the float 2.675 is 2.67499999...; from str it is exact and rounds up
        (D("-0.005"), D("-0.01")),  # half up means away from zero for negatives too
        ("-2.675", D("-2.68")),
        (D("121"), D("121.00")),
        (7, D("7.00")),
    ],
)
def test_to_money_rounds_half_up_to_the_cent(value: Decimal | int | str, expected: Decimal) -> None:
    rounded = to_money(value)
    assert rounded == expected
    assert rounded.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [2.675, 0.1, True])
def test_to_money_refuses_floats_and_booleans(value: object) -> None:
    with pytest.raises(TypeError):
        to_money(cast(Any, value))


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity"])
def test_to_money_refuses_what_is_not_an_amount(value: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        to_money(value)

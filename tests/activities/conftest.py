"""Activities with their holders and money, for the tests of budgets, expenses and transfers."""

from datetime import date
from decimal import Decimal
from itertools import count
from typing import Protocol

import pytest
from django.test import Client

from activities.models import Activity, ExpenseCategory, MileageRate, Trade
from activities.services import activity_create, activity_income_record
from members.models import Member, Office, Role, User
from members.services import shares_issue
from smartcoop.models import CooperativeEntity

_keys = count(1)
DAY = date(2026, 3, 2)


class MakeActivity(Protocol):
    def __call__(self, name: str = ..., *, funds: Decimal = ..., holder: Member | None = ...) -> Activity: ...


@pytest.fixture
def mileage_rate(cooperative: CooperativeEntity) -> MileageRate:
    return MileageRate.objects.create(entity=cooperative, valid_from=date(2025, 7, 1), rate=Decimal("0.4449"))


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("advisor@smartcoop.be", role=Role.ADVISOR, office=office)
    return user


@pytest.fixture
def holder(make_member, advisor: User) -> Member:
    """An admitted member (one share paid), who manages Activities."""
    member: Member = make_member("Amélie", "Dubois")
    shares_issue(member=member, quantity=1, on=DAY, key=f"test:{member.pk}:share", actor=advisor)
    member.refresh_from_db()
    return member


@pytest.fixture
def musician() -> Trade:
    return Trade.objects.get(code="musician")


@pytest.fixture
def make_activity(holder: Member, advisor: User, musician: Trade) -> MakeActivity:
    default_holder = holder

    def make(name: str = "Studio Dubois", *, funds: Decimal = Decimal(0), holder: Member | None = holder) -> Activity:
        manager = holder or default_holder
        activity = activity_create(name=name, holder=manager, trades=[musician], actor=manager.user)
        if funds:
            activity_income_record(
                activity=activity,
                amount=funds,
                source="subsidy",
                memo="Subside de la Fédération Wallonie-Bruxelles",
                received_on=DAY,
                key=f"test:income:{next(_keys)}",
                actor=advisor,
            )
        return activity

    return make


@pytest.fixture
def supplies() -> ExpenseCategory:
    return ExpenseCategory.objects.get(code="supplies")


@pytest.fixture
def meals() -> ExpenseCategory:
    return ExpenseCategory.objects.get(code="meals")


@pytest.fixture
def other(make_member, advisor: User) -> Member:
    """Another admitted member, who holds nothing of the holder's unless a test gives it."""
    member: Member = make_member("Bart", "Peeters")
    shares_issue(member=member, quantity=1, on=DAY, key=f"test:{member.pk}:share", actor=advisor)
    member.refresh_from_db()
    return member


@pytest.fixture
def signed_in(client: Client, holder: Member) -> Client:
    client.force_login(holder.user)
    return client

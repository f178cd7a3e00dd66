from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.cache import cache

from members.identity import national_number_for
from members.models import Member, Office, Role, User
from members.services import Identity, member_create
from payroll.models import SalaryPaymentRule, SalaryPaymentTerm
from smartcoop.models import CooperativeEntity

PASSWORD = "correct-horse-battery-staple"
_people = count(1)


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    # Rate limits and TOTP replay guards live in the cache: each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db: None):
    def make(
        email: str = "amelie@example.be",
        *,
        role: Role = Role.MEMBER,
        language: str = "fr",
        verified: bool = True,
        **fields: object,
    ) -> User:
        user = User.objects.create_user(email=email, password=PASSWORD, language=language, **fields)
        user.groups.add(Group.objects.get(name=role.value))
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make


@pytest.fixture
def member(make_user) -> User:
    user: User = make_user()
    return user


@pytest.fixture
def make_staff(make_user):
    """A staff user with two-factor authentication on, as the admin requires."""
    from allauth.mfa.totp.internal.auth import TOTP

    def make(email: str = "sophie@example.be", *, role: Role = Role.ADVISOR, **fields: object) -> User:
        user: User = make_user(email, role=role, is_staff=True, **fields)
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        return user

    return make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests restore what migrations wrote (chart of accounts, roles, permissions).

    Such a test ends by emptying every table; without this, a later one would find no chart of
    accounts and no member group.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
            {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        )
        if transactional:
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


# --- the cooperative and its members (shared by the members, activities and browser tests) ---


# The Belgian entity of the tests (DOMAIN.md figures: 6.5 % and 7.5 %, paid 7 days after the end, 30 EUR a share).
BELGIAN_ENTITY = {
    "name": "SmartCoop",
    "street": "Rue de la Coopération 1",
    "postal_code": "1060",
    "city": "Saint-Gilles",
    "enterprise_number": "0754316243",
    "vat_number": "BE0754316243",
    "iban": "BE36068200000081",
    "bic": "GKCCBEBB",
    "turnover_contribution_rate": Decimal("0.0650"),
    "employment_contribution_rate": Decimal("0.0750"),
    "share_nominal_value": Decimal("30.00"),
}


@pytest.fixture
def cooperative(db: None) -> CooperativeEntity:
    entity, _ = CooperativeEntity.objects.get_or_create(country="BE", defaults=BELGIAN_ENTITY)
    SalaryPaymentTerm.objects.get_or_create(
        entity=entity, defaults={"rule": SalaryPaymentRule.DAYS_AFTER_END, "days": 7}
    )
    return entity


@pytest.fixture
def office(db: None) -> Office:
    return Office.objects.create(code="liege", name="Liège", city="Liège")


@pytest.fixture
def make_member(make_user, office: Office, cooperative: CooperativeEntity):
    def make(first_name: str = "Amélie", last_name: str = "Dubois", **fields: object) -> Member:
        n = next(_people)
        user: User = make_user(f"person{n}@example.be", role=Role.MEMBER)
        # Serials run 001 to 997 (three digits); the month changes when they wrap, so numbers stay unique.
        birth = date(1985, 1 + (n // 498) % 12, (n % 28) + 1)
        identity = Identity(
            kind="natural",
            first_name=first_name,
            last_name=last_name,
            birth_date=birth,
            national_number=national_number_for(birth, 1 + (n * 2) % 996),
            street="Rue Saint-Gilles 12",
            postal_code="4000",
            city="Liège",
            iban="BE36068200000081",
        )
        member = member_create(user=user, identity=identity, office=office, applied_on=date(2026, 1, 5), actor=None)
        for name, value in fields.items():
            setattr(member, name, value)
        if fields:
            member.save()
        return member

    return make

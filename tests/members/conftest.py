from datetime import date
from decimal import Decimal
from itertools import count

import pytest

from members.identity import national_number_for
from members.models import Member, Office, Role, User
from members.services import Identity, member_create
from smartcoop.models import CooperativeEntity, SalaryPaymentRule

_people = count(1)


national_number = national_number_for  # the tests' short name for it


@pytest.fixture
def cooperative(db: None) -> CooperativeEntity:
    entity, _ = CooperativeEntity.objects.get_or_create(
        country="BE",
        defaults={
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
            "salary_payment_rule": SalaryPaymentRule.DAYS_AFTER_END,
            "salary_payment_days": 7,
            "share_nominal_value": Decimal("30.00"),
        },
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
        birth = date(1985, 7, (n % 28) + 1)
        identity = Identity(
            kind="natural",
            first_name=first_name,
            last_name=last_name,
            birth_date=birth,
            national_number=national_number(birth, 100 + n * 2),
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

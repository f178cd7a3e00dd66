"""The demo cooperative's foundation: the Belgian entity, the nine offices and the demo people.

`manage.py seed_demo` runs the `seed(demo)` function of every installed app's `demo` module, in
INSTALLED_APPS order, so each capability adds its own demo data next to its code. Every seed is
idempotent: running it again changes nothing and loses nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module
from importlib.util import find_spec

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction

from members.models import Office, Role, User
from smartcoop.models import CooperativeEntity

DEMO_PASSWORD = "demo-smartcoop-2026"  # noqa: S105 - the demo's published password, never a real one
# A fixed TOTP secret for the demo staff, so a reviewer can add it to an authenticator app once.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - demo staff only

OFFICES = [
    # (code, name, postal code, city)
    ("antwerpen", "Antwerpen", "2000", "Antwerpen"),
    ("bruxelles", "Bruxelles", "1000", "Bruxelles"),
    ("charleroi", "Charleroi", "6000", "Charleroi"),
    ("gent", "Gent", "9000", "Gent"),
    ("liege", "Liège", "4000", "Liège"),
    ("louvain-la-neuve", "Louvain-la-Neuve", "1348", "Louvain-la-Neuve"),
    ("mons", "Mons", "7000", "Mons"),
    ("namur", "Namur", "5000", "Namur"),
    ("tournai", "Tournai", "7500", "Tournai"),
]


@dataclass
class DemoLogin:
    email: str
    role: str
    note: str = ""


@dataclass
class Demo:
    """What seeds share: the logins to print at the end, and the people later seeds build on."""

    logins: list[DemoLogin] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)


def demo_person(
    demo: Demo,
    *,
    key: str,
    email: str,
    first_name: str,
    last_name: str,
    language: str,
    role: Role,
    office: Office | None = None,
    staff: bool = False,
    superuser: bool = False,
) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "language": language,
            "office": office,
            "is_staff": staff or superuser,
            "is_superuser": superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=role.value))
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    note = ""
    if user.is_staff:
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        note = "two-factor: TOTP secret " + DEMO_TOTP_SECRET
    demo.users[key] = user
    demo.logins.append(DemoLogin(email=email, role=f"{role.label} ({language})", note=note))
    return user


def seed(demo: Demo) -> None:
    CooperativeEntity.objects.get_or_create(
        country="BE",
        defaults={
            "name": "SmartCoop (démo)",
            "legal_form": "SC",
            # Saint-Gilles is in the judicial district of Brussels (French-speaking enterprise court).
            "register_court": "RPM Bruxelles",
            "street": "Rue de la Coopération 1",
            "postal_code": "1060",
            "city": "Saint-Gilles",
            "enterprise_number": "0754316243",
            "vat_number": "BE0754316243",
            "iban": "BE36068200000081",
            "bic": "GKCCBEBB",
            # DOMAIN.md, "Money flows": 6.5% of turnover excl. VAT, about 7.5% of the employment
            # budget, 30 EUR a share (the salary payment term is payroll's seed).
            "turnover_contribution_rate": Decimal("0.0650"),
            "employment_contribution_rate": Decimal("0.0750"),
            "share_nominal_value": Decimal("30.00"),
        },
    )
    offices = {}
    for code, name, postal_code, city in OFFICES:
        offices[code], _ = Office.objects.get_or_create(
            code=code, defaults={"name": name, "postal_code": postal_code, "city": city}
        )
    demo_person(
        demo, key="administrator", email="admin@demo.smartcoop.be", first_name="Alex", last_name="Martin",
        language="fr", role=Role.ADMINISTRATOR, superuser=True,
    )  # fmt: skip
    demo_person(
        demo, key="advisor", email="sophie.lambert@demo.smartcoop.be", first_name="Sophie", last_name="Lambert",
        language="fr", role=Role.ADVISOR, office=offices["bruxelles"], staff=True,
    )  # fmt: skip
    demo_person(
        demo, key="accountant", email="marc.peeters@demo.smartcoop.be", first_name="Marc", last_name="Peeters",
        language="nl", role=Role.ACCOUNTANT, office=offices["bruxelles"], staff=True,
    )  # fmt: skip
    demo_person(
        demo, key="member_fr", email="amelie.dubois@demo.smartcoop.be", first_name="Amélie", last_name="Dubois",
        language="fr", role=Role.MEMBER, office=offices["liege"],
    )  # fmt: skip
    demo_person(
        demo, key="member_nl", email="pieter.janssens@demo.smartcoop.be", first_name="Pieter", last_name="Janssens",
        language="nl", role=Role.MEMBER, office=offices["gent"],
    )  # fmt: skip
    demo_person(
        demo, key="member_en", email="emma.walsh@demo.smartcoop.be", first_name="Emma", last_name="Walsh",
        language="en", role=Role.MEMBER, office=offices["bruxelles"],
    )  # fmt: skip


def seed_all() -> Demo:
    """Every installed app's demo seed, in INSTALLED_APPS order, in one transaction."""
    demo = Demo()
    with transaction.atomic():
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if find_spec(module_name) is not None:
                import_module(module_name).seed(demo)
    return demo

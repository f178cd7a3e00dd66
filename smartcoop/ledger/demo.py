"""Demo postings, so the admin's ledger and the accountants' journal show real entries.

Amélie's ceramics workshop (analytic account ACT-DEMO-0001, which the Activities capability
attaches to her Activity) invoiced a client and was paid. Shares are posted by the members' demo,
through the share register. Keys make every posting idempotent.
"""

from datetime import date
from decimal import Decimal

from smartcoop.demo import Demo
from smartcoop.ledger.models import AnalyticAccount
from smartcoop.ledger.services import credit, debit, ledger_post


def seed(demo: Demo) -> None:
    workshop, _ = AnalyticAccount.objects.get_or_create(
        code="ACT-DEMO-0001", defaults={"name": "Atelier céramique d'Amélie Dubois"}
    )
    # 1,500.00 excl. VAT at 21 %: 315.00 VAT, 1,815.00 to collect.
    ledger_post(
        key="demo:invoice:2026-0001:issue",
        date=date(2026, 2, 10),
        memo="Facture 2026-0001, Galerie Meuse (vases)",
        legs=[
            debit("400", Decimal("1815.00"), workshop),
            credit("700", Decimal("1500.00"), workshop),
            credit("451", Decimal("315.00"), workshop),
        ],
        actor=demo.users["member_fr"],
    )
    ledger_post(
        key="demo:invoice:2026-0001:payment",
        date=date(2026, 3, 2),
        memo="Paiement facture 2026-0001",
        legs=[debit("550", Decimal("1815.00"), workshop), credit("400", Decimal("1815.00"), workshop)],
        actor=demo.users["advisor"],
    )

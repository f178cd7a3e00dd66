"""Who issues an invoice: what the cooperative credits and what it prints, handed to invoicing.

Invoicing knows no 3-in-1 contract (contracts sit above it): an issuer is the analytic account the
turnover is credited to, the office whose advisors follow the invoice, the contribution rate on what
the client pays, and the presentation printed on the PDF. An Activity is one issuer
(`activity_issuer`); a 3-in-1 contract will hand its own.
"""

from dataclasses import dataclass
from decimal import Decimal

from activities.models import Activity
from activities.services.contributions import contribution_rate
from smartcoop.ledger.models import AnalyticAccount


@dataclass(frozen=True)
class Presentation:
    trade_name: str
    logo: str = ""  # a file name in the media storage, or ""
    terms_of_sale: str = ""


@dataclass(frozen=True)
class Issuer:
    analytic: AnalyticAccount
    office_id: int
    contribution_rate: Decimal
    presentation: Presentation
    activity: Activity | None = None


def activity_issuer(activity: Activity) -> Issuer:
    return Issuer(
        analytic=activity.analytic,
        office_id=activity.office_id,
        contribution_rate=contribution_rate(activity=activity, on="turnover"),
        presentation=Presentation(
            trade_name=activity.name,
            logo=activity.logo.name or "",
            terms_of_sale=activity.terms_of_sale,
        ),
        activity=activity,
    )

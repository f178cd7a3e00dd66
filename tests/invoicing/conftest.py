"""An Activity invoicing clients of every kind, for the tests of invoices, documents and payments."""

from datetime import date
from decimal import Decimal
from typing import Protocol

import pytest

from activities.models import Activity, ThirdParty
from activities.services import third_party_add
from activities.services.third_parties import ThirdPartyData
from invoicing.issuers import activity_issuer
from invoicing.models import Invoice
from invoicing.services.invoices import InvoiceData, LineData, invoice_draft_create, invoice_issue
from members.models import Member
from tests.activities import conftest as activities_fixtures

# The Activities' fixtures, shared: an advisor, a member holding Activities, and how to open one.
advisor = activities_fixtures.advisor
holder = activities_fixtures.holder
make_activity = activities_fixtures.make_activity
musician = activities_fixtures.musician

ISSUED_ON = date(2026, 3, 10)


@pytest.fixture
def activity(make_activity) -> Activity:
    activity: Activity = make_activity("Studio Dubois")
    return activity


def _client(activity: Activity, holder: Member, **data: object) -> ThirdParty:
    fields: dict[str, object] = {
        "kind": "company",
        "street": "Rue Haute 12",
        "postal_code": "1000",
        "city": "Bruxelles",
        "language": "fr",
        "email": "factures@example.be",
        "vat_number": "",
        "country": "BE",
    }
    fields.update(data)
    return third_party_add(activity=activity, data=ThirdPartyData(**fields), actor=holder.user)  # type: ignore[arg-type]


@pytest.fixture
def client_be(activity: Activity, holder: Member) -> ThirdParty:
    return _client(activity, holder, name="Théâtre de la Balsamine", vat_number="BE0403019261")


@pytest.fixture
def client_fr(activity: Activity, holder: Member) -> ThirdParty:
    return _client(
        activity,
        holder,
        name="Atelier Lumière SARL",
        street="12 rue de la Paix",
        postal_code="75002",
        city="Paris",
        country="FR",
        vat_number="FR40303265045",
    )


@pytest.fixture
def client_us(activity: Activity, holder: Member) -> ThirdParty:
    return _client(
        activity,
        holder,
        name="Brooklyn Sound Inc.",
        street="200 Kent Avenue",
        postal_code="11249",
        city="New York",
        country="US",
        language="en",
    )


@pytest.fixture
def client_person(activity: Activity, holder: Member) -> ThirdParty:
    return _client(
        activity, holder, kind="person", name="Claire Martin", street="Rue Neuve 3", city="Namur", postal_code="5000"
    )


def line(
    description: str = "Concert", quantity: str = "1", price: str = "1000", category: str = "S", rate: str = "21"
) -> LineData:
    return LineData(
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        vat_category=category,
        vat_rate=Decimal(rate),
    )


class MakeInvoice(Protocol):
    def __call__(self, client: ThirdParty, *lines: LineData, issue: bool = ..., **data: object) -> Invoice: ...


@pytest.fixture
def make_invoice(activity: Activity, holder: Member) -> MakeInvoice:
    def make(client: ThirdParty, *lines: LineData, issue: bool = True, **data: object) -> Invoice:
        invoice = invoice_draft_create(
            issuer=activity_issuer(activity),
            data=InvoiceData(client=client, lines=lines or (line(),), **data),  # type: ignore[arg-type]
            actor=holder.user,
        )
        if issue:
            invoice = invoice_issue(invoice=invoice, actor=holder.user, on=ISSUED_ON)
        return invoice

    return make

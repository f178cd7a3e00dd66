"""The access policy as a table: who may do what to which object, asked of the policy itself.

One cooperative with two offices holds one of each kind of object; every role is asked every
action on every object, and the answers must be the table's. The apps to come add their objects
and rows here. Where a grant lists rows, the list (`visible`) must agree with the answer on the
object (`may`), since pages and the API read the first and services the second.

At the end, a few rows are asked through the doors themselves (a member page, the admin, the API)
to check they give the policy's answer, and the two doors found open are tried again.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client
from rest_framework.test import APIClient

from activities.models import (
    Activity,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseLine,
    HolderRole,
    PurchasePayee,
    ThirdPartyKind,
    Trade,
    TradeAdmission,
    TransferKind,
)
from activities.services import (
    ExpenseLineData,
    PurchaseData,
    ThirdPartyData,
    activity_add_holder,
    activity_add_trade,
    activity_create,
    activity_income_record,
    activity_transfer_request,
    expense_claim_create,
    expense_claim_submit,
    expense_line_add,
    purchase_submit,
    third_party_add,
)
from invoicing.issuers import activity_issuer
from invoicing.models import (
    BankStatement,
    BankStatementLine,
    Invoice,
    PeppolDirection,
    PeppolDocument,
    PeppolStatus,
    StatementFormat,
)
from invoicing.services.invoices import InvoiceData, LineData, invoice_draft_create, invoice_issue
from invoicing.services.payments import invoice_payment_record
from members.models import Member, Office, RegisterExport, Role, ShareOperation, User
from members.services import (
    ApplicationData,
    Identity,
    application_submit,
    register_export_request,
    shares_issue,
    transfer_request_submit,
)
from members.tokens import api_token_issue
from smartcoop.access import granted_actions, may, visible
from smartcoop.ledger.models import Transaction
from tests.members.conftest import national_number

DAY = date(2026, 3, 2)
PDF = b"%PDF-1.4\n% receipt\n"
ROLES = (
    "anonymous",
    "applicant",  # has applied, is not a member yet
    "member",  # a member holding no Activity (the buyer of the share transfer below)
    "manager",  # manages the Activity, and is the member of the member row
    "worker",  # a worker of the Activity, who claimed the expense
    "advisor",  # staff of the office, with two-factor
    "advisor_without_2fa",  # the same, without two-factor: a member like any other
    "advisor_of_brussels",  # staff of the other office, with two-factor
    "accountant",
    "administrator",
)
STAFF = {"advisor", "accountant", "administrator"}  # with two-factor, reaching the office's rows

# object, action -> the roles allowed (every other role is refused). A `*` object is asked about
# its model as a whole (a list, an export, a new one).
TABLE: list[tuple[str, str, set[str]]] = [
    ("member", "view", {"manager", *STAFF}),
    ("member", "change", {"advisor", "administrator"}),
    ("member", "assign", {"advisor", "administrator"}),
    ("member", "change_contact", {"manager"}),
    ("member", "sell_shares", {"manager"}),
    ("member", "open_activity", {"manager", "advisor", "administrator"}),
    ("application", "view", {"applicant", *STAFF}),
    ("application", "view_document", {"applicant", *STAFF}),
    ("application", "decide", {"advisor", "administrator"}),
    ("application", "add_document", {"applicant"}),
    ("share_transfer_request", "view", {"manager", *STAFF}),
    ("share_transfer_request", "decide", {"advisor", "administrator"}),
    ("share_transfer_request", "cancel", {"manager"}),
    ("share_operation", "view", {"manager", *STAFF}),
    ("register_pdf", "view", {"accountant", "administrator"}),
    ("*register_pdf", "add", {"accountant", "administrator"}),
    ("*share_register", "export", {"accountant", "administrator"}),
    ("activity", "view", {"manager", "worker", *STAFF}),
    ("activity", "read_books", {"manager", *STAFF}),
    ("activity", "manage", {"manager", "advisor", "administrator"}),
    ("activity", "add_third_party", {"manager", "worker", "advisor", "administrator"}),
    ("activity", "claim", {"manager", "worker"}),
    ("activity", "buy", {"manager"}),
    ("activity", "transfer", {"manager"}),
    ("activity", "decide", {"advisor", "administrator"}),
    ("expense_claim", "view", {"manager", "worker", *STAFF}),
    ("expense_claim", "edit", {"worker"}),
    ("expense_claim", "decide", {"advisor", "administrator"}),
    ("receipt", "view", {"manager", "worker", *STAFF}),
    ("purchase", "view", {"manager", *STAFF}),
    ("purchase", "decide", {"advisor", "administrator"}),
    ("transfer", "view", {"manager", *STAFF}),
    ("transfer", "decide", {"advisor", "administrator"}),
    ("client", "view", {"manager", "worker", *STAFF}),
    ("client", "change", {"advisor", "administrator"}),
    ("client", "change_contact", {"manager", "worker", "advisor", "administrator"}),
    ("trade", "view", {"manager", "worker", *STAFF}),
    ("trade", "decide", {"advisor", "administrator"}),
    ("ledger_transaction", "view", STAFF),
    ("*journal", "export", {"accountant", "administrator"}),
    ("api_token", "view", {"manager"}),  # the manager's own token: nobody else's business
    ("api_token", "revoke", {"manager"}),
    # Invoicing: an Activity's managers and co-holders invoice for it (a worker does not); staff of
    # its office read its invoices and advisors decide on them; the bank account and the Peppol
    # outbox are the cooperative's, read by staff of every office.
    ("activity", "invoice", {"manager"}),
    ("activity", "receive_einvoice", {"manager"}),
    ("invoice", "view", {"manager", *STAFF}),
    ("invoice", "edit", {"manager"}),
    ("invoice", "issue", {"manager"}),
    ("invoice", "credit", {"manager"}),
    ("invoice", "decide", {"advisor", "administrator"}),
    ("invoice_payment", "view", {"manager", *STAFF}),
    ("bank_statement", "view", {"advisor", "advisor_of_brussels", "accountant", "administrator"}),
    ("*bank_statement", "import", {"accountant", "administrator"}),
    ("statement_line", "view", {"advisor", "advisor_of_brussels", "accountant", "administrator"}),
    ("statement_line", "decide", {"advisor", "advisor_of_brussels", "administrator"}),
    ("peppol_document", "view", {"advisor", "advisor_of_brussels", "accountant", "administrator"}),
    ("peppol_document", "decide", {"advisor", "advisor_of_brussels", "administrator"}),
]


@dataclass
class World:
    users: dict[str, Any]
    objects: dict[str, Model]
    models: dict[str, type[Model]]


def _identity(first_name: str, last_name: str, birth: date, serial: int) -> Identity:
    return Identity(
        kind="natural",
        first_name=first_name,
        last_name=last_name,
        birth_date=birth,
        national_number=national_number(birth, serial),
        street="Veldstraat 10",
        postal_code="9000",
        city="Gent",
        iban="BE02 3630 0000 0040",
    )


@pytest.fixture
def world(make_user, make_staff, make_member, office: Office, settings, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path
    brussels = Office.objects.create(code="bxl", name="Bruxelles", city="Bruxelles")
    advisor = make_staff("conseil@smartcoop.be", office=office)
    staff = {
        "advisor": advisor,
        "advisor_without_2fa": make_user("sans.2fa@smartcoop.be", role=Role.ADVISOR, is_staff=True, office=office),
        "advisor_of_brussels": make_staff("conseil.bxl@smartcoop.be", office=brussels),
        "accountant": make_staff("compta@smartcoop.be", role=Role.ACCOUNTANT),
        "administrator": make_staff("admin@smartcoop.be", role=Role.ADMINISTRATOR),
    }
    people: dict[str, Member] = {}
    for key, first, last in (("manager", "Amélie", "Dubois"), ("worker", "Wim", "Peeters")):
        people[key] = make_member(first, last)
    people["member"] = make_member("Pieter", "Janssens")
    bruno = make_member("Bruno", "Bruxellois", office=brussels)
    for member in (*people.values(), bruno):
        shares_issue(member=member, quantity=2, on=DAY, key=f"test:{member.pk}:shares", actor=advisor)
        member.refresh_from_db()
    manager, worker = people["manager"], people["worker"]
    musician = Trade.objects.get(code="musician")

    activity = activity_create(name="Studio Dubois", holder=manager, trades=[musician], actor=manager.user)
    activity_add_holder(activity=activity, member=worker, role=HolderRole.WORKER, actor=manager.user)
    elsewhere = activity_create(name="Atelier Bruno", holder=bruno, trades=[musician], actor=bruno.user)
    income = activity_income_record(
        activity=activity, amount=Decimal("900.00"), source="subsidy", memo="Subside", received_on=DAY,
        key="test:income", actor=advisor,
    )  # fmt: skip
    supplies = ExpenseCategory.objects.get(code="supplies")
    claim = expense_claim_create(activity=activity, title="Cordes", actor=worker.user)
    line = expense_line_add(
        claim=claim,
        data=ExpenseLineData(spent_on=DAY, category=supplies, description="Cordes", amount=Decimal("12.10")),
        receipt=SimpleUploadedFile("ticket.pdf", PDF, content_type="application/pdf"),
        actor=worker.user,
    )
    expense_claim_submit(claim=claim, actor=worker.user)
    client = third_party_add(
        activity=activity,
        data=ThirdPartyData(
            kind=ThirdPartyKind.COMPANY, name="Éditions du Perron", street="Rue du Perron 12", postal_code="4000",
            city="Liège", country="BE", language="fr", vat_number="BE0754316243",
        ),
        actor=manager.user,
    )  # fmt: skip
    purchase = purchase_submit(
        activity=activity,
        supplier=client,
        data=PurchaseData(
            supplier_reference="F-1", invoice_date=DAY, due_date=date(2026, 4, 1), category=supplies,
            description="Papier", amount=Decimal("121.00"), vat=Decimal("21.00"), payee=PurchasePayee.SUPPLIER,
        ),
        file=SimpleUploadedFile("facture.pdf", PDF, content_type="application/pdf"),
        actor=manager.user,
    )  # fmt: skip
    transfer = activity_transfer_request(
        source=activity, destination_code=elsewhere.code, kind=TransferKind.SHARE, amount=Decimal("100.00"),
        description="Budget partagé", actor=manager.user,
    )  # fmt: skip
    on_approval = Trade.objects.filter(admission=TradeAdmission.ON_APPROVAL).first()
    assert on_approval is not None
    trade = activity_add_trade(activity=activity, trade=on_approval, actor=manager.user)
    share_request = transfer_request_submit(
        seller=manager, buyer_number=people["member"].number, buyer_name="Janssens", quantity=1, note="",
        actor=manager.user,
    )  # fmt: skip
    applicant = make_user("candidat@example.be")
    application = application_submit(
        actor=applicant,
        data=ApplicationData(
            identity=_identity("Lotte", "Maes", date(1990, 4, 12), 212), trades=("illustrator",),
            shares_requested=1, office=office, accepts_statutes=True, accepts_rules=True, accepts_privacy=True,
        ),
        document=None,
    )  # fmt: skip
    export = register_export_request(at=DAY, actor=staff["accountant"])
    token, _key = api_token_issue(actor=manager.user)
    invoice = invoice_issue(
        invoice=invoice_draft_create(
            issuer=activity_issuer(activity),
            data=InvoiceData(client=client, lines=[
                LineData(description="Concert", quantity=Decimal(1), unit_price=Decimal(500), vat_category="S",
                         vat_rate=Decimal(21)),
            ]),
            actor=manager.user,
        ),
        actor=manager.user,
        on=DAY,
    )  # fmt: skip
    payment = invoice_payment_record(
        invoice=invoice, amount=Decimal("100.00"), paid_on=DAY, key="test:payment", actor=advisor
    )
    statement = BankStatement.objects.create(
        format=StatementFormat.CODA, account_iban="BE36068200000081", statement_id="2026-045", statement_date=DAY,
        opening_balance=Decimal(0), closing_balance=Decimal("20.00"), file_name="045.cod", sha256="0" * 64,
    )  # fmt: skip
    statement_line = BankStatementLine.objects.create(
        statement=statement, sequence=1, booking_date=DAY, amount=Decimal("20.00"), counterparty_name="Inconnu"
    )
    peppol_document = PeppolDocument.objects.create(
        direction=PeppolDirection.OUTBOUND, status=PeppolStatus.FAILED, invoice=invoice
    )

    # Fresh user objects: what the setup learned about them (permissions, two-factor) is not reused.
    users: dict[str, Any] = {key: User.objects.get(pk=user.pk) for key, user in staff.items()}
    users |= {key: User.objects.get(pk=member.user_id) for key, member in people.items()}
    users["applicant"] = User.objects.get(pk=applicant.pk)
    users["anonymous"] = AnonymousUser()
    objects: dict[str, Model] = {
        "member": manager,
        "application": application,
        "share_transfer_request": share_request,
        "share_operation": ShareOperation.objects.filter(member=manager).earliest("number"),
        "register_pdf": export,
        "activity": activity,
        "expense_claim": claim,
        "receipt": line,
        "purchase": purchase,
        "transfer": transfer,
        "client": client,
        "trade": trade,
        "ledger_transaction": income,
        "elsewhere": elsewhere,
        "api_token": token,
        "invoice": invoice,
        "invoice_payment": payment,
        "bank_statement": statement,
        "statement_line": statement_line,
        "peppol_document": peppol_document,
    }
    models: dict[str, type[Model]] = {
        "register_pdf": RegisterExport,
        "share_register": ShareOperation,
        "journal": Transaction,
        "bank_statement": BankStatement,
    }
    return World(users=users, objects=objects, models=models)


def _fresh(obj: Model) -> Model:
    """The object as a page would load it: nothing cached from the setup."""
    return type(obj)._default_manager.get(pk=obj.pk)


def test_every_role_gets_the_tables_answer_on_every_object(world: World) -> None:
    wrong: list[str] = []
    for kind, action, allowed in TABLE:
        for role in ROLES:
            user = world.users[role]
            target = world.models[kind[1:]] if kind.startswith("*") else _fresh(world.objects[kind])
            answer = may(user, action, target)
            if answer != (role in allowed):
                wrong.append(f"{role} {action} {kind}: {'allowed' if answer else 'refused'}")
    assert wrong == []


def test_a_list_shows_exactly_the_objects_the_policy_allows(world: World) -> None:
    wrong: list[str] = []
    for kind, action, allowed in TABLE:
        if kind.startswith("*"):
            continue
        obj = world.objects[kind]
        try:
            visible(world.users["manager"], type(obj), action)
        except ImproperlyConfigured:  # an action asked of one object at a time lists no rows
            continue
        for role in ROLES:
            listed = visible(world.users[role], type(obj), action).filter(pk=obj.pk).exists()
            if listed != (role in allowed):
                wrong.append(f"{role} {action} {kind}: {'listed' if listed else 'not listed'}")
    assert wrong == []


def test_every_action_granted_on_these_models_is_in_the_table(world: World) -> None:
    asked = {(type(world.objects[k]) if not k.startswith("*") else world.models[k[1:]], a) for k, a, _ in TABLE}
    for model in {model for model, _action in asked}:
        for action in granted_actions(model):
            assert (model, action) in asked, f"{model._meta.label} {action} has no row in the table"


# --- the doors give the policy's answer --------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_receipt_opens_on_the_page_for_exactly_who_may_see_it(world: World) -> None:
    line = world.objects["receipt"]
    assert isinstance(line, ExpenseLine)
    for role in ROLES[1:]:
        status = _client(world.users[role]).get(f"/activities/receipts/{line.pk}/").status_code
        assert status == (200 if may(world.users[role], "view", line) else 404), role


def test_page_admin_and_api_agree_on_an_expense_claim(world: World) -> None:
    claim = world.objects["expense_claim"]
    assert isinstance(claim, ExpenseClaim)
    for role in ("worker", "manager", "member", "advisor", "advisor_without_2fa", "advisor_of_brussels"):
        user = world.users[role]
        allowed = may(user, "view", claim)
        assert _api(user).get(f"/api/expense-claims/{claim.pk}/").status_code == (200 if allowed else 404), role
        if user.is_staff:
            admin = _client(user).get(f"/admin/activities/expenseclaim/{claim.pk}/change/")
            # The admin sends staff without two-factor to set it up, and hides what is out of reach.
            assert (admin.status_code == 200) == allowed, role


def test_page_admin_and_api_agree_on_a_member(world: World) -> None:
    member = world.objects["member"]
    assert isinstance(member, Member)
    for role in ("advisor", "advisor_without_2fa", "advisor_of_brussels", "accountant"):
        user = world.users[role]
        allowed = may(user, "view", member)
        admin = _client(user).get(f"/admin/members/member/{member.pk}/change/")
        assert (admin.status_code == 200) == allowed, role
        listed = _api(user).get("/api/members/", {"q": str(member.number)})
        numbers = [row["number"] for row in listed.json().get("results", [])] if listed.status_code == 200 else []
        assert (member.number in numbers) == allowed, role


def test_page_admin_and_api_agree_on_an_invoice(world: World) -> None:
    invoice = world.objects["invoice"]
    assert isinstance(invoice, Invoice)
    for role in ROLES[1:]:
        user = world.users[role]
        allowed = may(user, "view", invoice)
        assert _api(user).get(f"/api/invoices/{invoice.pk}/").status_code == (200 if allowed else 404), role
        listed = [row["id"] for row in _api(user).get("/api/invoices/").json()["results"]]
        assert (invoice.pk in listed) == allowed, role
        if user.is_staff:
            admin = _client(user).get(f"/admin/invoicing/invoice/{invoice.pk}/change/")
            assert (admin.status_code == 200) == allowed, role
        else:
            assert _client(user).get(f"/invoices/{invoice.pk}/").status_code == (200 if allowed else 404), role


def test_the_advisors_desk_and_the_api_list_the_same_activities(world: World) -> None:
    for role in ("advisor", "advisor_of_brussels", "administrator"):
        user = world.users[role]
        codes = {row["code"] for row in _api(user).get("/api/activities/").json()["results"]}
        assert codes == set(visible(user, Activity).values_list("code", flat=True)), role


# --- the doors found open ---------------------------------------------------------------------


def test_an_accountant_without_two_factor_cannot_download_the_journal(make_user) -> None:
    accountant: User = make_user("compta.sans.2fa@smartcoop.be", role=Role.ACCOUNTANT, is_staff=True)
    response = _client(accountant).get(
        "/ledger/journal/", {"date_from": "2026-03-01", "date_to": "2026-03-31", "format": "csv"}
    )
    assert response.status_code == 403
    assert "Content-Disposition" not in response


def test_an_advisor_reads_only_the_ledger_transactions_of_their_offices_activities(world: World) -> None:
    elsewhere = world.objects["elsewhere"]
    assert isinstance(elsewhere, Activity)
    theirs = activity_income_record(
        activity=elsewhere, amount=Decimal("500.00"), source="subsidy", memo="Subside bruxellois",
        received_on=DAY, key="test:income:bxl", actor=world.users["advisor_of_brussels"],
    )  # fmt: skip
    advisor = _client(world.users["advisor"])

    listed = advisor.get("/admin/ledger/transaction/").content.decode()
    assert "test:income" in listed and "Subside bruxellois" not in listed
    assert advisor.get(f"/admin/ledger/transaction/{theirs.pk}/change/").status_code == 302  # "does not exist"
    assert elsewhere.code not in advisor.get("/admin/ledger/analyticaccount/").content.decode()
    # Who sees every office reads both.
    accountant = _client(world.users["accountant"]).get("/admin/ledger/transaction/").content.decode()
    assert "test:income:bxl" in accountant

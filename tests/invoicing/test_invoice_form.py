"""The invoice form of an Activity: a draft written in a few fields, its VAT proposed, its totals live,
every refusal shown on its field with nothing saved, lines added and removed without losing a thing.

Pages are asked through Django's test client on the real database; refusals are read by the field
they sit beside (`id_<field>_error`, the form pattern's ids), and any English text is read under
`translation.override("en")`.
"""

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from activities.models import Activity, ActivityThirdParty, HolderRole, ThirdParty
from activities.services import activity_add_holder
from invoicing.forms import CLIENT_SEARCH_FROM
from invoicing.models import Invoice, InvoiceStatus
from members.models import Member, User
from members.services import shares_issue
from smartcoop.audit.models import AuditEntry
from smartcoop.money import amount_text
from tests.activities.conftest import DAY
from tests.invoicing.conftest import _client, line

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger(make_member, advisor: User) -> Member:
    """An admitted member who holds nothing of the holder's."""
    member: Member = make_member("Bart", "Peeters")
    shares_issue(member=member, quantity=1, on=DAY, key=f"test:{member.pk}:share", actor=advisor)
    member.refresh_from_db()
    return member


@pytest.fixture
def member_client(client: Client, holder: Member) -> Client:
    """The holder, signed in, reading English: the pages' words are then the catalogues' msgids."""
    User.objects.filter(pk=holder.user_id).update(language="en")
    client.force_login(holder.user)
    return client


def new_url(activity: Activity) -> str:
    return reverse("invoicing:create", args=[activity.code])


def posted(client_value: object = "", *lines: dict[str, str], action: str = "save", **fields: str) -> dict[str, Any]:
    """What the invoice form posts: the client, the lines as typed, the other fields, the button pressed."""
    data: dict[str, Any] = {
        "client": str(getattr(client_value, "pk", client_value)),
        "supply_kind": "services",
        "line_count": str(len(lines) or 1),
        "action": action,
        **fields,
    }
    for index, typed in enumerate(lines):
        values = {"quantity": "1", "unit": "C62", "vat": "", **typed}
        data.update({f"lines-{index}-{name}": value for name, value in values.items()})
    return data


def typed_line(description: str = "Concert", price: str = "1000", **fields: str) -> dict[str, str]:
    return {"description": description, "unit_price": price, **fields}


NEW_CLIENT = {
    "client": "new",
    "new_client-kind": "company",
    "new_client-name": "Festival des Arts Urbains ASBL",
    "new_client-street": "Rue de la Loi 16",
    "new_client-postal_code": "1000",
    "new_client-city": "Bruxelles",
    "new_client-country": "BE",
    "new_client-language": "fr",
    "new_client-email": "compta@festival.example.be",
    "new_client-vat_number": "BE0403019261",
    "new_client-payment_terms_days": "30",
}


# --- saving a draft --------------------------------------------------------------------------------------


def test_form_opens_with_one_line_and_the_clients_of_the_activity(member_client, activity, client_be, client_fr):
    with translation.override("en"):
        response = member_client.get(new_url(activity))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="lines-0-description"' in page and 'name="lines-1-description"' not in page
    assert client_be.name in page and client_fr.name in page
    assert 'hx-post="' + reverse("invoicing:totals", args=[activity.code]) in page


def test_a_draft_is_saved_with_a_new_client_added_inline(member_client, activity):
    data = posted("", typed_line("Concert du 21 juin", "1200", quantity="2"), note="Merci !")
    data.update(NEW_CLIENT)
    response = member_client.post(new_url(activity), data)
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("invoicing:invoice", args=[invoice.pk])
    client = ThirdParty.objects.get(name="Festival des Arts Urbains ASBL")
    assert ActivityThirdParty.objects.filter(activity=activity, third_party=client).exists()
    assert invoice.client == client and invoice.status == InvoiceStatus.DRAFT
    assert invoice.total_excl_vat == Decimal("2400.00") and invoice.total_vat == Decimal("504.00")
    assert invoice.note == "Merci !"


def test_a_refused_invoice_keeps_no_new_client_either(member_client, activity):
    data = posted("", typed_line(vat="AE:0.00"))
    data.update({**NEW_CLIENT, "new_client-kind": "person", "new_client-vat_number": ""})
    response = member_client.post(new_url(activity), data)
    assert response.status_code == 400
    assert 'id="id_client_error"' in response.content.decode()
    assert not ThirdParty.objects.filter(name="Festival des Arts Urbains ASBL").exists()
    assert not Invoice.objects.exists()


def test_a_refused_new_client_is_told_on_its_own_field(member_client, activity):
    data = posted("", typed_line())
    data.update({**NEW_CLIENT, "new_client-vat_number": "BE0123456789"})  # fails the check digits
    response = member_client.post(new_url(activity), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_new_client-vat_number_error"' in page
    assert '<details class="new-client" open>' in page
    assert not Invoice.objects.exists() and not ThirdParty.objects.exists()


@pytest.mark.parametrize(
    ("fixture", "supply_kind", "category", "rate"),
    [
        ("client_be", "services", "S", Decimal("21.00")),
        ("client_fr", "services", "AE", Decimal("0.00")),
        ("client_us", "goods", "G", Decimal("0.00")),
        ("client_person", "services", "S", Decimal("21.00")),
    ],
)
def test_vat_as_proposed_follows_the_clients_country_and_status(
    member_client, activity, request, fixture, supply_kind, category, rate
):
    client = request.getfixturevalue(fixture)
    response = member_client.post(new_url(activity), posted(client, typed_line(), supply_kind=supply_kind))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Invoice.objects.get().lines.get()
    assert (saved.vat_category, saved.vat_rate) == (category, rate)


def test_the_proposal_is_said_beside_the_client(member_client, activity, client_fr):
    with translation.override("en"):
        response = member_client.post(
            reverse("invoicing:totals", args=[activity.code]), posted(client_fr, typed_line(), action="refresh")
        )
    page = response.content.decode()
    assert 'id="vat-proposal"' in page and 'hx-swap-oob="true"' in page
    assert "Business in another EU country: reverse charge" in page


def test_a_vat_chosen_on_a_line_wins_over_the_proposal(member_client, activity, client_be):
    lines = (typed_line("Affiches", "100", vat="S:6.00"), typed_line("Concert", "1000"))
    assert member_client.post(new_url(activity), posted(client_be, *lines)).status_code == 302
    saved = {line.description: (line.vat_category, line.vat_rate) for line in Invoice.objects.get().lines.all()}
    assert saved == {"Affiches": ("S", Decimal("6.00")), "Concert": ("S", Decimal("21.00"))}


# --- refusals: shown on their field, nothing saved -----------------------------------------------------


def _nothing_saved() -> bool:
    return not Invoice.objects.exists() and not AuditEntry.objects.filter(action="invoice.draft_saved").exists()


def test_a_zero_total_is_refused_and_nothing_saved(member_client, activity, client_be):
    with translation.override("en"):
        response = member_client.post(new_url(activity), posted(client_be, typed_line(price="0")))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert "The total must be greater than zero." in page
    assert _nothing_saved()


def test_an_unknown_rate_is_refused_beside_its_line(member_client, activity, client_be):
    lines = (typed_line("Concert"), typed_line("Affiches", "50", vat="S:7.00"))
    with translation.override("en"):
        response = member_client.post(new_url(activity), posted(client_be, *lines))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_lines-1-vat_error"' in page and 'id="id_lines-0-vat_error"' not in page
    assert "a VAT rate of 7 % does not exist here" in page
    assert 'href="#id_lines-1-vat"' in page  # the summary leads to the field
    # What was typed comes back as typed.
    assert 'value="Affiches"' in page and '<option value="S:7.00"' not in page
    assert _nothing_saved()


def test_reverse_charge_without_the_clients_vat_number_is_refused_on_the_client(member_client, activity, client_person):
    with translation.override("en"):
        response = member_client.post(new_url(activity), posted(client_person, typed_line(vat="AE:0.00")))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_client_error"' in page
    assert "need the client&#x27;s VAT number" in page
    assert _nothing_saved()


def test_an_exempt_line_needs_its_legal_basis(member_client, activity, client_be):
    response = member_client.post(new_url(activity), posted(client_be, typed_line(vat="E:0.00")))
    assert response.status_code == 400
    assert 'id="id_exemption_basis_error"' in response.content.decode()
    assert _nothing_saved()
    fixed = posted(client_be, typed_line(vat="E:0.00"), exemption_basis="art44-2-8")
    assert member_client.post(new_url(activity), fixed).status_code == 302
    assert Invoice.objects.get().exemption_basis == "art44-2-8"


def test_a_line_without_price_or_a_client_missing_is_refused_by_the_form(member_client, activity):
    response = member_client.post(new_url(activity), posted("", typed_line(price="")))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_client_error"' in page and 'id="id_lines-0-unit_price_error"' in page
    assert _nothing_saved()


def test_a_period_ending_before_it_starts_is_refused(member_client, activity, client_be):
    data = posted(client_be, typed_line(), period_start="2026-03-31", period_end="2026-03-01")
    response = member_client.post(new_url(activity), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_period_end_error"' in page
    assert '<details class="invoice-more" open>' in page  # the refused field is shown, not folded away
    assert _nothing_saved()


# --- lines added and removed ------------------------------------------------------------------------------


def test_adding_a_line_keeps_what_was_typed_and_saves_nothing(member_client, activity, client_be):
    data = posted(client_be, typed_line("Concert", "1000,50", quantity="2"), action="add_line", note="À payer")
    response = member_client.post(new_url(activity), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="lines-1-description"' in page and 'name="line_count" value="2"' in page
    assert 'value="Concert"' in page and 'value="1000,50"' in page and "À payer" in page
    assert f'<option value="{client_be.pk}" selected>' in page
    assert 'class="error-summary"' not in page  # nothing judged yet
    assert not Invoice.objects.exists()


def test_removing_a_line_keeps_the_others(member_client, activity, client_be):
    lines = (typed_line("Concert"), typed_line("Affiches", "50"), typed_line("Transport", "80"))
    data = posted(client_be, *lines, action="")
    data.pop("action")
    data["remove_line"] = "1"
    page = member_client.post(new_url(activity), data).content.decode()
    assert 'value="Concert"' in page and 'value="Transport"' in page and 'value="Affiches"' not in page
    assert 'name="line_count" value="2"' in page
    assert not Invoice.objects.exists()


def test_an_empty_line_is_left_out_and_refusals_name_the_lines_as_shown(member_client, activity, client_be):
    lines = (typed_line("Concert"), {"description": "", "unit_price": ""}, typed_line("Affiches", "50", vat="S:7.00"))
    response = member_client.post(new_url(activity), posted(client_be, *lines))
    assert response.status_code == 400
    page = response.content.decode()
    # The empty second line is gone; the third became the second, and its refusal is said there.
    assert 'id="id_lines-1-vat_error"' in page and 'name="lines-2-description"' not in page
    assert member_client.post(new_url(activity), posted(client_be, lines[0], lines[1])).status_code == 302
    assert Invoice.objects.get().lines.count() == 1


# --- live totals --------------------------------------------------------------------------------------------


def test_live_totals_are_computed_by_the_server_per_vat_group(member_client, activity, client_be):
    lines = (
        typed_line("Concert", "500", quantity="2"),
        typed_line("Affiches", "3,15", quantity="10", vat="S:6.00"),
        typed_line("Reste", "abc"),
    )
    with translation.override("en"):
        response = member_client.post(
            reverse("invoicing:totals", args=[activity.code]), posted(client_be, *lines, action="refresh")
        )
        expected = [amount_text(Decimal(v)) for v in ("1000.00", "31.50", "1031.50", "211.89", "1243.39", "1.89")]
    assert response.status_code == 200
    page = response.content.decode()
    for figure in expected:
        assert figure in page
    assert "Not counted yet: line 3" in page
    assert not Invoice.objects.exists()


def test_the_totals_are_on_the_page_without_script_too(member_client, activity, client_be):
    data = posted(client_be, typed_line("Concert", "500", quantity="2"), action="refresh")
    with translation.override("en"):
        page = member_client.post(new_url(activity), data).content.decode()
        assert f'id="total-incl">{amount_text(Decimal("1210.00"))}<' in page


# --- clients searched, drafts edited, who may write ---------------------------------------------------


def test_many_clients_are_searched_by_name_or_vat_number(member_client, activity, holder, client_be):
    for n in range(CLIENT_SEARCH_FROM):
        _client(activity, holder, kind="person", name=f"Client numéro {n:02d}", city="Namur", postal_code="5000")
    url = reverse("invoicing:client_options", args=[activity.code])
    page = member_client.get(url, {"client_query": "0403.019", "client": ""}).content.decode()
    assert client_be.name in page and "Client numéro" not in page
    page = member_client.get(url, {"client_query": "numéro 07", "client": str(client_be.pk)}).content.decode()
    assert "Client numéro 07" in page and "Client numéro 08" not in page
    assert client_be.name in page  # the client chosen stays in the list
    form_page = member_client.get(new_url(activity)).content.decode()
    assert 'name="client_query"' in form_page


def test_a_draft_is_edited_with_its_lines_as_saved(member_client, activity, holder, client_be, make_invoice):
    draft = make_invoice(client_be, line("Concert", "2", "500.5"), issue=False)
    edit = reverse("invoicing:edit", args=[draft.pk])
    page = member_client.get(edit).content.decode()
    assert 'value="Concert"' in page and 'value="2"' in page and 'value="500.5"' in page
    # As a French reader types it back: a decimal comma, no trailing zeros.
    User.objects.filter(pk=holder.user_id).update(language="fr")
    assert 'value="500,5"' in member_client.get(edit).content.decode()
    data = posted(client_be, typed_line("Concert", "600"), typed_line("Affiches", "40", vat="S:6.00"))
    assert member_client.post(edit, data).status_code == 302
    draft.refresh_from_db()
    assert draft.total_excl_vat == Decimal("640.00") and draft.lines.count() == 2


def test_an_issued_invoice_is_not_edited(member_client, activity, client_be, make_invoice):
    invoice = make_invoice(client_be)
    response = member_client.get(reverse("invoicing:edit", args=[invoice.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("invoicing:invoice", args=[invoice.pk])


def test_only_managers_and_co_holders_invoice(client: Client, activity, holder, stranger, make_member, advisor):
    client.force_login(stranger.user)
    assert client.get(new_url(activity)).status_code == 404
    activity_add_holder(activity=activity, member=stranger, role=HolderRole.WORKER, actor=holder.user)
    assert client.get(new_url(activity)).status_code == 404  # a worker claims expenses, never invoices
    assert client.post(reverse("invoicing:totals", args=[activity.code]), {}).status_code == 404
    co_holder = make_member("Chloé", "Lambert")
    shares_issue(member=co_holder, quantity=1, on=DAY, key="test:co-holder:share", actor=advisor)
    co_holder.refresh_from_db()
    activity_add_holder(activity=activity, member=co_holder, role=HolderRole.HOLDER, actor=holder.user)
    client.force_login(co_holder.user)
    assert client.get(new_url(activity)).status_code == 200

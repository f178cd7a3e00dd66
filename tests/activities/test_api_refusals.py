"""Answers `make fuzz` found differing from what the API schema says (see smartcoop.api_schema)."""

import pytest
from rest_framework.test import APIClient

from activities.models import ThirdParty
from members.models import Member
from tests.activities.conftest import MakeActivity

CLIENT = {
    "kind": "person",
    "name": "Atelier Dubois",
    "street": "Rue Haute 12",
    "postal_code": "1000",
    "city": "Bruxelles",
    "language": "fr",
}


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.mark.parametrize("country", ["\u00e9\u00e9", "\u0392\u0395", "B1"])
def test_a_client_country_is_two_latin_letters(
    api: APIClient, make_activity: MakeActivity, holder: Member, country: str
) -> None:
    activity = make_activity()
    api.force_authenticate(holder.user)
    refused = api.post(f"/api/activities/{activity.code}/clients/", {**CLIENT, "country": country}, format="json")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"country"}
    assert not ThirdParty.objects.exists()
    accepted = api.post(f"/api/activities/{activity.code}/clients/", {**CLIENT, "country": " fr "}, format="json")
    assert accepted.status_code == 201 and accepted.json()["country"] == "FR"


@pytest.mark.parametrize("parameter", ["page", "page_size"])
def test_an_empty_page_parameter_is_refused_not_read_as_the_default(
    api: APIClient, make_activity: MakeActivity, holder: Member, parameter: str
) -> None:
    make_activity()
    api.force_authenticate(holder.user)
    refused = api.get(f"/api/activities/?{parameter}=")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {parameter}
    assert api.get("/api/activities/").status_code == 200


def test_an_empty_movement_limit_is_refused_and_an_empty_cursor_is_the_newest_page(
    api: APIClient, make_activity: MakeActivity, holder: Member
) -> None:
    activity = make_activity()
    api.force_authenticate(holder.user)
    refused = api.get(f"/api/activities/{activity.code}/movements/?limit=")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"limit"}
    assert api.get(f"/api/activities/{activity.code}/movements/?before=").status_code == 200


def test_a_form_field_holding_only_invisible_characters_is_refused_not_replaced_by_its_default(
    api: APIClient, make_activity: MakeActivity, holder: Member
) -> None:
    activity = make_activity()
    api.force_authenticate(holder.user)
    url = f"/api/activities/{activity.code}/clients/"
    refused = api.post(url, {**CLIENT, "country": "\u200b\u009b"}, format="multipart")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"country"}
    # Left empty, the field is not given: the default country applies, as before.
    assert api.post(url, {**CLIENT, "country": ""}, format="multipart").json()["country"] == "BE"


def test_text_longer_than_its_limit_as_sent_is_refused_even_when_mostly_invisible(
    api: APIClient, make_activity: MakeActivity, holder: Member
) -> None:
    activity = make_activity()
    api.force_authenticate(holder.user)
    url = f"/api/activities/{activity.code}/expense-claims/"
    refused = api.post(url, {"title": "Tournée" + "\u200b" * 200}, format="json")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"title"}
    assert api.post(url, {"title": "Tournée\u200b"}, format="json").json()["title"] == "Tournée"

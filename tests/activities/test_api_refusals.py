"""Refusals `make fuzz` found the API answering differently from what its schema says (see smartcoop.api_schema)."""

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

"""The API base: schema and docs, token and session authentication, one error format, pagination."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from members.models import Office, User
from tests.conftest import PASSWORD


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_openapi_schema_is_served(client: Client, db: None) -> None:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/me/" in schema["paths"]
    assert "/api/offices/" in schema["paths"]


def test_api_docs_use_no_external_cdn(client: Client, db: None) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
    assert external == []


def test_anonymous_request_gets_error_in_the_one_format_and_in_french(api: APIClient, db: None) -> None:
    response = api.get("/api/me/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code in {401, 403}
    body = response.json()
    assert set(body) == {"message", "fields"}
    assert body["fields"] == {}
    assert "authentification" in body["message"].lower()


def test_error_message_follows_the_request_language(api: APIClient, db: None) -> None:
    body = api.get("/api/me/", HTTP_ACCEPT_LANGUAGE="nl").json()
    assert "authenticatie" in body["message"].lower() or "aanmeld" in body["message"].lower()


def test_token_request_with_missing_fields_names_each_field(api: APIClient, db: None) -> None:
    response = api.post("/api/token/", {"email": "not-an-email"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert set(body["fields"]) == {"email", "password"}
    assert body["message"]


def test_wrong_password_gets_no_token(api: APIClient, member: User) -> None:
    response = api.post("/api/token/", {"email": member.email, "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {}
    assert "token" not in response.json()


def test_token_authentication_reads_my_profile(api: APIClient, member: User) -> None:
    token = api.post("/api/token/", {"email": member.email, "password": PASSWORD}, format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/me/")
    assert response.status_code == 200
    assert response.json() == {
        "id": member.pk,
        "email": member.email,
        "full_name": "",
        "language": "fr",
        "roles": ["member"],
    }


def test_session_authentication_works_too(client: Client, member: User) -> None:
    client.force_login(member)
    assert client.get("/api/me/").json()["email"] == member.email


def test_lists_are_paginated_by_default_in_few_queries(
    api: APIClient, member: User, django_assert_max_num_queries
) -> None:
    Office.objects.bulk_create(Office(code=f"office-{i:03}", name=f"Office {i:03}", city="Namur") for i in range(120))
    api.force_authenticate(member)
    with django_assert_max_num_queries(3):
        response = api.get("/api/offices/")
    body = response.json()
    assert body["count"] == 120
    assert len(body["results"]) == 50
    assert body["next"]
    assert len(api.get("/api/offices/", {"page_size": 500}).json()["results"]) == 120

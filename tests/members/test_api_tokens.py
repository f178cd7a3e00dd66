"""API tokens end with the password, at expiry or when their owner revokes them; only their owner sees them."""

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from members.models import ApiToken, Role, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-new-long-passphrase-42"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def obtain(user: User, password: str = PASSWORD) -> dict[str, Any]:
    response = APIClient().post("/api/token/", {"email": user.email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def opens_the_api(key: str) -> bool:
    response = APIClient().get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code in {200, 401, 403}, response.content
    return response.status_code == 200


def test_api_token_ends_when_the_password_is_reset(client: Client, member: User) -> None:
    key = obtain(member)["token"]
    client.post(reverse("account_reset_password"), {"email": member.email})
    link = re.search(r"https?://[^\s]+(/accounts/password/reset/key/[^\s]+)", str(mail.outbox[-1].body))
    assert link
    form_url = client.get(link.group(1))["Location"]
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)

    assert not opens_the_api(key)
    assert opens_the_api(obtain(member, NEW_PASSWORD)["token"]), "a token asked for afterwards works"


def test_api_token_ends_when_the_password_is_changed(client: Client, member: User) -> None:
    key = obtain(member)["token"]
    client.force_login(member)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert not opens_the_api(key)


def test_api_token_ends_when_an_administrator_sets_a_new_password(client: Client, member: User, make_staff) -> None:
    key = obtain(member)["token"]
    client.force_login(make_staff("admin@example.be", role=Role.ADMINISTRATOR, is_superuser=True))
    response = client.post(
        f"/admin/members/user/{member.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert not opens_the_api(key)


def test_api_token_ends_with_any_new_password_even_one_set_in_code(member: User) -> None:
    key = obtain(member)["token"]
    member.set_password(NEW_PASSWORD)
    member.save()
    assert not opens_the_api(key)


def test_each_request_issues_a_new_token_and_the_earlier_ones_keep_working(member: User) -> None:
    first, second = obtain(member), obtain(member)
    assert first["token"] != second["token"]
    assert first["id"] != second["id"]
    assert opens_the_api(first["token"]) and opens_the_api(second["token"])


def test_only_a_digest_of_the_key_is_stored(member: User) -> None:
    key = obtain(member)["token"]
    stored = ApiToken.objects.get(user=member)
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    assert not any(key in str(value) for value in stored.__dict__.values())


def test_an_expired_api_token_is_refused(api: APIClient, member: User) -> None:
    body = obtain(member)
    ApiToken.objects.filter(pk=body["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.get("/api/me/", HTTP_AUTHORIZATION=f"Token {body['token']}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()) == {"message", "fields"}


@override_settings(API_TOKEN_LIFETIME_DAYS=7)
def test_a_token_lives_as_many_days_as_the_setting_says(member: User) -> None:
    before = timezone.now()
    body = obtain(member)
    expires_at = ApiToken.objects.get(pk=body["id"]).expires_at
    assert before + timedelta(days=7) <= expires_at <= timezone.now() + timedelta(days=7)


def test_owner_lists_their_tokens_without_their_keys(api: APIClient, member: User, make_user) -> None:
    first, second = obtain(member), obtain(member)
    obtain(make_user("bert@example.be"))
    api.credentials(HTTP_AUTHORIZATION=f"Token {second['token']}")
    response = api.get("/api/tokens/")
    assert response.status_code == 200
    listed = response.json()["results"]
    assert [row["id"] for row in listed] == [second["id"], first["id"]]
    assert [row["current"] for row in listed] == [True, False]
    assert listed[1]["hint"] == first["token"][:6]
    assert first["token"] not in response.content.decode()
    assert second["token"] not in response.content.decode()


def test_owner_revokes_a_token_and_it_stops_working(api: APIClient, member: User) -> None:
    lost, kept = obtain(member), obtain(member)
    api.credentials(HTTP_AUTHORIZATION=f"Token {kept['token']}")
    assert api.delete(f"/api/tokens/{lost['id']}/").status_code == 204
    assert not opens_the_api(lost["token"])
    assert opens_the_api(kept["token"])
    assert [row["id"] for row in api.get("/api/tokens/").json()["results"]] == [kept["id"]]


def test_another_user_cannot_revoke_someone_elses_token(api: APIClient, member: User, make_user) -> None:
    theirs = obtain(member)
    intruder = obtain(make_user("bert@example.be"))
    api.credentials(HTTP_AUTHORIZATION=f"Token {intruder['token']}")
    response = api.delete(f"/api/tokens/{theirs['id']}/")
    assert response.status_code == 404
    assert set(response.json()) == {"message", "fields"}
    assert opens_the_api(theirs["token"])


def test_tokens_that_ended_are_not_listed(api: APIClient, member: User) -> None:
    expired = obtain(member)
    ApiToken.objects.filter(pk=expired["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    api.force_authenticate(member)
    assert api.get("/api/tokens/").json()["results"] == []


def test_the_schema_documents_obtaining_listing_and_revoking_tokens(client: Client, db: None) -> None:
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {"200", "400", "429"} <= set(paths["/api/token/"]["post"]["responses"])
    assert "get" in paths["/api/tokens/"]
    assert {"204", "404"} <= set(paths["/api/tokens/{id}/"]["delete"]["responses"])


def test_owner_sees_and_revokes_their_tokens_on_the_account_page(client: Client, member: User) -> None:
    body = obtain(member)
    client.force_login(member)
    page = client.get(reverse("members:api_tokens")).content.decode()
    assert body["token"][:6] in page
    assert body["token"] not in page
    client.post(reverse("members:api_token_revoke", args=[body["id"]]))
    assert not opens_the_api(body["token"])


def test_the_account_page_revokes_no_one_elses_token(client: Client, member: User, make_user) -> None:
    theirs = obtain(member)
    client.force_login(make_user("bert@example.be"))
    assert theirs["token"][:6] not in client.get(reverse("members:api_tokens")).content.decode()
    client.post(reverse("members:api_token_revoke", args=[theirs["id"]]))
    assert opens_the_api(theirs["token"])

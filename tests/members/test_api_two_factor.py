"""An API token is no way around two-factor: staff give their authenticator's code, once."""

import time
from typing import Any

import pytest
from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from rest_framework.test import APIClient

from members.models import ApiToken, Office, Role, User
from members.tokens import api_token_issue
from tests.conftest import PASSWORD

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the secret make_staff activates
TOKEN = "/api/token/"


def current_code() -> str:
    """The authenticator app's code now, never one about to expire before the server checks it."""
    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 2:
        time.sleep(left + 0.05)
    return str(format_hotp_value(hotp_value(SECRET, int(time.time()) // period)))


def another_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**app_settings.TOTP_DIGITS:0{app_settings.TOTP_DIGITS}d}"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("sophie@example.be", office=office)
    return user


def _ask(api: APIClient, user: User, **extra: str) -> tuple[int, dict[str, Any]]:
    response = api.post(TOKEN, {"email": user.email, "password": PASSWORD, **extra}, format="json")
    return response.status_code, response.json()


def test_a_member_without_two_factor_gets_a_token_with_email_and_password(api: APIClient, member: User) -> None:
    status, body = _ask(api, member)
    assert status == 200
    # Only a digest of the key is stored now, so the answer is matched to its row by id.
    assert body["id"] == ApiToken.objects.get(user=member).pk
    assert body["token"]


@pytest.mark.parametrize("code", ["", "wrong"])
def test_staff_with_an_authenticator_get_no_token_without_its_code(api: APIClient, advisor: User, code: str) -> None:
    given = another_code(current_code()) if code == "wrong" else ""
    status, body = _ask(api, advisor, code=given)
    assert status == 400
    assert list(body["fields"]) == ["code"]
    assert "token" not in body
    assert not ApiToken.objects.filter(user=advisor).exists()


def test_staff_with_the_current_code_get_a_token_that_lists_their_members(api: APIClient, advisor: User) -> None:
    status, body = _ask(api, advisor, code=current_code())
    assert status == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api.get("/api/members/").status_code == 200


def test_a_code_opens_one_token_request_only(api: APIClient, advisor: User) -> None:
    code = current_code()
    assert _ask(api, advisor, code=code)[0] == 200
    status, body = _ask(api, advisor, code=code)  # replayed, e.g. by someone who saw it typed
    assert status == 400
    assert list(body["fields"]) == ["code"]


def test_a_member_who_turned_two_factor_on_needs_the_code_too(api: APIClient, member: User) -> None:
    TOTP.activate(member, SECRET)
    assert _ask(api, member)[0] == 400
    assert _ask(api, member, code=current_code())[0] == 200


def test_a_wrong_password_with_a_right_code_gets_no_token(api: APIClient, advisor: User) -> None:
    response = api.post(TOKEN, {"email": advisor.email, "password": "wrong", "code": current_code()}, format="json")
    assert response.status_code == 400
    assert not ApiToken.objects.filter(user=advisor).exists()


def test_staff_without_two_factor_get_no_token(api: APIClient, make_user, office: Office) -> None:
    staff: User = make_user("nomfa@example.be", is_staff=True, office=office)
    status, body = _ask(api, staff)
    assert status == 403
    assert set(body) == {"message", "fields"}
    assert not ApiToken.objects.filter(user=staff).exists()


def test_a_token_of_staff_without_two_factor_reads_no_member(api: APIClient, make_user, office: Office) -> None:
    # A token made before two-factor was required (or by hand) must not be a way in either.
    staff: User = make_user("nomfa@example.be", role=Role.ADVISOR, is_staff=True, office=office)
    _token, key = api_token_issue(actor=staff)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/members/")
    assert response.status_code == 403
    assert set(response.json()) == {"message", "fields"}

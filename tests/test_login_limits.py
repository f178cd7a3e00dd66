"""Guessing passwords and codes is slow everywhere: the login form and the API spend one allowance.

Failures are counted per account first (5 in 5 minutes), per address with a far higher ceiling
(100 in 5 minutes), and the address is the connection's unless a trusted proxy forwarded it.
"""

import time
from itertools import count

import pytest
from allauth.account.adapter import get_adapter
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle

from members.models import ApiToken, Office, User
from tests.conftest import PASSWORD

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the secret make_staff activates
_addresses = count(1)


def another_address() -> str:
    n = next(_addresses)
    return f"203.0.{n // 250}.{n % 250 + 1}"


def ask_token(user: User, password: str = PASSWORD, **extra: str) -> tuple[int, dict[str, str]]:
    """One request as if from a new machine each time: a forged X-Forwarded-For, as an attacker would send."""
    response = APIClient().post(
        "/api/token/",
        {"email": user.email, "password": password, **extra},
        format="json",
        HTTP_X_FORWARDED_FOR=another_address(),
        HTTP_ACCEPT_LANGUAGE=user.language,
    )
    return response.status_code, response.json()


def login_form(client: Client, email: str, password: str = PASSWORD) -> None:
    client.post(reverse("account_login"), {"login": email, "password": password})


def current_code() -> str:
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 2:
        time.sleep(left + 0.05)
    return str(format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // period)))


def wrong_code() -> str:
    return f"{(int(current_code()) + 1) % 10**mfa_settings.TOTP_DIGITS:0{mfa_settings.TOTP_DIGITS}d}"


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("sophie@example.be", office=office)
    return user


def test_api_refuses_even_the_right_password_after_thirty_wrong_ones_from_changing_addresses(make_user) -> None:
    member: User = make_user("pieter@example.be", language="nl")
    statuses = {ask_token(member, "wrong-password")[0] for _ in range(30)}
    assert statuses == {400, 429}

    status, body = ask_token(member)
    assert status == 429
    assert set(body) == {"message", "fields"}
    assert "inlogpogingen" in body["message"], "in the member's language"
    assert not ApiToken.objects.filter(user=member).exists()


def test_wrong_authenticator_codes_on_the_api_are_throttled(advisor: User) -> None:
    statuses = [ask_token(advisor, code=wrong_code())[0] for _ in range(25)]
    assert statuses[:5] == [400] * 5
    assert set(statuses[5:]) == {429}
    assert ask_token(advisor, code=current_code())[0] == 429, "even the right code, for now"
    assert not ApiToken.objects.filter(user=advisor).exists()


def test_failures_on_the_login_form_count_against_the_api_too(client: Client, member: User) -> None:
    for _ in range(5):
        login_form(client, member.email, "wrong-password")
    assert ask_token(member)[0] == 429


def test_a_right_password_on_the_api_spends_nothing_of_the_allowance(member: User) -> None:
    for _ in range(10):
        assert ask_token(member)[0] == 200
    assert ask_token(member, "wrong-password")[0] == 400


def test_five_failed_logins_on_one_account_do_not_lock_another_behind_the_same_address(
    client: Client, member: User, make_user
) -> None:
    colleague: User = make_user("bert@example.be")
    for _ in range(5):
        login_form(client, member.email, "wrong-password")
    login_form(client, colleague.email)
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_five_failed_tokens_for_one_account_do_not_lock_another_on_the_api(member: User, make_user) -> None:
    colleague: User = make_user("bert@example.be")
    api = APIClient()  # one address, as an office behind one router
    for _ in range(5):
        api.post("/api/token/", {"email": member.email, "password": "wrong-password"}, format="json")
    response = api.post("/api/token/", {"email": colleague.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_one_address_guessing_across_many_accounts_is_stopped_at_the_ceiling(make_user) -> None:
    # Every sign-in attempt also counts against a flood limit (30 a minute per address, as on the
    # form); it is lifted here so that the ceiling on failures shows on its own.
    flood_lifted = {**settings.ACCOUNT_RATE_LIMITS, "login": "1000/m/ip"}
    with override_settings(ACCOUNT_RATE_LIMITS=flood_lifted):
        _guess_across_accounts(make_user)


def _guess_across_accounts(make_user) -> None:
    api = APIClient()
    accounts = [make_user(f"person{n}@example.be") for n in range(21)]
    for account in accounts[:20]:  # 5 guesses each: every account's own allowance, 100 in all
        for _ in range(5):
            response = api.post("/api/token/", {"email": account.email, "password": "wrong"}, format="json")
            assert response.status_code == 400
    response = api.post("/api/token/", {"email": accounts[20].email, "password": PASSWORD}, format="json")
    assert response.status_code == 429
    elsewhere = APIClient(REMOTE_ADDR="198.51.100.7")
    response = elsewhere.post("/api/token/", {"email": accounts[20].email, "password": PASSWORD}, format="json")
    assert response.status_code == 200, "another address is not concerned"


def test_forwarded_addresses_are_ignored_when_no_proxy_is_configured() -> None:
    django_request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert get_adapter(django_request).get_client_ip(django_request) == "192.0.2.10"
    assert BaseThrottle().get_ident(Request(django_request)) == "192.0.2.10"

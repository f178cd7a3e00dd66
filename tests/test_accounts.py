"""Accounts: sign-up with e-mail verification, password reset, throttled logins, staff two-factor."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from members.models import Role, User
from tests.conftest import PASSWORD

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def link_in_last_mail(path_part: str) -> str:
    match = re.search(rf"https?://[^\s]+({path_part}[^\s]+)", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return str(match.group(1))


def current_totp_code() -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return str(format_hotp_value(hotp_value(TOTP_SECRET, counter)))


def login(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_the_four_roles_exist_as_groups(db: None) -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_sign_up_needs_a_confirmed_email_before_login(client: Client, db: None) -> None:
    client.cookies["django_language"] = "nl"
    response = client.post(
        reverse("account_signup"), {"email": "pieter@example.be", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="pieter@example.be")
    assert user.has_role(Role.MEMBER)
    assert user.language == "nl", "the account keeps the language it signed up in"
    assert len(mail.outbox) == 1

    client.logout()
    refused = login(client, "pieter@example.be")
    assert "_auth_user_id" not in client.session
    assert refused.status_code == 302 and "confirm-email" in refused["Location"]

    confirm = link_in_last_mail("/accounts/confirm-email/")
    client.post(confirm)
    assert EmailAddress.objects.get(user=user).verified
    response = login(client, "pieter@example.be")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("members:dashboard")).status_code == 200


def test_sign_up_with_a_taken_email_creates_nothing_and_tells_only_the_owner(client: Client, member: User) -> None:
    # The page answers as for a new address, so nobody can probe who is a member; the owner
    # of the address is told by e-mail instead.
    client.post(reverse("account_signup"), {"email": member.email, "password1": PASSWORD, "password2": PASSWORD})
    assert User.objects.filter(email=member.email).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]
    member.refresh_from_db()
    assert member.check_password(PASSWORD), "the existing account is untouched"


def test_password_reset_by_email_link(client: Client, member: User) -> None:
    client.post(reverse("account_reset_password"), {"email": member.email})
    assert len(mail.outbox) == 1
    reset_url = link_in_last_mail("/accounts/password/reset/key/")
    form_url = client.get(reset_url)["Location"]  # allauth moves the key out of the URL first
    new_password = "a-new-long-passphrase-42"
    client.post(form_url, {"password1": new_password, "password2": new_password})
    member.refresh_from_db()
    assert member.check_password(new_password)


def test_repeated_failed_logins_are_slowed_down(client: Client, member: User) -> None:
    for _ in range(5):
        response = login(client, member.email, "wrong-password")
        assert response.status_code == 200
    blocked = login(client, member.email)  # even the right password, for now
    assert "_auth_user_id" not in client.session
    assert blocked.status_code in {200, 429}


def test_member_is_sent_away_from_the_admin(client: Client, member: User) -> None:
    client.force_login(member)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("members:dashboard")


def test_staff_without_two_factor_must_set_it_up_before_the_admin(client: Client, make_user) -> None:
    advisor = make_user("sophie@example.be", role=Role.ADVISOR, is_staff=True)
    login(client, advisor.email)
    assert client.session["_auth_user_id"] == str(advisor.pk)
    response = client.get("/admin/", follow=True)
    visited = [url for url, _status in response.redirect_chain]
    assert reverse("mfa_activate_totp") in visited
    assert client.get("/admin/members/user/").status_code == 302


def test_staff_with_totp_enters_the_admin_after_the_code(client: Client, make_user) -> None:
    advisor = make_user("sophie@example.be", role=Role.ADVISOR, is_staff=True, is_superuser=True)
    TOTP.activate(advisor, TOTP_SECRET)

    response = login(client, advisor.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session, "the password alone must not open a session"

    client.post(reverse("mfa_authenticate"), {"code": current_totp_code()})
    assert client.session["_auth_user_id"] == str(advisor.pk)
    assert client.get("/admin/").status_code == 200


def test_anonymous_admin_visit_goes_to_the_throttled_login(client: Client, db: None) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_login_page_speaks_the_chosen_language(client: Client, db: None, language: str) -> None:
    client.cookies["django_language"] = language
    html = client.get(reverse("account_login")).content.decode()
    assert f'<html lang="{language}">' in html

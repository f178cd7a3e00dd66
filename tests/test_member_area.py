"""The Espace membre shell: login required, French first, Dutch and English, no external resources."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from members.models import User

EXTERNAL = re.compile(r"""(?:src|href|action)=["'](?:https?:)?//""")


def test_member_pages_ask_anonymous_visitors_to_log_in(client: Client, db: None) -> None:
    # The root is the visitors' home page (tests/members/test_home_and_dashboard.py); the rest is behind login.
    response = client.get(reverse("members:membership"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_dashboard_speaks_french_first(client: Client, member: User, django_assert_max_num_queries) -> None:
    client.force_login(member)
    # 10: the latest notifications on the page and the unread count in the menu are one query each.
    with django_assert_max_num_queries(10):
        html = client.get(reverse("members:dashboard")).content.decode()
    assert '<html lang="fr">' in html
    assert "Tableau de bord" in html
    assert member.email in html
    assert "Vous n'êtes pas encore membre." in html, "the membership is stated in French"


@pytest.mark.parametrize(
    ("language", "phrase"), [("nl", "Ledenruimte"), ("en", "Member area"), ("fr", "Espace membre")]
)
def test_switching_language_translates_the_page_and_is_remembered(
    client: Client, member: User, language: str, phrase: str
) -> None:
    client.force_login(member)
    response = client.post(reverse("members:set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == language
    html = client.get("/").content.decode()
    assert f'<html lang="{language}">' in html
    assert phrase in html


def test_saved_language_wins_over_the_browser(client: Client, make_user) -> None:
    pieter = make_user("pieter@example.be", language="nl")
    client.force_login(pieter)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="nl">' in html


def test_unknown_language_changes_nothing(client: Client, member: User) -> None:
    client.force_login(member)
    client.post(reverse("members:set_language"), {"language": "xx", "next": "/"})
    member.refresh_from_db()
    assert member.language == "fr"


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/accounts/signup/", "/accounts/2fa/"])
def test_pages_load_nothing_from_another_site(client: Client, member: User, url: str) -> None:
    if url in {"/", "/accounts/2fa/"}:
        client.force_login(member)
    html = client.get(url).content.decode()
    assert EXTERNAL.findall(html) == []
    assert 'name="viewport"' in html
    assert 'id="main"' in html


def test_static_files_are_served_by_the_application(client: Client, db: None) -> None:
    response = client.get("/static/smartcoop/app.css")
    assert response.status_code == 200
    htmx = client.get("/static/django_htmx/htmx-2.min.js")
    assert htmx.status_code == 200

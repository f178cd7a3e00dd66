"""The door for newcomers and the dashboard that greets the member.

A visitor at `/` reads what the cooperative is and what joining costs, with the figures of the
cooperative's own settings; a signed-in user at `/` gets their dashboard, greeted by name (never by
e-mail address), told their membership once and without contradiction, with each of their
Activities and the money it may spend, in a number of queries that does not grow with them. The
e-mails allauth sends greet with the cooperative's name, in the language of the account.
"""

import re
from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import Activity, HolderRole, Trade
from activities.services import activity_add_holder, activity_create, activity_income_record
from members.models import Member, Office, Role, User
from members.services import shares_issue
from smartcoop.models import CooperativeEntity
from tests.conftest import PASSWORD

NBSP = "\xa0"
DAY = date(2026, 3, 2)
_keys = count(1)


def _text(html: str) -> str:
    # Amounts are grouped with a no-break space in French; the tests read them with a plain one.
    return html.replace(NBSP, " ").replace("&nbsp;", " ")


def _h1(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found, "the page has a heading"
    return found.group(1).strip()


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("advisor@smartcoop.be", role=Role.ADVISOR, office=office)
    return user


@pytest.fixture
def admitted(make_member, advisor: User) -> Member:
    """A member whose share is paid."""
    member: Member = make_member("Amélie", "Dubois")
    shares_issue(member=member, quantity=1, on=DAY, key=f"test:dashboard:{member.pk}", actor=advisor)
    member.refresh_from_db()
    return member


# --- the visitor's home page ------------------------------------------------------------------


def test_visitor_reads_what_joining_costs_from_the_cooperatives_own_share_price(
    client: Client, cooperative: CooperativeEntity
) -> None:
    cooperative.share_nominal_value = Decimal("25.00")
    cooperative.save(update_fields=["share_nominal_value"])

    response = client.get("/")

    assert response.status_code == 200
    assert response.templates[0].name == "members/home.html"
    text = _text(response.content.decode())
    assert "25,00 EUR" in text, "the price is the entity's, not a fixed text"
    assert "30,00 EUR" not in text
    assert "6,5 %" in text, "the contribution on turnover is the entity's rate"


def test_visitor_is_told_the_salary_term_the_payroll_settings_hold(
    client: Client, cooperative: CooperativeEntity
) -> None:
    cooperative.salary_payment_term.days = 10
    cooperative.salary_payment_term.save(update_fields=["days"])

    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "at the latest 10 days after the end of the work" in html


def test_visitor_finds_the_doors_to_apply_and_to_log_in(client: Client, cooperative: CooperativeEntity) -> None:
    html = client.get("/").content.decode()

    apply_link = f'href="{reverse("account_signup")}?next=%2Fmembership%2Fapply%2F"'
    assert apply_link in html, "applying starts with an account, then the application"
    assert f'href="{reverse("account_login")}"' in html
    assert reverse("members:apply") == "/membership/apply/"


def test_home_page_still_opens_before_the_cooperative_is_configured(client: Client, db: None) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert f'href="{reverse("account_login")}"' in response.content.decode()


def test_signed_in_user_at_the_root_gets_the_dashboard(client: Client, member: User) -> None:
    client.force_login(member)

    response = client.get("/")

    assert response.status_code == 200
    assert "members/dashboard.html" in [t.name for t in response.templates]


# --- the greeting and the membership card -----------------------------------------------------


def test_member_is_greeted_by_first_name_never_by_email(client: Client, make_member) -> None:
    applicant: Member = make_member("Amélie", "Dubois")
    assert applicant.user.first_name == "", "the account itself was given no name"
    client.force_login(applicant.user)

    heading = _h1(client.get("/").content.decode())

    assert "Amélie" in heading
    assert applicant.user.email not in heading


def test_account_first_name_wins_over_the_register(client: Client, make_member) -> None:
    applicant: Member = make_member("Amélie", "Dubois")
    applicant.user.first_name = "Amé"
    applicant.user.save(update_fields=["first_name"])
    client.force_login(applicant.user)

    assert "Amé" in _h1(client.get("/").content.decode())


def test_account_without_a_name_is_greeted_without_its_email(client: Client, member: User) -> None:
    client.force_login(member)

    heading = _h1(client.get("/").content.decode())

    assert member.email not in heading
    assert "@" not in heading


def test_signed_up_account_is_not_called_a_member_beside_not_a_member_yet(client: Client, member: User) -> None:
    # Every account is in the `member` group from sign-up: that opens the Espace membre, it is no
    # membership. The page states the membership once, from the register.
    client.force_login(member)

    html = client.get("/").content.decode()

    assert "<dd>Membre</dd>" not in html
    assert "Vous n'êtes pas encore membre." in html


def test_staff_roles_are_still_named_in_the_readers_language(client: Client, make_user) -> None:
    advisor = make_user("sophie@example.be", role=Role.ADVISOR)
    client.force_login(advisor)

    html = client.get("/").content.decode()

    assert "<dd>Conseiller·ère</dd>" in html, "the advisor's role is named in French"


def test_admitted_member_reads_their_member_number_and_a_link_to_my_shares(client: Client, admitted: Member) -> None:
    client.force_login(admitted.user)

    html = client.get("/").content.decode()

    assert f"{admitted.number}" in html
    assert f'href="{reverse("members:shares")}"' in html, "the dashboard leads to My shares"
    assert "<dd>Membre</dd>" not in html


def test_former_member_is_told_they_left_not_that_they_are_not_a_member_yet(client: Client, make_member) -> None:
    former: Member = make_member("Bart", "Peeters", status="former", left_on=date(2026, 2, 27))
    client.force_login(former.user)

    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "27/02/2026" in html
    assert reverse("members:membership") in html


# --- the member's Activities on the dashboard --------------------------------------------------


def _activity(holder: Member, name: str, funds: Decimal, advisor: User) -> Activity:
    activity = activity_create(name=name, holder=holder, trades=[Trade.objects.get(code="musician")], actor=holder.user)
    if funds:
        activity_income_record(
            activity=activity,
            amount=funds,
            source="subsidy",
            memo="Subside",
            received_on=DAY,
            key=f"test:dashboard:income:{next(_keys)}",
            actor=advisor,
        )
    return activity


def _dashboard_queries(client: Client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    return html, len(queries)


def test_member_sees_each_activity_with_its_available_money_and_a_link(
    client: Client, admitted: Member, advisor: User
) -> None:
    studio = _activity(admitted, "Studio Dubois", Decimal("1089.00"), advisor)
    tour = _activity(admitted, "Tournée d'été", Decimal("250.50"), advisor)
    client.force_login(admitted.user)

    html = _text(client.get("/").content.decode())

    for activity, available in ((studio, "1 089,00 EUR"), (tour, "250,50 EUR")):
        assert f'href="{reverse("activities:detail", args=[activity.code])}"' in html
        assert available in html
    assert f'href="{reverse("activities:list")}"' in html


def test_dashboard_reads_all_activities_in_the_same_number_of_queries(
    client: Client, admitted: Member, advisor: User, django_assert_max_num_queries
) -> None:
    _activity(admitted, "Studio Dubois", Decimal("100.00"), advisor)
    client.force_login(admitted.user)
    client.get("/")  # the session's first read is not the page's
    _html, with_one = _dashboard_queries(client)

    for n in range(4):
        _activity(admitted, f"Projet {n}", Decimal("10.00"), advisor)
    html, with_five = _dashboard_queries(client)

    assert html.count('href="/activities/') >= 5
    assert with_five == with_one, "the Activities and their money are read in bulk, not one by one"
    # 13: the session, the user, their member entry, application, groups, two-factor, shares held,
    # notifications, unread count and permissions (two) for the menu; the Activities and their money.
    with django_assert_max_num_queries(13):
        client.get("/")


def test_worker_sees_the_activity_but_not_its_money(
    client: Client, admitted: Member, advisor: User, make_member
) -> None:
    studio = _activity(admitted, "Studio Dubois", Decimal("1089.00"), advisor)
    worker: Member = make_member("Bart", "Peeters")
    shares_issue(member=worker, quantity=1, on=DAY, key="test:dashboard:worker", actor=advisor)
    worker.refresh_from_db()
    activity_add_holder(activity=studio, member=worker, role=HolderRole.WORKER, actor=admitted.user)
    client.force_login(worker.user)

    html = _text(client.get("/").content.decode())

    assert f'href="{reverse("activities:detail", args=[studio.code])}"' in html
    assert "1 089,00 EUR" not in html


def test_account_that_is_not_a_member_gets_no_activities_card(client: Client, member: User) -> None:
    client.force_login(member)

    html = client.get("/").content.decode()

    assert 'id="activities-title"' not in html
    assert f'href="{reverse("members:apply")}"' in html


# --- allauth's e-mails ------------------------------------------------------------------------


def test_confirmation_email_greets_with_the_cooperatives_name_in_the_signup_language(
    client: Client, cooperative: CooperativeEntity
) -> None:
    client.cookies["django_language"] = "nl"

    client.post(reverse("account_signup"), {"email": "pieter@example.be", "password1": PASSWORD, "password2": PASSWORD})

    (message,) = mail.outbox
    assert message.subject.startswith(f"[{cooperative.name}] ")
    assert "testserver" not in message.subject
    first_line = str(message.body).splitlines()[0]
    assert first_line == f"Hallo van {cooperative.name}!", "the greeting names the cooperative, in Dutch"


def test_password_reset_email_is_written_in_the_accounts_language(
    client: Client, make_user, cooperative: CooperativeEntity
) -> None:
    pieter = make_user("pieter@example.be", language="nl")

    client.post(reverse("account_reset_password"), {"email": pieter.email}, HTTP_ACCEPT_LANGUAGE="fr")

    (message,) = mail.outbox
    assert str(message.body).splitlines()[0] == f"Hallo van {cooperative.name}!"
    assert message.subject.startswith(f"[{cooperative.name}] ")

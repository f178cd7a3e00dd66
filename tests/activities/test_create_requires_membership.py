"""Opening an Activity is for members: the others are told before the form, and shown their way in.

Someone without paid shares used to fill in the whole form and learn only on submitting that they
could not open an Activity. Now the page says so first, hides the form, and links to the next step:
applying, or following the application already sent. Posting anyway is still refused by the
service and creates nothing.
"""

from datetime import date

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Trade
from members.models import ApplicationStatus, Member, MembershipApplication, Office, User
from members.services import shares_issue

TRADES_INPUT = 'name="trades"'


def _apply(user: User, office: Office, status: str = ApplicationStatus.SUBMITTED) -> MembershipApplication:
    now = timezone.now()
    return MembershipApplication.objects.create(
        user=user,
        first_name="Lotte",
        last_name="Janssens",
        street="Rue Saint-Gilles 12",
        postal_code="4000",
        city="Liège",
        iban="BE36068200000081",
        trades="musicienne",
        shares_requested=1,
        office=office,
        consented_statutes_at=now,
        consented_rules_at=now,
        consented_privacy_at=now,
        status=status,
    )


def test_account_without_membership_is_told_to_apply_before_the_form(client: Client, member: User) -> None:
    client.force_login(member)

    response = client.get(reverse("activities:create"))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["may_open"] is False
    assert TRADES_INPUT not in html, "no form to fill in for nothing"
    assert f'href="{reverse("members:apply")}"' in html


def test_applicant_is_sent_to_follow_their_application_not_to_apply_again(
    client: Client, make_user, office: Office
) -> None:
    applicant: User = make_user("lotte@example.be")
    _apply(applicant, office)
    client.force_login(applicant)

    html = client.get(reverse("activities:create")).content.decode()

    assert TRADES_INPUT not in html
    assert f'href="{reverse("members:membership")}"' in html
    assert f'href="{reverse("members:apply")}"' not in html


def test_rejected_applicant_is_sent_to_their_membership_page(client: Client, make_user, office: Office) -> None:
    refused: User = make_user("refused@example.be")
    _apply(refused, office, ApplicationStatus.REJECTED)
    client.force_login(refused)

    response = client.get(reverse("activities:create"))

    assert response.context["application"].status == ApplicationStatus.REJECTED
    assert TRADES_INPUT not in response.content.decode()
    assert f'href="{reverse("members:membership")}"' in response.content.decode()


def test_person_in_the_register_with_unpaid_shares_is_sent_to_their_membership(client: Client, make_member) -> None:
    applicant: Member = make_member("Lotte", "Janssens")  # in the register, shares not paid
    client.force_login(applicant.user)

    html = client.get(reverse("activities:create")).content.decode()

    assert TRADES_INPUT not in html
    assert f'href="{reverse("members:membership")}"' in html


def test_member_whose_shares_are_paid_gets_the_form(client: Client, make_member, make_staff) -> None:
    admitted: Member = make_member("Amélie", "Dubois")
    shares_issue(member=admitted, quantity=1, on=date(2026, 3, 2), key="test:create:share", actor=make_staff())
    client.force_login(admitted.user)

    html = client.get(reverse("activities:create")).content.decode()

    assert TRADES_INPUT in html
    assert f'href="{reverse("members:apply")}"' not in html


def test_posting_without_membership_is_still_refused_and_creates_nothing(client: Client, member: User) -> None:
    client.force_login(member)

    response = client.post(
        reverse("activities:create"), {"name": "Projet", "trades": [Trade.objects.get(code="musician").pk]}
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert TRADES_INPUT not in response.content.decode()
    assert not Activity.objects.filter(name="Projet").exists()

"""A transfer names its recipient before it is sent: looked up as the code is typed, then confirmed.

Only the confirmation asks for the transfer; the first post shows what will be sent and to whom.
A confirmation sent twice asks once; one key cannot carry another transfer.
"""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from activities import views
from activities.models import Activity, ActivityStatus, ActivityTransfer, HolderRole
from activities.services import activity_add_holder, activity_transfer_recipient
from members.models import Member, User
from members.services import shares_issue
from smartcoop.errors import PermissionDeniedError
from smartcoop.money import amount_text
from tests.activities.conftest import DAY, MakeActivity


@pytest.fixture
def source(make_activity: MakeActivity) -> Activity:
    return make_activity("Studio Dubois", funds=Decimal("2000.00"))


@pytest.fixture
def recipient(make_activity: MakeActivity, other: Member) -> Activity:
    return make_activity("Atelier Meuse", holder=other, funds=Decimal("777.00"))


def _fields(recipient: Activity, amount: str = "1089,00") -> dict[str, str]:
    return {"destination_code": recipient.code.lower(), "kind": "service", "amount": amount, "description": "Mixage"}


def _lookup(client: Client, source: Activity, code: str) -> str:
    response = client.get(reverse("activities:transfer_recipient", args=[source.code]), {"destination_code": code})
    assert response.status_code == 200
    return response.content.decode()


def _said(response: object, text: str) -> str:
    """`text` in the language the page was written in."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):  # type: ignore[attr-defined]
        return gettext(text)


def _amount(response: object, value: str) -> str:
    """An amount as the page writes it in its language (1 089,00 EUR in French)."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):  # type: ignore[attr-defined]
        return amount_text(Decimal(value))


# --- the name as the code is typed --------------------------------------------------------------


def test_typing_a_code_names_the_receiving_activity_and_nothing_of_its_books(
    signed_in: Client, source: Activity, recipient: Activity
) -> None:
    answer = _lookup(signed_in, source, f" {recipient.code.lower()} ")

    assert recipient.code in answer and "Atelier Meuse" in answer
    assert "777" not in answer  # its balance is none of the payer's business


def test_an_unknown_or_closed_code_is_said_plainly(signed_in: Client, source: Activity, recipient: Activity) -> None:
    url = reverse("activities:transfer_recipient", args=[source.code])
    unknown = signed_in.get(url, {"destination_code": "A999999"})
    expected = escape(_said(unknown, "No open Activity has this code."))
    assert expected in unknown.content.decode()

    Activity.objects.filter(pk=recipient.pk).update(status=ActivityStatus.CLOSED)
    closed = _lookup(signed_in, source, recipient.code)
    assert expected in closed and "Atelier Meuse" not in closed

    itself = signed_in.get(url, {"destination_code": source.code})
    assert escape(_said(itself, "An Activity cannot transfer to itself.")) in itself.content.decode()


def test_an_empty_code_gets_an_empty_answer(signed_in: Client, source: Activity) -> None:
    assert _lookup(signed_in, source, "   ").strip() == ""


def test_names_are_looked_up_only_through_an_activity_one_manages(
    client: Client, source: Activity, recipient: Activity, other: Member, make_member, advisor: User
) -> None:
    client.force_login(other.user)  # holds the recipient, not the source
    response = client.get(
        reverse("activities:transfer_recipient", args=[source.code]), {"destination_code": recipient.code}
    )
    assert response.status_code == 404

    worker: Member = make_member("Wim", "Peeters")
    shares_issue(member=worker, quantity=1, on=DAY, key=f"test:{worker.pk}:share", actor=advisor)
    worker.refresh_from_db()
    activity_add_holder(activity=source, member=worker, role=HolderRole.WORKER, actor=source_manager(source))
    with pytest.raises(PermissionDeniedError):
        activity_transfer_recipient(source=source, code=recipient.code, actor=worker.user)


def source_manager(activity: Activity) -> User:
    holder = activity.holders.select_related("member__user").get(role=HolderRole.MANAGER)
    user: User = holder.member.user
    return user


def test_lookups_are_limited_per_member_and_minute(
    signed_in: Client, source: Activity, recipient: Activity, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    # A cache of this test's own: another run clearing the shared one cannot reset the count midway.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setattr(views, "RECIPIENT_LOOKUPS_PER_MINUTE", 2)

    answers = [_lookup(signed_in, source, recipient.code) for _ in range(3)]

    assert "Atelier Meuse" in answers[0] and "Atelier Meuse" in answers[1]
    assert "Atelier Meuse" not in answers[2]


# --- the confirmation step --------------------------------------------------------------------


def test_the_form_shows_a_confirmation_naming_the_recipient_and_asks_nothing_yet(
    signed_in: Client, source: Activity, recipient: Activity
) -> None:
    url = reverse("activities:transfer_create", args=[source.code])

    shown = signed_in.post(url, _fields(recipient))

    assert shown.status_code == 200
    page = shown.content.decode()
    assert "Atelier Meuse" in page and recipient.code in page and _amount(shown, "1089.00") in page
    assert 'name="request_key"' in page and 'value="confirm"' in page and 'value="change"' in page
    assert not ActivityTransfer.objects.exists()


def test_a_direct_post_without_the_confirmation_key_asks_nothing(
    signed_in: Client, source: Activity, recipient: Activity
) -> None:
    url = reverse("activities:transfer_create", args=[source.code])

    refused = signed_in.post(url, {**_fields(recipient), "step": "confirm"})

    assert refused.status_code == 400
    assert not ActivityTransfer.objects.exists()


def test_confirming_asks_once_and_the_message_names_the_recipient(
    signed_in: Client, source: Activity, recipient: Activity
) -> None:
    url = reverse("activities:transfer_create", args=[source.code])
    key = signed_in.post(url, _fields(recipient)).context["request_key"]
    confirmed = {**_fields(recipient), "step": "confirm", "request_key": key}

    first = signed_in.post(url, confirmed)
    again = signed_in.post(url, confirmed)  # a double click, or the browser sending it again

    assert first.status_code == again.status_code == 302
    assert first["Location"] == reverse("activities:detail", args=[source.code])
    transfer = ActivityTransfer.objects.get()
    assert (transfer.source, transfer.destination, transfer.amount) == (source, recipient, Decimal("1089.00"))
    said = [str(message) for message in get_messages(first.wsgi_request)]
    amount = _amount(first, "1089.00")
    assert any(amount in text and recipient.code in text and "Atelier Meuse" in text for text in said)


def test_a_confirmation_key_carries_one_transfer_only(signed_in: Client, source: Activity, recipient: Activity) -> None:
    url = reverse("activities:transfer_create", args=[source.code])
    key = signed_in.post(url, _fields(recipient)).context["request_key"]
    signed_in.post(url, {**_fields(recipient), "step": "confirm", "request_key": key})

    other_amount = signed_in.post(url, {**_fields(recipient, "5,00"), "step": "confirm", "request_key": key})

    assert other_amount.status_code == 400
    assert other_amount.context["form"].non_field_errors()
    assert ActivityTransfer.objects.get().amount == Decimal("1089.00")


def test_the_confirmation_is_judged_again_when_sent(signed_in: Client, source: Activity, recipient: Activity) -> None:
    url = reverse("activities:transfer_create", args=[source.code])
    key = signed_in.post(url, _fields(recipient)).context["request_key"]
    Activity.objects.filter(pk=recipient.pk).update(status=ActivityStatus.CLOSED)

    refused = signed_in.post(url, {**_fields(recipient), "step": "confirm", "request_key": key})

    assert refused.status_code == 400
    assert refused.context["form"].errors["destination_code"]
    assert not ActivityTransfer.objects.exists()


def test_change_brings_the_form_back_filled_in_with_the_recipient_named(
    signed_in: Client, source: Activity, recipient: Activity
) -> None:
    url = reverse("activities:transfer_create", args=[source.code])

    back = signed_in.post(url, {**_fields(recipient), "step": "change", "request_key": "0" * 32})

    assert back.status_code == 200
    page = back.content.decode()
    assert 'value="Mixage"' in page and "Atelier Meuse" in page
    assert not ActivityTransfer.objects.exists()


def test_the_form_asks_for_the_name_as_the_code_is_typed(signed_in: Client, source: Activity) -> None:
    page = signed_in.get(reverse("activities:transfer_create", args=[source.code])).content.decode()

    assert f'hx-get="{reverse("activities:transfer_recipient", args=[source.code])}"' in page
    assert 'hx-target="#recipient-name"' in page
    assert 'id="recipient-name"' in page and 'aria-live="polite"' in page


def test_too_much_is_refused_before_the_confirmation(signed_in: Client, source: Activity, recipient: Activity) -> None:
    url = reverse("activities:transfer_create", args=[source.code])

    refused = signed_in.post(url, _fields(recipient, "2000,01"))

    assert refused.status_code == 400
    assert _amount(refused, "2000.00") in refused.context["form"].errors["amount"][0]
    assert "request_key" not in refused.context

"""Members are told, once and in their own language, when an advisor decides something of theirs."""

import json
import smtplib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import send_mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from activities.errors import InsufficientFunds
from activities.models import Activity, ActivityTrade, ExpenseCategory, ExpenseClaim, HolderRole, Purchase, Trade
from activities.selectors import activity_books
from activities.services import (
    ExpenseLineData,
    PurchaseData,
    ThirdPartyData,
    activity_add_holder,
    activity_create,
    activity_trade_decide,
    activity_transfer_approve,
    activity_transfer_reject,
    activity_transfer_request,
    expense_claim_approve,
    expense_claim_create,
    expense_claim_reimburse,
    expense_claim_reject,
    expense_claim_submit,
    expense_line_add,
    purchase_approve,
    purchase_pay,
    purchase_reject,
    purchase_submit,
    third_party_add,
)
from members.identity import national_number_for
from members.models import Member, MembershipApplication, Office, ShareTransferRequest, User
from members.services import (
    ApplicationData,
    Identity,
    application_add_document,
    application_approve,
    application_reject,
    application_request_document,
    application_submit,
    shares_issue,
    transfer_request_approve,
    transfer_request_reject,
    transfer_request_submit,
)
from smartcoop import notifications as notifications_module
from smartcoop.models import Notification
from smartcoop.notifications import notification_send, notifications_resend, notify
from smartcoop.tasks import send_notification
from tests.activities import conftest as activities
from tests.activities.conftest import DAY, MakeActivity
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# The Activities' fixtures (tests/activities/conftest.py), used here too.
advisor = activities.advisor
holder = activities.holder
make_activity = activities.make_activity
musician = activities.musician
meals = activities.meals
supplies = activities.supplies

PDF = b"%PDF-1.4\n% receipt\n"
NOTIFICATIONS = reverse("members:notifications")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path  # identity documents, receipts and invoices of a test land here


def _speaks(member: Member, language: str) -> Member:
    member.user.language = language
    member.user.save(update_fields=["language"])
    return member


def _admitted(make_member, advisor: User, first_name: str, last_name: str, language: str) -> Member:
    member: Member = make_member(first_name, last_name)
    shares_issue(member=member, quantity=3, on=DAY, key=f"test:{member.pk}:shares", actor=advisor)
    member.refresh_from_db()
    return _speaks(member, language)


def _only(user: User) -> Notification:
    """The one notification of `user`: each decision tells each person once."""
    found = list(Notification.objects.filter(user=user))
    assert len(found) == 1, [n.key for n in found]
    return found[0]


def _read(notification: Notification) -> tuple[str, str]:
    """Subject and body as its member reads them, in the language they speak now."""
    with translation.override(notification.user.language):
        return notification.subject_text, notification.body_text


def _file(name: str = "ticket.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- joining and shares -------------------------------------------------------------------------


def _application(make_user, office: Office, language: str) -> MembershipApplication:
    applicant: User = make_user("lotte@example.be", language=language)
    birth = date(1990, 4, 12)
    identity = Identity(
        kind="natural",
        first_name="Lotte",
        last_name="Janssens",
        birth_date=birth,
        national_number=national_number_for(birth, 212),
        street="Veldstraat 10",
        postal_code="9000",
        city="Gent",
        iban="BE02 3630 0000 0040",
    )
    data = ApplicationData(
        identity=identity,
        trades=("illustrator",),
        shares_requested=2,
        office=office,
        accepts_statutes=True,
        accepts_rules=True,
        accepts_privacy=True,
    )
    return application_submit(actor=applicant, data=data, document=None)


def test_an_approved_applicant_is_told_in_dutch_what_to_pay_and_with_which_communication(
    make_user,
    advisor: User,
    office: Office,
    cooperative,
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    application = _application(make_user, office, "nl")
    queued: list[int] = []
    monkeypatch.setattr(send_notification, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call = application_approve(application=application, actor=advisor)
        assert queued == [], "nothing is queued before the commit"

    notification = _only(application.user)
    assert notification.key == f"application:{application.pk}:approved"
    assert notification.link == reverse("members:membership")
    subject, body = _read(notification)
    assert subject == "Je kandidatuur is goedgekeurd"
    assert call.reference and call.reference in body
    assert "60,00 EUR" in body and "2 aandelen" in body
    assert (notification.sent_at, notification.read_at) == (None, None)
    assert len(callbacks) == 1 and queued == [notification.pk], "the e-mail is queued once the decision is committed"


def test_a_rejected_applicant_reads_the_reason(make_user, advisor: User, office: Office, cooperative) -> None:
    application = _application(make_user, office, "fr")

    application_reject(application=application, reason="Activité hors du registre des métiers", actor=advisor)

    notification = _only(application.user)
    assert notification.key == f"application:{application.pk}:rejected"
    assert _read(notification)[0] == "Votre candidature a été refusée"
    assert "Activité hors du registre des métiers" in _read(notification)[1]


def test_each_request_for_a_document_is_told_once_even_when_clicked_twice(
    make_user, advisor: User, office: Office, cooperative
) -> None:
    application = _application(make_user, office, "en")
    prefix = f"application:{application.pk}:document-requested:"

    application_request_document(application=application, reason="Recto verso de la carte d'identité", actor=advisor)
    application_request_document(application=application, reason="Recto verso de la carte d'identité", actor=advisor)
    assert _only(application.user).key == f"{prefix}1"
    assert "Recto verso de la carte d'identité" in _read(_only(application.user))[1], "plain text: no HTML escaping"

    application_add_document(application=application, document=_file("id.pdf"), actor=application.user)
    application_request_document(application=application, reason="La carte est expirée", actor=advisor)

    keys = Notification.objects.filter(user=application.user).order_by("pk").values_list("key", flat=True)
    assert list(keys) == [f"{prefix}1", f"{prefix}2"]
    assert _read(Notification.objects.get(key=f"{prefix}2"))[0] == (
        "A document is missing from your membership application"
    )


def _transfer_request(make_member, advisor: User) -> ShareTransferRequest:
    seller = _admitted(make_member, advisor, "Alice", "Dubois", "nl")
    buyer = _admitted(make_member, advisor, "Bob", "Peeters", "fr")
    return transfer_request_submit(
        seller=seller, buyer_number=buyer.number, buyer_name="Peeters", quantity=2, note="", actor=seller.user
    )


def test_an_approved_share_transfer_is_told_to_the_seller_once_with_its_register_number(
    make_member, advisor: User
) -> None:
    request = _transfer_request(make_member, advisor)

    operation = transfer_request_approve(request=request, actor=advisor)
    transfer_request_approve(request=request, actor=advisor)  # a retry returns the first operation

    notification = _only(request.seller.user)
    assert notification.key == f"transfer-request:{request.pk}:approved"
    subject, body = _read(notification)
    assert subject == "Je overdracht van aandelen is goedgekeurd"
    assert str(operation.number) in body and "Bob Peeters" in body
    assert notification.link == reverse("members:shares")
    assert not Notification.objects.filter(user=request.buyer.user).exists()


def test_a_rejected_share_transfer_tells_the_seller_why(make_member, advisor: User) -> None:
    request = _transfer_request(make_member, advisor)

    transfer_request_reject(request=request, reason="Bob n'est plus membre actif", actor=advisor)

    notification = _only(request.seller.user)
    assert notification.key == f"transfer-request:{request.pk}:rejected"
    assert "Bob n'est plus membre actif" in _read(notification)[1]


# --- expense claims and purchases -------------------------------------------------------------


def _claim(activity: Activity, worker: Member, category: ExpenseCategory, amount: str) -> ExpenseClaim:
    claim = expense_claim_create(activity=activity, title="Tournée de mars", actor=worker.user)
    line = ExpenseLineData(
        spent_on=date(2026, 3, 3), category=category, description="Repas", amount=Decimal(amount), vat=Decimal(0)
    )
    expense_line_add(claim=claim, data=line, receipt=_file(), actor=worker.user)
    return expense_claim_submit(claim=claim, actor=worker.user)


def test_an_approved_claim_is_told_once_to_its_worker_even_when_the_approval_is_retried(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    _speaks(holder, "nl")
    claim = _claim(make_activity(funds=Decimal("500.00")), holder, meals, "80.00")

    expense_claim_approve(claim=claim, actor=advisor)
    expense_claim_approve(claim=claim, actor=advisor)  # a retried approval posts once and tells once

    notification = _only(holder.user)
    assert notification.key == f"expense-claim:{claim.pk}:approved"
    subject, body = _read(notification)
    assert subject == "Onkostennota “Tournée de mars” goedgekeurd"
    assert "80,00 EUR" in body
    assert notification.link == reverse("activities:claim_detail", args=[claim.pk])


def test_a_claim_refused_for_lack_of_funds_tells_nobody(
    make_activity: MakeActivity,
    holder: Member,
    advisor: User,
    meals: ExpenseCategory,
    django_capture_on_commit_callbacks,
) -> None:
    claim = _claim(make_activity(funds=Decimal("50.00")), holder, meals, "80.00")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(InsufficientFunds):
        expense_claim_approve(claim=claim, actor=advisor)

    assert not Notification.objects.exists(), "the decision rolled back, and its notification with it"
    assert callbacks == [], "and no e-mail is queued"


def test_a_rejected_then_another_reimbursed_claim_tell_the_worker_each_time(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    activity = make_activity(funds=Decimal("500.00"))
    rejected, reimbursed = _claim(activity, holder, meals, "30.00"), _claim(activity, holder, meals, "45.50")

    expense_claim_reject(claim=rejected, reason="Ticket illisible", actor=advisor)
    expense_claim_approve(claim=reimbursed, actor=advisor)
    expense_claim_reimburse(claim=reimbursed, paid_on=date(2026, 3, 10), actor=advisor)
    expense_claim_reimburse(claim=reimbursed, paid_on=date(2026, 3, 11), actor=advisor)  # a retry

    keys = set(Notification.objects.filter(user=holder.user).values_list("key", flat=True))
    assert keys == {
        f"expense-claim:{rejected.pk}:rejected",
        f"expense-claim:{reimbursed.pk}:approved",
        f"expense-claim:{reimbursed.pk}:reimbursed",
    }
    assert "Ticket illisible" in _read(Notification.objects.get(key=f"expense-claim:{rejected.pk}:rejected"))[1]
    subject, body = _read(Notification.objects.get(key=f"expense-claim:{reimbursed.pk}:reimbursed"))
    assert subject == "Note de frais « Tournée de mars » remboursée"
    assert "45,50 EUR" in body and "10/03/2026" in body


def test_the_approval_tells_the_worker_the_figure_the_activitys_available_drops_by(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    _speaks(holder, "en")
    activity = make_activity(funds=Decimal("500.00"))
    claim = expense_claim_create(activity=activity, title="Ink", actor=holder.user)
    line = ExpenseLineData(  # 42.60 paid, of which 6.30 VAT the cooperative recovers from the State
        spent_on=date(2026, 3, 3), category=supplies, description="Ink", amount=Decimal("42.60"), vat=Decimal("6.30")
    )
    expense_line_add(claim=claim, data=line, receipt=_file(), actor=holder.user)
    expense_claim_submit(claim=claim, actor=holder.user)
    before = activity_books(activity=activity).available

    expense_claim_approve(claim=claim, actor=advisor)

    drop = before - activity_books(activity=activity).available
    assert drop == Decimal("36.30")
    body = _read(_only(holder.user))[1]
    assert "The Activity is charged 36.30 EUR" in body, body
    assert "42.60 EUR will be reimbursed to you" in body


def test_an_approved_purchase_tells_what_the_activity_is_charged_net_of_recovered_vat(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    _speaks(holder, "en")
    activity = make_activity(funds=Decimal("500.00"))
    purchase = _purchase(activity, holder, supplies, "F-7")  # 121.00 of which 21.00 VAT
    before = activity_books(activity=activity).available

    purchase_approve(purchase=purchase, actor=advisor)

    assert before - activity_books(activity=activity).available == Decimal("100.00")
    body = _read(_only(holder.user))[1]
    assert "(121.00 EUR)" in body and "is charged 100.00 EUR" in body, body


def _purchase(activity: Activity, holder: Member, category: ExpenseCategory, reference: str) -> Purchase:
    supplier_data = ThirdPartyData(
        kind="company",
        name="Papeterie Lambermont",
        street="Rue du Perron 12",
        postal_code="4000",
        city="Liège",
        country="BE",
        language="fr",
        vat_number="BE0754316243",
    )
    supplier = third_party_add(activity=activity, data=supplier_data, actor=holder.user)
    data = PurchaseData(
        supplier_reference=reference,
        invoice_date=date(2026, 3, 5),
        due_date=date(2026, 4, 4),
        category=category,
        description="Papier aquarelle",
        amount=Decimal("121.00"),
        vat=Decimal("21.00"),
        payee="supplier",
    )
    return purchase_submit(
        activity=activity, supplier=supplier, data=data, file=_file("facture.pdf"), actor=holder.user
    )


def test_purchases_tell_who_submitted_them_when_approved_rejected_and_paid(
    make_activity: MakeActivity, holder: Member, advisor: User, supplies: ExpenseCategory
) -> None:
    _speaks(holder, "en")
    activity = make_activity(funds=Decimal("500.00"))
    paid, rejected = _purchase(activity, holder, supplies, "F-1"), _purchase(activity, holder, supplies, "F-2")

    purchase_approve(purchase=paid, actor=advisor)
    purchase_approve(purchase=paid, actor=advisor)
    purchase_pay(purchase=paid, paid_on=date(2026, 3, 20), actor=advisor)
    purchase_pay(purchase=paid, paid_on=date(2026, 3, 21), actor=advisor)
    purchase_reject(purchase=rejected, reason="Doublon de F-1", actor=advisor)

    found = {n.key: _read(n)[0] for n in Notification.objects.filter(user=holder.user)}
    assert found == {
        f"purchase:{paid.pk}:approved": "Invoice F-1 of Papeterie Lambermont approved",
        f"purchase:{paid.pk}:paid": "Invoice F-1 of Papeterie Lambermont paid",
        f"purchase:{rejected.pk}:rejected": "Invoice F-2 of Papeterie Lambermont rejected",
    }
    assert "Doublon de F-1" in _read(Notification.objects.get(key=f"purchase:{rejected.pk}:rejected"))[1]
    assert Notification.objects.get(key=f"purchase:{paid.pk}:paid").link == reverse(
        "activities:detail", args=[activity.code]
    )


# --- transfers between Activities and trades ---------------------------------------------------


def test_an_approved_transfer_tells_the_requester_and_the_destinations_managers_in_their_languages(
    make_activity: MakeActivity, make_member, holder: Member, advisor: User
) -> None:
    studio = _admitted(make_member, advisor, "Bram", "Claes", "nl")
    partner = _admitted(make_member, advisor, "Chloé", "Lambert", "en")
    source = make_activity(funds=Decimal("500.00"))
    destination = make_activity("Geluidsstudio", holder=studio)
    activity_add_holder(activity=destination, member=partner, role=HolderRole.MANAGER, actor=studio.user)
    transfer = activity_transfer_request(
        source=source, destination_code=destination.code, kind="service", amount=Decimal("175.50"),
        description="Mixage", actor=holder.user,
    )  # fmt: skip

    activity_transfer_approve(transfer=transfer, actor=advisor)
    activity_transfer_approve(transfer=transfer, actor=advisor)  # a retry

    requester = _only(holder.user)
    assert requester.key == f"activity-transfer:{transfer.pk}:approved:{holder.user_id}"
    assert _read(requester)[0] == f"Transfert de {source.code} vers {destination.code} approuvé"
    assert requester.link == reverse("activities:detail", args=[source.code])
    bram, chloe = _only(studio.user), _only(partner.user)
    assert bram.key == f"activity-transfer:{transfer.pk}:approved:{studio.user_id}"
    assert _read(bram)[0] == f"{destination.code} ontving geld van {source.code}"
    assert "175,50 EUR" in _read(bram)[1]
    assert _read(chloe)[0] == f"{destination.code} received money from {source.code}"
    assert "175.50 EUR" in _read(chloe)[1]
    assert bram.link == chloe.link == reverse("activities:detail", args=[destination.code])


def test_a_manager_of_both_activities_is_told_once(make_activity: MakeActivity, holder: Member, advisor: User) -> None:
    source, destination = make_activity(funds=Decimal("500.00")), make_activity("Atelier Dubois")
    transfer = activity_transfer_request(
        source=source, destination_code=destination.code, kind="share", amount=Decimal("50.00"),
        description="Partage", actor=holder.user,
    )  # fmt: skip

    activity_transfer_approve(transfer=transfer, actor=advisor)

    assert _only(holder.user).key == f"activity-transfer:{transfer.pk}:approved:{holder.user_id}"


def test_a_rejected_transfer_tells_the_requester_why(
    make_activity: MakeActivity, make_member, holder: Member, advisor: User
) -> None:
    studio = _admitted(make_member, advisor, "Bram", "Claes", "nl")
    source, destination = make_activity(funds=Decimal("500.00")), make_activity("Geluidsstudio", holder=studio)
    transfer = activity_transfer_request(
        source=source, destination_code=destination.code, kind="share", amount=Decimal("50.00"),
        description="Partage", actor=holder.user,
    )  # fmt: skip

    activity_transfer_reject(transfer=transfer, reason="Pas de collaboration prévue", actor=advisor)

    notification = _only(holder.user)
    assert notification.key == f"activity-transfer:{transfer.pk}:rejected:{holder.user_id}"
    assert "Pas de collaboration prévue" in _read(notification)[1]
    assert not Notification.objects.filter(user=studio.user).exists()


def test_a_trade_decision_tells_every_manager_with_the_trade_named_in_their_language(
    make_member, holder: Member, advisor: User, musician: Trade
) -> None:
    co_manager = _admitted(make_member, advisor, "Bram", "Claes", "nl")
    caterer = Trade.objects.get(code="caterer")
    activity = activity_create(name="Concerts et buffets", holder=holder, trades=[musician, caterer], actor=holder.user)
    activity_add_holder(activity=activity, member=co_manager, role=HolderRole.MANAGER, actor=holder.user)
    link = ActivityTrade.objects.get(activity=activity, trade=caterer)

    activity_trade_decide(link=link, approve=False, reason="Il faut l'AFSCA", actor=advisor)

    amelie, bram = _only(holder.user), _only(co_manager.user)
    assert amelie.key == f"activity-trade:{link.pk}:refused:{holder.user_id}"
    assert _read(amelie)[0] == f"Métier « {caterer.name_fr} » refusé pour {activity.code}"
    assert _read(bram)[0] == f"Beroep “{caterer.name_nl}” geweigerd voor {activity.code}"
    assert "Il faut l'AFSCA" in _read(bram)[1]


# --- notify itself ----------------------------------------------------------------------------


def test_a_notification_told_in_french_reads_in_english_once_the_member_switched(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    _speaks(holder, "fr")
    claim = _claim(make_activity(funds=Decimal("1500.00")), holder, meals, "1089.00")
    expense_claim_approve(claim=claim, actor=advisor)
    expense_claim_reimburse(claim=claim, paid_on=date(2026, 3, 10), actor=advisor)
    assert _read(Notification.objects.get(key=f"expense-claim:{claim.pk}:reimbursed"))[0] == (
        "Note de frais « Tournée de mars » remboursée"
    )
    _speaks(holder, "en")
    client = _signed_in(holder.user)

    html = client.get(NOTIFICATIONS, headers={"accept-language": "en"}).content.decode()

    assert escape("Expense claim “Tournée de mars” reimbursed") in html
    assert escape("Expense claim “Tournée de mars” approved") in html
    assert "1,089.00 EUR was paid to your account on 10/03/2026" in html
    assert "Note de frais" not in html


def test_a_notification_told_before_causes_were_stored_shows_its_stored_text(member: User) -> None:
    Notification.objects.create(user=member, key="test:old", subject="Note de frais approuvée", body="Texte d'alors")

    html = _signed_in(member).get(NOTIFICATIONS).content.decode()

    assert "Note de frais approuvée" in html and escape("Texte d'alors") in html


def test_a_context_holding_a_record_instead_of_plain_values_is_refused_inside_the_decision(member: User) -> None:
    with pytest.raises(TypeError, match="not a plain value"):
        notify(
            user=member,
            key="test:object",
            subject="Hello",
            template="application_rejected",
            context={"reason": member},  # type: ignore[dict-item]  # the mistake this test makes on purpose
        )
    assert not Notification.objects.exists()


def test_a_context_the_template_does_not_fill_fails_inside_the_decision(member: User) -> None:
    with pytest.raises(KeyError):
        notify(user=member, key="test:missing", subject="Hello %(name)s", template="application_rejected", context={})
    assert not Notification.objects.exists()


def test_the_same_cause_is_notified_once(member: User, django_capture_on_commit_callbacks) -> None:
    def tell() -> Notification | None:
        return notify(
            user=member, key="test:1", subject="Hello", template="application_rejected", context={"reason": "x"}
        )

    with django_capture_on_commit_callbacks() as callbacks:
        first, second = tell(), tell()

    assert first is not None and second is None
    assert Notification.objects.count() == 1 and len(callbacks) == 1


# --- the e-mail -------------------------------------------------------------------------------


@pytest.fixture
def notified(member: User, settings) -> Notification:
    settings.SITE_URL = "https://coop.example.be"
    member.first_name, member.language = "Amélie", "nl"
    member.save(update_fields=["first_name", "language"])
    notification = notify(
        user=member,
        key="test:mail",
        subject="Your membership application was rejected",
        template="application_rejected",
        context={"reason": "Ticket d'essence"},
        link="/activities/claims/7/",
    )
    assert notification is not None
    return notification


def test_the_mail_leaves_in_the_language_the_recipient_speaks_when_it_is_sent(
    make_activity: MakeActivity, holder: Member, advisor: User, meals: ExpenseCategory
) -> None:
    _speaks(holder, "fr")
    claim = _claim(make_activity(funds=Decimal("1500.00")), holder, meals, "1089.00")
    expense_claim_approve(claim=claim, actor=advisor)
    _speaks(holder, "nl")

    assert send_notification(_only(holder.user).pk) is True

    (message,) = mail.outbox
    assert message.subject == "Onkostennota “Tournée de mars” goedgekeurd"
    assert "1.089,00 EUR" in message.body and message.body.startswith("Hallo")


def test_the_task_sends_one_mail_in_the_users_language_and_a_second_run_sends_nothing(
    notified: Notification, settings
) -> None:
    assert send_notification(notified.pk) is True
    assert send_notification(notified.pk) is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [notified.user.email] and message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == "Je kandidatuur is afgewezen"
    assert "Hallo Amélie," in message.body and "Ticket d'essence" in message.body
    assert "https://coop.example.be/activities/claims/7/" in message.body
    notified.refresh_from_db()
    assert notified.sent_at is not None


def test_a_mail_server_failure_leaves_the_notification_unsent_and_the_retry_sends_it(
    notified: Notification, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[object] = []

    def down_once(*args: Any, **kwargs: Any) -> int:
        attempts.append(Notification.objects.get(pk=notified.pk).sent_at)
        if len(attempts) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return send_mail(*args, **kwargs)

    monkeypatch.setattr(notifications_module, "send_mail", down_once)

    result = send_notification.apply(args=(notified.pk,))  # runs the task and its retries here

    assert result.get() is True
    assert attempts == [None, None], "the failed run did not mark it sent"
    assert len(mail.outbox) == 1
    notified.refresh_from_db()
    assert notified.sent_at is not None


def test_a_failed_send_raises_for_celery_to_retry_and_keeps_the_row_unsent(
    notified: Notification, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: Any, **kwargs: Any) -> int:
        raise smtplib.SMTPException("451 try again later")

    monkeypatch.setattr(notifications_module, "send_mail", down)

    with pytest.raises(smtplib.SMTPException):
        notification_send(notification_id=notified.pk)

    notified.refresh_from_db()
    assert notified.sent_at is None and mail.outbox == []


def test_the_sweep_queues_again_only_what_is_unsent_for_a_while(member: User, monkeypatch: pytest.MonkeyPatch) -> None:
    def made(key: str, *, age: timedelta, sent: bool = False) -> Notification:
        notification = Notification.objects.create(user=member, key=key, subject=key, body="")
        Notification.objects.filter(pk=notification.pk).update(
            created_at=timezone.now() - age, sent_at=timezone.now() if sent else None
        )
        return notification

    stuck = made("stuck", age=timedelta(hours=1))
    made("fresh", age=timedelta(minutes=1))  # its first delivery may still be retrying
    made("sent", age=timedelta(hours=1), sent=True)
    made("abandoned", age=timedelta(days=4))
    queued: list[int] = []
    monkeypatch.setattr(send_notification, "delay", queued.append)

    assert notifications_resend() == 1
    assert queued == [stuck.pk]


# --- the Espace membre ------------------------------------------------------------------------


def _notifications(user: User, count: int) -> list[Notification]:
    made = [
        Notification.objects.create(user=user, key=f"test:{user.pk}:{n}", subject=f"Sujet {n}", body=f"Corps {n}")
        for n in range(count)
    ]
    made[-1].link = "/membership/"
    made[-1].save(update_fields=["link"])
    return made


def _signed_in(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_the_page_lists_only_my_notifications_newest_first_and_marks_them_read(member: User, make_user) -> None:
    other: User = make_user("bram@example.be")
    _notifications(member, 3)
    _notifications(other, 2)
    client = _signed_in(member)

    html = client.get(NOTIFICATIONS).content.decode()

    assert html.index("Sujet 2") < html.index("Sujet 1") < html.index("Sujet 0")
    assert "Corps 2" in html and 'href="/membership/"' in html
    assert html.count('class="notification notification-unread"') == 3, "new until this visit"
    assert html.count("Sujet ") == 3, "none of another member's"
    assert not Notification.objects.filter(user=member, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 2
    html = client.get(NOTIFICATIONS).content.decode()
    assert 'class="notification notification-unread"' not in html


def test_the_menu_counts_the_unread_and_the_dashboard_shows_the_five_latest(member: User) -> None:
    _notifications(member, 7)
    Notification.objects.filter(key=f"test:{member.pk}:6").update(read_at=timezone.now())
    client = _signed_in(member)

    html = client.get(reverse("members:dashboard")).content.decode()

    assert '<span class="badge">6<span class="visually-hidden"> non lues</span></span>' in html
    assert [n for n in range(7) if f"Sujet {n}<" in html] == [2, 3, 4, 5, 6]
    assert html.count('class="notification notification-unread"') == 4, "the latest one was read"
    assert Notification.objects.filter(user=member, read_at__isnull=True).count() == 6, "the dashboard marks none"


def test_the_page_costs_the_same_queries_for_3_and_30_notifications(member: User, make_user) -> None:
    few, many = member, make_user("bram@example.be")
    _notifications(few, 3)
    _notifications(many, 30)
    pages = {}
    for user in (few, many):
        client = _signed_in(user)
        client.get(reverse("members:dashboard"))  # the session's first read is not the page's
        with CaptureQueriesContext(connection) as queries:
            response = client.get(NOTIFICATIONS)
        assert response.status_code == 200
        pages[user.pk] = (response.content.decode(), len(queries.captured_queries))

    (few_html, few_queries), (many_html, many_queries) = pages[few.pk], pages[many.pk]
    # session, user, the paginator's count and page, the one UPDATE, the menu's unread count and the
    # user's permissions (two, for the menu)
    assert few_queries == many_queries == 8
    assert few_html.count('class="notification ') == 3 and many_html.count('class="notification ') == 25
    assert escape("Page 1 sur 2") in many_html


def test_my_personal_data_include_my_notifications(member: User, make_user) -> None:
    _notifications(member, 2)
    _notifications(make_user("bram@example.be"), 1)

    data = json.loads(_signed_in(member).get(reverse("members:my_data")).content)

    assert [(row["subject"], row["body"]) for row in data["notifications"]] == [
        ("Sujet 0", "Corps 0"),
        ("Sujet 1", "Corps 1"),
    ]
    assert data["notifications"][0]["created_at"] and data["notifications"][0]["read_at"] is None

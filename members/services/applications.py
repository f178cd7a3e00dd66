"""Joining online: a membership application, its document, and the advisor's decision.

The applicant's identity passes the same checks as a member's before anything is saved, and every
fault is gathered before refusing (`application_check`, which the form runs too), so an applicant
corrects all of them after one submit. Trades come from the trade register (`members.trades`): the
codes are kept, with the names as the applicant read them. A decision locks the application and
refuses one already decided; approval creates the member, records the subscription and issues the
capital call, all in one transaction.
"""

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from members.models import (
    OPEN_APPLICATION,
    ApplicationStatus,
    CapitalCall,
    Member,
    MemberCategory,
    MembershipApplication,
    MemberStatus,
    Office,
    User,
)
from members.services.capital_calls import capital_call_issue
from members.services.members import Identity, _clean_identity, member_create
from members.services.shared import _check_decides, _positive
from members.services.shares import shares_subscribe
from members.trades import RegisteredTrade, trades_by_code
from smartcoop.access import may
from smartcoop.audit.services import audit_record, changes, name_actions, snapshot
from smartcoop.errors import ConflictError, InvalidInput, PermissionDeniedError, Refusals
from smartcoop.models import Notification
from smartcoop.notifications import notify
from smartcoop.uploads import check_document, uploads_kept_only_on_success

name_actions(
    {
        "application.document_requested": gettext_lazy("Document requested from the applicant"),
        "application.rejected": gettext_lazy("Membership application rejected"),
        "application.approved": gettext_lazy("Membership application approved"),
    }
)


@dataclass(frozen=True)
class ApplicationData:
    identity: Identity
    trades: tuple[str, ...]  # codes of the trade register
    shares_requested: int
    office: Office | None
    accepts_statutes: bool
    accepts_rules: bool
    accepts_privacy: bool


@dataclass(frozen=True)
class CheckedApplication:
    identity: dict[str, object]
    trades: list[RegisteredTrade]
    office: Office


# Names stored as the applicant read them, within the column; the codes keep the full choice.
TRADES_TEXT_LENGTH = 500


def _chosen_trades(codes: tuple[str, ...], refusals: Refusals) -> list[RegisteredTrade]:
    if not codes:
        refusals.add("trades", _("Choose at least one trade from the trade register."))
        return []
    found = trades_by_code(codes)
    for code in dict.fromkeys(codes):
        trade = found.get(code)
        if trade is None:
            refusals.add("trades", _("%(code)s is not in the trade register.") % {"code": code})
        elif trade.excluded:
            message = _("%(trade)s cannot be practised in the cooperative: %(reason)s") % {
                "trade": trade.name,
                "reason": trade.reason,
            }
            refusals.add("trades", message)
    return [found[code] for code in dict.fromkeys(codes) if code in found and not found[code].excluded]


def application_check(*, data: ApplicationData, document: UploadedFile[bytes] | None = None) -> CheckedApplication:
    """Judge everything typed at once, saving nothing: one InvalidInput names every field at fault.

    The form runs it too, on what it could read, so the page lists all the problems after one submit.
    """
    refusals = Refusals()
    consents = (
        ("accepts_statutes", data.accepts_statutes, _("Joining requires accepting the statutes.")),
        ("accepts_rules", data.accepts_rules, _("Joining requires accepting the internal rules.")),
        ("accepts_privacy", data.accepts_privacy, _("Joining requires accepting the privacy policy.")),
    )
    for field, accepted, message in consents:
        if not accepted:
            refusals.add(field, message)
    with refusals.collecting():
        _positive(data.shares_requested, field="shares_requested")
    if data.office is None:
        refusals.add("office", _("Choose the office that will follow your application."))
    trades = _chosen_trades(data.trades, refusals)
    identity: dict[str, object] = {}
    with refusals.collecting():
        identity = _clean_identity(data.identity)  # the same checks as for a member, before anything is saved
    if document is not None:
        with refusals.collecting():
            check_document(document, field="identity_document")
    refusals.raise_any()
    assert data.office is not None  # refused above otherwise
    return CheckedApplication(identity=identity, trades=trades, office=data.office)


def _trades_text(trades: list[RegisteredTrade]) -> str:
    text = ", ".join(trade.name for trade in trades)
    return text if len(text) <= TRADES_TEXT_LENGTH else text[: TRADES_TEXT_LENGTH - 1] + "…"


def application_submit(
    *, actor: User, data: ApplicationData, document: UploadedFile[bytes] | None
) -> MembershipApplication:
    """Check everything the applicant (`actor`) typed, then file the application for the office's advisors."""
    if Member.objects.filter(user=actor).exclude(status=MemberStatus.FORMER).exists():
        raise ConflictError(_("You are already a member of the cooperative."))
    checked = application_check(data=data, document=document)
    cleaned = checked.identity
    now = timezone.now()
    with uploads_kept_only_on_success() as uploads, transaction.atomic():
        if MembershipApplication.objects.select_for_update().filter(user=actor, status__in=OPEN_APPLICATION).exists():
            raise ConflictError(_("Your application is already with an advisor."))
        application = MembershipApplication(
            user=actor,
            kind=data.identity.kind,
            first_name=str(cleaned["first_name"]),
            last_name=str(cleaned["last_name"]),
            birth_date=data.identity.birth_date,
            national_number=str(cleaned["national_number"]),
            company_name=str(cleaned["company_name"]),
            enterprise_number=str(cleaned["enterprise_number"]),
            representative=str(cleaned["representative"]),
            street=str(cleaned["street"]),
            postal_code=str(cleaned["postal_code"]),
            city=str(cleaned["city"]),
            phone=str(cleaned["phone"]),
            iban=str(cleaned["iban"]),
            trades=_trades_text(checked.trades),
            trade_codes=[trade.code for trade in checked.trades],
            shares_requested=data.shares_requested,
            office=checked.office,
            consented_statutes_at=now,
            consented_rules_at=now,
            consented_privacy_at=now,
        )
        if document is not None:
            uploads.save(application.identity_document, document, name=document.name or "document")
        application.save()
        return application


def application_add_document(*, application: MembershipApplication, document: UploadedFile[bytes], actor: User) -> None:
    """The applicant sends the document an advisor asked for; the application goes back in the queue."""
    if not may(actor, "add_document", application):
        raise PermissionDeniedError()
    check_document(document, field="identity_document")
    with uploads_kept_only_on_success() as uploads, transaction.atomic():
        application = MembershipApplication.objects.select_for_update().get(pk=application.pk)
        if application.status not in OPEN_APPLICATION:
            raise ConflictError(_("This application has already been decided."))
        uploads.save(application.identity_document, document, name=document.name or "document")
        application.status = ApplicationStatus.SUBMITTED
        application.save(update_fields=["identity_document", "status"])


def _decide(application: MembershipApplication, actor: User) -> MembershipApplication:
    _check_decides(actor, application)
    locked = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status not in OPEN_APPLICATION:
        raise ConflictError(_("This application has already been decided."))
    return locked


def application_request_document(*, application: MembershipApplication, reason: str, actor: User) -> None:
    if not reason.strip():
        raise InvalidInput.on("reason", _("Say which document is missing: the applicant reads it."))
    with transaction.atomic():
        locked = _decide(application, actor)
        if locked.status == ApplicationStatus.NEEDS_DOCUMENT and locked.reason == reason.strip():
            return  # the same request again (a double click): the applicant was told already
        stored = snapshot(locked, ["status", "reason"])
        locked.status = ApplicationStatus.NEEDS_DOCUMENT
        locked.reason = reason.strip()
        locked.save(update_fields=["status", "reason"])
        before, after = changes(stored, locked, ["status", "reason"])
        audit_record(actor=actor, action="application.document_requested", target=locked, before=before, after=after)
        # An advisor may ask again after the applicant answered: each request is its own cause,
        # numbered under the application's lock.
        prefix = f"application:{locked.pk}:document-requested:"
        asked = Notification.objects.filter(user_id=locked.user_id, key__startswith=prefix).count()
        notify(
            user=locked.user,
            key=f"{prefix}{asked + 1}",
            subject=gettext_noop("A document is missing from your membership application"),
            template="application_document_requested",
            context={"reason": locked.reason},
            link=reverse("members:membership"),
        )


def application_reject(*, application: MembershipApplication, reason: str, actor: User) -> None:
    if not reason.strip():
        raise InvalidInput.on("reason", _("A rejection needs a reason: the applicant reads it."))
    with transaction.atomic():
        locked = _decide(application, actor)
        stored = snapshot(locked, ["status", "reason"])
        locked.status = ApplicationStatus.REJECTED
        locked.reason = reason.strip()
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        before, after = changes(stored, locked, ["status", "reason"])
        audit_record(actor=actor, action="application.rejected", target=locked, before=before, after=after)
        notify(
            user=locked.user,
            key=f"application:{locked.pk}:rejected",
            subject=gettext_noop("Your membership application was rejected"),
            template="application_rejected",
            context={"reason": locked.reason},
            link=reverse("members:membership"),
        )


def application_approve(
    *, application: MembershipApplication, actor: User, category: str = MemberCategory.A
) -> CapitalCall:
    """Admit the applicant as a member-to-be and ask them to pay for their shares."""
    today = timezone.localdate()
    with transaction.atomic():
        locked = _decide(application, actor)
        identity = Identity(
            kind=locked.kind,
            first_name=locked.first_name,
            last_name=locked.last_name,
            birth_date=locked.birth_date,
            national_number=locked.national_number,
            company_name=locked.company_name,
            enterprise_number=locked.enterprise_number,
            representative=locked.representative,
            street=locked.street,
            postal_code=locked.postal_code,
            city=locked.city,
            phone=locked.phone,
            iban=locked.iban,
        )
        previous = Member.objects.filter(user=locked.user).first()
        if previous is not None:
            raise ConflictError(_("This person already has a member record; reactivate it instead."))
        member = member_create(
            user=locked.user,
            identity=identity,
            office=locked.office,
            applied_on=locked.submitted_at.date(),
            category=category,
            advisor=actor,
            actor=actor,
        )
        stored = snapshot(locked, ["status", "member", "reason"])
        locked.status = ApplicationStatus.APPROVED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.member = member
        locked.reason = ""
        locked.save(update_fields=["status", "decided_at", "decided_by", "member", "reason"])
        before, after = changes(stored, locked, ["status", "member", "reason"])
        audit_record(actor=actor, action="application.approved", target=locked, before=before, after=after)
        shares_subscribe(
            member=member,
            quantity=locked.shares_requested,
            on=today,
            key=f"application:{locked.pk}:subscription",
            actor=actor,
        )
        call = capital_call_issue(member=member, quantity=locked.shares_requested, on=today, actor=actor)
        notify(
            user=locked.user,
            key=f"application:{locked.pk}:approved",
            subject=gettext_noop("Your membership application was approved"),
            template="application_approved",
            context={"quantity": call.quantity, "amount": call.amount, "reference": call.reference},
            link=reverse("members:membership"),
        )
        return call

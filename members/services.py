"""Every write to members and the share register.

Register operations lock what they read, always in the same order, so concurrent operations
queue instead of overselling: the members concerned (by primary key), then the register counter
(which also numbers operations without gaps), then the ledger's rows through `ledger_post`.
Each operation carries an idempotency key naming its cause, so a retried request or task
records it once. Shares are always valued at the nominal value of the cooperative entity:
capital is never remunerated and shares never gain value (DOMAIN.md, "Money flows").
"""

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import segno
import segno.helpers
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.identity import (
    bic_for,
    clean_enterprise_number,
    clean_iban,
    clean_national_number,
    structured_communication,
)
from members.models import (
    HOLDING_SIGN,
    OPEN_APPLICATION,
    ApplicationStatus,
    CapitalCall,
    CapitalCallStatus,
    Member,
    MemberCategory,
    MembershipApplication,
    MemberStatus,
    Office,
    PersonKind,
    RegisterCounter,
    RegisterExport,
    RegisterExportStatus,
    Role,
    ShareOperation,
    ShareOperationKind,
    ShareTransferRequest,
    TransferRequestStatus,
    User,
)
from members.selectors import current_member_named, member_holding
from smartcoop.access import may
from smartcoop.audit.models import AuditEntry
from smartcoop.audit.services import audit_record, changes, name_actions, name_values, snapshot
from smartcoop.errors import ConflictError, InvalidInput, PermissionDeniedError
from smartcoop.input_rules import BIRTH, require_whole_number
from smartcoop.ledger.services import books_memo, credit, debit, ledger_post
from smartcoop.models import CooperativeEntity, Notification
from smartcoop.notifications import notify
from smartcoop.uploads import check_document, uploads_kept_only_on_success

# PCMN: 550 bank, 100 subscribed capital, 489 other debts (a refund owed to a leaving member).
BANK, CAPITAL, REFUND_DUE = "550", "100", "489"

# What the audit trail records of a member: who they are, where their money goes, who follows them.
IDENTITY_FIELDS = [
    "kind",
    "first_name",
    "last_name",
    "birth_date",
    "national_number",
    "company_name",
    "enterprise_number",
    "representative",
    "street",
    "postal_code",
    "city",
    "country",
    "phone",
    "iban",
    "bic",
]
ASSIGNMENT_FIELDS = ["office", "advisor", "category"]

name_actions(
    {
        "member.created": gettext_lazy("Member record created"),
        "member.identity_changed": gettext_lazy("Identity changed"),
        "member.contact_changed": gettext_lazy("Address, phone or bank account changed"),
        "member.assigned": gettext_lazy("Office, advisor or category changed"),
        "member.admitted": gettext_lazy("Admitted as a member"),
        "member.left": gettext_lazy("Left the cooperative"),
        "shares.subscription": gettext_lazy("Shares subscribed"),
        "shares.issue": gettext_lazy("Shares issued"),
        "shares.transfer_out": gettext_lazy("Shares transferred to another member"),
        "shares.transfer_in": gettext_lazy("Shares received from another member"),
        "shares.buyback": gettext_lazy("Shares bought back"),
        "application.document_requested": gettext_lazy("Document requested from the applicant"),
        "application.rejected": gettext_lazy("Membership application rejected"),
        "application.approved": gettext_lazy("Membership application approved"),
        "capital_call.issued": gettext_lazy("Capital call issued"),
        "capital_call.paid": gettext_lazy("Capital call paid"),
        "transfer_request.approved": gettext_lazy("Share transfer approved"),
        "transfer_request.rejected": gettext_lazy("Share transfer rejected"),
        "transfer_request.cancelled": gettext_lazy("Share transfer withdrawn"),
    }
)
name_values(
    {
        "shares_held": gettext_lazy("shares held"),
        "register_number": gettext_lazy("register number"),
        "quantity": gettext_lazy("number of shares"),
        "unit_value": gettext_lazy("nominal value"),
        "operation_date": gettext_lazy("date"),
        "counterpart": gettext_lazy("other member"),
        "member": gettext_lazy("member"),
    }
)


def _next_number(counter: str) -> int:
    row = RegisterCounter.objects.select_for_update().get(name=counter)
    row.value += 1
    row.save(update_fields=["value"])
    return row.value


def _nominal_value() -> Decimal:
    entity = CooperativeEntity.objects.filter(country="BE").only("share_nominal_value").first()
    if entity is None:
        raise ConflictError(_("The cooperative's settings are missing: no nominal value for shares."))
    return entity.share_nominal_value


# The statutes set no ceiling; this one is ours: 1 000 shares (30 000 EUR at today's nominal value)
# in one operation, far above the one share most members take, and inside what the EPC payment QR
# code of a capital call can carry. A larger subscription is an advisor's conversation, in steps.
MAX_SHARES_AT_ONCE = 1000


def _positive(quantity: int, *, field: str = "quantity") -> None:
    """A number of shares for one operation: at least one, at most MAX_SHARES_AT_ONCE."""
    require_whole_number(
        quantity,
        field=field,
        minimum=1,
        maximum=MAX_SHARES_AT_ONCE,
        minimum_message=_("The number of shares must be at least one."),
        maximum_message=_("At most %(maximum)s shares at a time."),
    )


@dataclass(frozen=True)
class Identity:
    """Who a member is, as typed in a form; cleaned by `member_create`."""

    kind: str
    street: str
    postal_code: str
    city: str
    iban: str
    first_name: str = ""
    last_name: str = ""
    birth_date: date | None = None
    national_number: str = ""
    company_name: str = ""
    enterprise_number: str = ""
    representative: str = ""
    phone: str = ""
    country: str = "BE"


def _clean_identity(identity: Identity, *, exclude: Member | None = None) -> dict[str, object]:
    fields: dict[str, object] = {
        "kind": identity.kind,
        "street": identity.street.strip(),
        "postal_code": identity.postal_code.strip(),
        "city": identity.city.strip(),
        "country": identity.country,
        "phone": identity.phone.strip(),
        "iban": clean_iban(identity.iban),
    }
    fields["bic"] = bic_for(str(fields["iban"]))
    others = Member.objects.exclude(pk=exclude.pk) if exclude else Member.objects.all()
    if identity.kind == PersonKind.NATURAL:
        if not identity.first_name.strip() or not identity.last_name.strip() or identity.birth_date is None:
            raise InvalidInput.on("last_name", _("A person needs a first name, a last name and a birth date."))
        BIRTH.require(identity.birth_date, field="birth_date")
        number = clean_national_number(identity.national_number, birth_date=identity.birth_date)
        if others.filter(national_number=number).exists():
            raise InvalidInput.on("national_number", _("A member with this national register number already exists."))
        fields.update(
            first_name=identity.first_name.strip(),
            last_name=identity.last_name.strip(),
            birth_date=identity.birth_date,
            national_number=number,
            company_name="",
            enterprise_number="",
            representative="",
        )
    elif identity.kind == PersonKind.LEGAL:
        if not identity.company_name.strip() or not identity.representative.strip():
            raise InvalidInput.on("company_name", _("A company needs its name and the name of its representative."))
        number = clean_enterprise_number(identity.enterprise_number)
        if others.filter(enterprise_number=number).exists():
            raise InvalidInput.on("enterprise_number", _("A member with this enterprise number already exists."))
        fields.update(
            company_name=identity.company_name.strip(),
            representative=identity.representative.strip(),
            enterprise_number=number,
            national_number="",
            first_name="",
            last_name="",
            birth_date=None,
        )
    else:
        raise InvalidInput.on("kind", _("A member is a natural or a legal person."))
    return fields


def member_create(
    *,
    user: User,
    identity: Identity,
    office: Office,
    applied_on: date,
    category: str = MemberCategory.A,
    advisor: User | None = None,
    actor: User | None,
) -> Member:
    """A new member record (an applicant until their first shares are issued)."""
    fields = _clean_identity(identity)
    with transaction.atomic():
        member = Member.objects.create(
            user=user,
            number=_next_number("member_number"),
            category=category,
            office=office,
            advisor=advisor,
            applied_on=applied_on,
            status=MemberStatus.APPLICANT,
            **fields,
        )
        audit_record(
            actor=actor,
            action="member.created",
            target=member,
            after=snapshot(member, [*IDENTITY_FIELDS, *ASSIGNMENT_FIELDS, "status"]),
        )
        return member


def member_update_identity(*, member: Member, identity: Identity, actor: User) -> Member:
    if not may(actor, "change", member):
        raise PermissionDeniedError(_("This member belongs to another office."))
    fields = _clean_identity(identity, exclude=member)
    with transaction.atomic():
        # What is stored, not `member`: an admin form has already put its new values on it.
        stored = Member.objects.select_for_update(no_key=True).get(pk=member.pk)
        for name, value in fields.items():
            setattr(member, name, value)
        member.save(update_fields=list(fields))
        before, after = changes(stored, member, fields)
        if after:
            audit_record(actor=actor, action="member.identity_changed", target=member, before=before, after=after)
    return member


def member_update_contact(
    *, member: Member, street: str, postal_code: str, city: str, phone: str, iban: str, actor: User
) -> Member:
    """What a member may change themselves: address, phone and the account their pay goes to."""
    if not may(actor, "change_contact", member):
        raise PermissionDeniedError()
    cleaned_iban = clean_iban(iban)
    for field, value in {"street": street, "postal_code": postal_code, "city": city}.items():
        if not value.strip():
            raise InvalidInput.on(field, _("This field is required."))
    contact = ["street", "postal_code", "city", "phone", "iban", "bic"]
    with transaction.atomic():
        stored = Member.objects.select_for_update(no_key=True).get(pk=member.pk)
        member.street, member.postal_code, member.city = street.strip(), postal_code.strip(), city.strip()
        member.phone = phone.strip()
        member.iban, member.bic = cleaned_iban, bic_for(cleaned_iban)
        member.save(update_fields=contact)
        before, after = changes(stored, member, contact)
        if after:
            audit_record(actor=actor, action="member.contact_changed", target=member, before=before, after=after)
    return member


def check_assignment(*, office: Office, advisor: User | None, category: str) -> None:
    """The rules of an assignment that need no database lock (forms ask them before saving)."""
    if category not in MemberCategory.values:
        raise InvalidInput.on("category", _("Choose a category."))
    if advisor is None:
        return
    name = advisor.get_full_name() or advisor.email
    if not (advisor.is_active and advisor.is_staff and advisor.groups.filter(name=Role.ADVISOR).exists()):
        raise InvalidInput.on("advisor", _("%(name)s is not an advisor.") % {"name": name})
    if advisor.office_id != office.pk:
        raise InvalidInput.on(
            "advisor", _("%(name)s does not work at the %(office)s office.") % {"name": name, "office": office.name}
        )


def member_assign(
    *,
    member: Member,
    office: Office,
    advisor: User | None,
    category: str,
    reason: str,
    actor: User,
) -> AuditEntry | None:
    """Move a member to another office, advisor or category, leaving an audit entry (None: no change).

    The advisor must work at the member's new office; the category is the class of the shares,
    so it changes only before any share is issued (later, through the register).
    """
    if not (may(actor, "assign", member) and may(actor, "reach", office)):
        # An advisor acts within their office: moving a member elsewhere needs who sees every office.
        raise PermissionDeniedError(_("This member belongs to another office."))
    check_assignment(office=office, advisor=advisor, category=category)
    with transaction.atomic():
        locked = Member.objects.select_for_update(no_key=True).get(pk=member.pk)
        if category != locked.category and locked.status != MemberStatus.APPLICANT:
            raise InvalidInput.on(
                "category", _("The category is the class of the shares already issued: it can no longer change here.")
            )
        stored = snapshot(locked, ASSIGNMENT_FIELDS)
        locked.office, locked.advisor, locked.category = office, advisor, category
        before, after = changes(stored, locked, ASSIGNMENT_FIELDS)
        if not after:
            return None
        locked.save(update_fields=ASSIGNMENT_FIELDS)
        member.office, member.advisor, member.category = office, advisor, category
        return audit_record(
            actor=actor, action="member.assigned", target=locked, before=before, after=after, reason=reason.strip()
        )


def _locked(*members: Member) -> list[Member]:
    """The members' rows, locked in primary-key order (the order every register operation uses)."""
    ids = sorted({m.pk for m in members})
    locked = {m.pk: m for m in Member.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")}
    return [locked[m.pk] for m in members]


def _record(
    *,
    key: str,
    kind: ShareOperationKind,
    member: Member,
    quantity: int,
    on: date,
    actor: User | None,
    unit_value: Decimal,
    counterpart: Member | None = None,
    reason: str = "",
) -> ShareOperation:
    operation = ShareOperation.objects.create(
        number=_next_number("share_register"),
        key=key,
        kind=kind,
        member=member,
        share_class=member.category,
        quantity=quantity,
        delta=quantity * HOLDING_SIGN[kind],
        unit_value=unit_value,
        operation_date=on,
        counterpart=counterpart,
        reason=reason,
        actor=actor,
    )
    held = member_holding(member=member)
    before, after = changes({"shares_held": held - operation.delta}, {"shares_held": held}, ["shares_held"])
    detail = {"register_number": operation.number, "quantity": quantity, "unit_value": unit_value, "operation_date": on}
    if counterpart is not None:
        detail["counterpart"] = counterpart.number
    if reason:
        detail["reason"] = reason
    audit_record(actor=actor, action=f"shares.{kind}", target=member, before=before, after=after, **detail)
    return operation


def shares_subscribe(*, member: Member, quantity: int, on: date, key: str, actor: User | None) -> ShareOperation:
    """The member's commitment to take shares; they count once paid and issued."""
    _positive(quantity)
    with transaction.atomic():
        existing = ShareOperation.objects.filter(key=key).first()
        if existing is not None:
            return existing
        (member,) = _locked(member)
        return _record(
            key=key,
            kind=ShareOperationKind.SUBSCRIPTION,
            member=member,
            quantity=quantity,
            on=on,
            actor=actor,
            unit_value=_nominal_value(),
        )


def shares_issue(*, member: Member, quantity: int, on: date, key: str, actor: User | None) -> ShareOperation:
    """Issue paid shares: the register line, the capital in the ledger, and admission if first."""
    _positive(quantity)
    with transaction.atomic():
        existing = ShareOperation.objects.filter(key=key).first()
        if existing is not None:
            return existing
        (member,) = _locked(member)
        if member.status == MemberStatus.FORMER:
            raise ConflictError(_("A former member cannot receive shares; they apply again."))
        unit_value = _nominal_value()
        operation = _record(
            key=key,
            kind=ShareOperationKind.ISSUE,
            member=member,
            quantity=quantity,
            on=on,
            actor=actor,
            unit_value=unit_value,
        )
        ledger_post(
            key=f"shares:{operation.number}:issue",
            date=on,
            memo=books_memo(lambda: _("Shares issued to member %(number)s") % {"number": member.number}),
            legs=[debit(BANK, operation.amount), credit(CAPITAL, operation.amount)],
            actor=actor,
        )
        if member.status == MemberStatus.APPLICANT:
            stored = snapshot(member, ["status", "admitted_on"])
            member.status = MemberStatus.MEMBER
            member.admitted_on = on
            member.save(update_fields=["status", "admitted_on"])
            before, after = changes(stored, member, ["status", "admitted_on"])
            audit_record(actor=actor, action="member.admitted", target=member, before=before, after=after)
        return operation


def _refuse_more_than_held(member: Member, quantity: int) -> None:
    held = member_holding(member=member)
    if quantity > held:
        message = _("%(name)s holds %(held)s share(s): %(quantity)s cannot be taken from them.") % {
            "name": member.display_name,
            "held": held,
            "quantity": quantity,
        }
        raise InvalidInput.on("quantity", message)


def _leave_if_no_shares(member: Member, *, on: date, reason: str, actor: User | None) -> None:
    if member_holding(member=member) == 0 and member.status == MemberStatus.MEMBER:
        fields = ["status", "left_on", "exit_reason"]
        stored = snapshot(member, fields)
        member.status = MemberStatus.FORMER
        member.left_on = on
        member.exit_reason = reason
        member.save(update_fields=fields)
        before, after = changes(stored, member, fields)
        audit_record(actor=actor, action="member.left", target=member, before=before, after=after)


def shares_transfer(
    *, seller: Member, buyer: Member, quantity: int, on: date, key: str, actor: User
) -> tuple[ShareOperation, ShareOperation]:
    """Shares pass from one member to another at nominal value, with an advisor's approval."""
    _positive(quantity)
    if seller.pk == buyer.pk:
        raise InvalidInput.on("buyer", _("A member cannot transfer shares to themselves."))
    with transaction.atomic():
        existing = ShareOperation.objects.filter(key=f"{key}:out").first()
        if existing is not None:
            return existing, ShareOperation.objects.get(key=f"{key}:in")
        seller, buyer = _locked(seller, buyer)
        if buyer.status != MemberStatus.MEMBER:
            raise InvalidInput.on("buyer", _("Shares can only be transferred to a current member."))
        _refuse_more_than_held(seller, quantity)
        unit_value = _nominal_value()
        out = _record(
            key=f"{key}:out",
            kind=ShareOperationKind.TRANSFER_OUT,
            member=seller,
            quantity=quantity,
            on=on,
            actor=actor,
            unit_value=unit_value,
            counterpart=buyer,
        )
        into = _record(
            key=f"{key}:in",
            kind=ShareOperationKind.TRANSFER_IN,
            member=buyer,
            quantity=quantity,
            on=on,
            actor=actor,
            unit_value=unit_value,
            counterpart=seller,
        )
        _leave_if_no_shares(seller, on=on, reason=_("All shares transferred"), actor=actor)
        return out, into


def shares_buy_back(
    *, member: Member, quantity: int, on: date, reason: str, key: str, actor: User | None
) -> ShareOperation:
    """The cooperative takes shares back at nominal value; the refund is owed until paid."""
    _positive(quantity)
    with transaction.atomic():
        existing = ShareOperation.objects.filter(key=key).first()
        if existing is not None:
            return existing
        (member,) = _locked(member)
        _refuse_more_than_held(member, quantity)
        operation = _record(
            key=key,
            kind=ShareOperationKind.BUYBACK,
            member=member,
            quantity=quantity,
            on=on,
            actor=actor,
            unit_value=_nominal_value(),
            reason=reason,
        )
        ledger_post(
            key=f"shares:{operation.number}:buyback",
            date=on,
            memo=books_memo(lambda: _("Shares bought back from member %(number)s") % {"number": member.number}),
            legs=[debit(CAPITAL, operation.amount), credit(REFUND_DUE, operation.amount)],
            actor=actor,
        )
        _leave_if_no_shares(member, on=on, reason=reason, actor=actor)
        return operation


# --- joining online -----------------------------------------------------------------------------


def _check_decides(actor: User, decided: MembershipApplication | CapitalCall) -> None:
    if not may(actor, "decide", decided):
        raise PermissionDeniedError(_("This application belongs to another office."))


@dataclass(frozen=True)
class ApplicationData:
    identity: Identity
    trades: str
    shares_requested: int
    office: Office
    accepts_statutes: bool
    accepts_rules: bool
    accepts_privacy: bool


def application_submit(
    *, actor: User, data: ApplicationData, document: UploadedFile[bytes] | None
) -> MembershipApplication:
    """Check everything the applicant (`actor`) typed, then file the application for the office's advisors."""
    if Member.objects.filter(user=actor).exclude(status=MemberStatus.FORMER).exists():
        raise ConflictError(_("You are already a member of the cooperative."))
    if not (data.accepts_statutes and data.accepts_rules and data.accepts_privacy):
        raise InvalidInput.on(
            "consents", _("Joining requires accepting the statutes, the internal rules and the privacy policy.")
        )
    _positive(data.shares_requested, field="shares_requested")
    if not data.trades.strip():
        raise InvalidInput.on("trades", _("Tell us which trade(s) you intend to practise."))
    cleaned = _clean_identity(data.identity)  # the same checks as for a member, before anything is saved
    if document is not None:
        check_document(document, field="identity_document")
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
            trades=data.trades.strip(),
            shares_requested=data.shares_requested,
            office=data.office,
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
            subject=gettext_lazy("A document is missing from your membership application"),
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
            subject=gettext_lazy("Your membership application was rejected"),
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
            subject=gettext_lazy("Your membership application was approved"),
            template="application_approved",
            context={"call": call},
            link=reverse("members:membership"),
        )
        return call


# --- paying for shares ------------------------------------------------------------------------


def capital_call_issue(*, member: Member, quantity: int, on: date, actor: User | None) -> CapitalCall:
    _positive(quantity)
    with transaction.atomic():
        call = CapitalCall.objects.create(
            member=member, quantity=quantity, amount=_nominal_value() * quantity, issued_on=on
        )
        # The reference is derived from the call's own id, so it is unique and needs no counter.
        call.reference = structured_communication(call.pk)
        call.save(update_fields=["reference"])
        audit_record(
            actor=actor,
            action="capital_call.issued",
            target=call,
            after=snapshot(call, ["quantity", "amount", "reference", "status", "issued_on"]),
            member=member.number,
        )
        return call


def capital_call_record_payment(*, call: CapitalCall, paid_on: date, actor: User) -> ShareOperation:
    """The money arrived: issue the shares (once, whatever is retried) and close the call."""
    _check_decides(actor, call)
    with transaction.atomic():
        locked = CapitalCall.objects.select_for_update().select_related("member").get(pk=call.pk)
        key = f"capital-call:{locked.pk}:paid"
        if locked.status == CapitalCallStatus.PAID:
            return ShareOperation.objects.get(key=key)
        if locked.status == CapitalCallStatus.CANCELLED:
            raise ConflictError(_("This capital call was cancelled."))
        operation = shares_issue(member=locked.member, quantity=locked.quantity, on=paid_on, key=key, actor=actor)
        stored = snapshot(locked, ["status", "paid_on"])
        locked.status = CapitalCallStatus.PAID
        locked.paid_on = paid_on
        locked.recorded_by = actor
        locked.save(update_fields=["status", "paid_on", "recorded_by"])
        before, after = changes(stored, locked, ["status", "paid_on"])
        audit_record(
            actor=actor,
            action="capital_call.paid",
            target=locked,
            before=before,
            after=after,
            register_number=operation.number,
        )
        return operation


def capital_call_qr_svg(*, call: CapitalCall) -> str:
    """An EPC QR code ("scan to pay") for the call, as inline SVG.

    The Belgian structured communication goes in the remittance text: banking apps in Belgium
    read +++…+++ there (the EPC "reference" field is meant for ISO 11649 RF references).
    """
    entity = CooperativeEntity.objects.get(country="BE")
    code = segno.helpers.make_epc_qr(
        name=entity.name[:70],
        iban=entity.iban,
        bic=entity.bic,
        amount=call.amount,
        text=call.reference or "",
    )
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True, title=str(_("Scan to pay with your banking app")))
    return buffer.getvalue().decode()


# --- transfers asked for by members -----------------------------------------------------------


def transfer_request_submit(
    *, seller: Member, buyer_number: int, buyer_name: str, quantity: int, note: str, actor: User
) -> ShareTransferRequest:
    """A member asks to pass shares to another member; an advisor approves before the register changes.

    The receiving member is named by number and name together, as a bank checks a beneficiary:
    a mistyped number then finds nobody instead of a stranger, and no one can probe who is a member.
    """
    if not may(actor, "sell_shares", seller):
        raise PermissionDeniedError()
    _positive(quantity)
    if seller.status != MemberStatus.MEMBER:
        raise InvalidInput(_("Only a current member can transfer shares."))
    buyer = current_member_named(number=buyer_number, name=buyer_name)
    if buyer is None:
        raise InvalidInput.on("buyer_number", _("No current member has this number and this name."))
    if buyer.pk == seller.pk:
        raise InvalidInput.on("buyer_number", _("A member cannot transfer shares to themselves."))
    with transaction.atomic():
        (seller,) = _locked(seller)
        pending = (
            ShareTransferRequest.objects.filter(seller=seller, status=TransferRequestStatus.PENDING).aggregate(
                total=Sum("quantity")
            )["total"]
            or 0
        )
        held = member_holding(member=seller)
        if quantity + pending > held:
            message = _("You hold %(held)s shares, %(pending)s of them already in a pending transfer.") % {
                "held": held,
                "pending": pending,
            }
            raise InvalidInput.on("quantity", message)
        return ShareTransferRequest.objects.create(seller=seller, buyer=buyer, quantity=quantity, note=note.strip())


def _locked_request(request: ShareTransferRequest) -> ShareTransferRequest:
    """The request's row alone: joined members are locked later, in primary-key order, by `_locked`.

    A plain FOR UPDATE would also lock the seller then the buyer (join order), which deadlocks with
    a register operation that holds the lower member and waits for the higher one.
    """
    queryset = ShareTransferRequest.objects.select_for_update(of=("self",)).select_related("seller", "buyer")
    return queryset.get(pk=request.pk)


def _pending_request(request: ShareTransferRequest) -> ShareTransferRequest:
    locked = _locked_request(request)
    if locked.status != TransferRequestStatus.PENDING:
        raise ConflictError(_("This transfer request has already been decided."))
    return locked


def transfer_request_cancel(*, request: ShareTransferRequest, actor: User) -> None:
    if not may(actor, "cancel", request):
        raise PermissionDeniedError()
    with transaction.atomic():
        locked = _pending_request(request)
        locked.status = TransferRequestStatus.CANCELLED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        audit_record(
            actor=actor,
            action="transfer_request.cancelled",
            target=locked,
            before={"status": TransferRequestStatus.PENDING},
            after={"status": locked.status},
        )


def transfer_request_approve(*, request: ShareTransferRequest, actor: User) -> ShareOperation:
    """Record the transfer in the register (once, whatever is retried) and close the request."""
    if not may(actor, "decide", request):
        raise PermissionDeniedError(_("This member belongs to another office."))
    with transaction.atomic():
        locked = _locked_request(request)
        if locked.status == TransferRequestStatus.APPROVED and locked.operation is not None:
            return locked.operation
        locked = _pending_request(request)
        out, _into = shares_transfer(
            seller=locked.seller,
            buyer=locked.buyer,
            quantity=locked.quantity,
            on=timezone.localdate(),
            key=f"transfer-request:{locked.pk}",
            actor=actor,
        )
        locked.status = TransferRequestStatus.APPROVED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.operation = out
        locked.save(update_fields=["status", "decided_at", "decided_by", "operation"])
        audit_record(
            actor=actor,
            action="transfer_request.approved",
            target=locked,
            before={"status": TransferRequestStatus.PENDING, "operation": None},
            after={"status": locked.status, "operation": out.pk},
        )
        notify(
            user=locked.seller.user,
            key=f"transfer-request:{locked.pk}:approved",
            subject=gettext_lazy("Your share transfer was approved"),
            template="share_transfer_approved",
            context={"request": locked, "operation": out},
            link=reverse("members:shares"),
        )
        return out


def transfer_request_reject(*, request: ShareTransferRequest, reason: str, actor: User) -> None:
    if not may(actor, "decide", request):
        raise PermissionDeniedError(_("This member belongs to another office."))
    if not reason.strip():
        raise InvalidInput.on("reason", _("A rejection needs a reason: the member reads it."))
    with transaction.atomic():
        locked = _pending_request(request)
        locked.status = TransferRequestStatus.REJECTED
        locked.reason = reason.strip()
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        audit_record(
            actor=actor,
            action="transfer_request.rejected",
            target=locked,
            before={"status": TransferRequestStatus.PENDING, "reason": ""},
            after={"status": locked.status, "reason": locked.reason},
        )
        notify(
            user=locked.seller.user,
            key=f"transfer-request:{locked.pk}:rejected",
            subject=gettext_lazy("Your share transfer was rejected"),
            template="share_transfer_rejected",
            context={"request": locked, "reason": locked.reason},
            link=reverse("members:shares"),
        )


# --- the register as a PDF, built by a worker -------------------------------------------------


def register_export_request(*, at: date, actor: User) -> RegisterExport:
    """Queue the register PDF as it stood at `at`; the worker builds it (see register_export_build)."""
    if not may(actor, "add", RegisterExport):
        raise PermissionDeniedError()
    if at > timezone.localdate():
        raise InvalidInput.on("at", _("The register cannot be printed at a future date."))
    from members.tasks import build_register_export  # tasks import this module

    with transaction.atomic():
        export = RegisterExport.objects.create(requested_by=actor, at=at)
        transaction.on_commit(lambda: build_register_export.delay(export.pk))
        return export


def register_export_build(*, export_id: int) -> RegisterExport:
    """Render the PDF in the requester's language and attach it; run twice, it renders once."""
    from members.documents import share_register_render  # WeasyPrint loads slowly

    export = RegisterExport.objects.select_related("requested_by").get(pk=export_id)
    if export.status == RegisterExportStatus.READY:
        return export
    try:
        with translation.override(export.requested_by.language):
            document = share_register_render(at=export.at)
            pdf = bytes(document.write_pdf())
    except Exception as error:  # noqa: BLE001 -- any rendering failure is reported to the requester
        export.status = RegisterExportStatus.FAILED
        export.error = f"{type(error).__name__}: {error}"
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        return export
    export.file.save(f"share-register-{export.at:%Y-%m-%d}-{export.pk}.pdf", ContentFile(pdf), save=False)
    export.pages = len(document.pages)
    export.status = RegisterExportStatus.READY
    export.error = ""
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "pages", "status", "error", "finished_at"])
    return export

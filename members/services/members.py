"""A member's record: creation, identity, contact details, and assignment to an office and advisor.

An identity is cleaned and checked the same way for a member and an applicant (`_clean_identity`),
before anything is saved. Each change is made on the locked row and compared with what was stored,
so the audit trail records only what really changed.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.identity import bic_for, clean_enterprise_number, clean_iban, clean_national_number
from members.models import Member, MemberCategory, MemberStatus, Office, PersonKind, Role, User
from members.services.shared import _next_number
from smartcoop.access import may
from smartcoop.audit.models import AuditEntry
from smartcoop.audit.services import audit_record, changes, name_actions, snapshot
from smartcoop.errors import InvalidInput, PermissionDeniedError, Refusals
from smartcoop.input_rules import BIRTH

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
    }
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
    # Every fault is gathered before refusing: an applicant corrects them all in one submit.
    refusals = Refusals()
    fields: dict[str, object] = {
        "kind": identity.kind,
        "street": identity.street.strip(),
        "postal_code": identity.postal_code.strip(),
        "city": identity.city.strip(),
        "country": identity.country,
        "phone": identity.phone.strip(),
    }
    with refusals.collecting():
        fields["iban"] = clean_iban(identity.iban)
        fields["bic"] = bic_for(str(fields["iban"]))
    others = Member.objects.exclude(pk=exclude.pk) if exclude else Member.objects.all()
    if identity.kind == PersonKind.NATURAL:
        if not identity.first_name.strip():
            refusals.add("first_name", _("A person needs a first name."))
        if not identity.last_name.strip():
            refusals.add("last_name", _("A person needs a last name."))
        if identity.birth_date is None:
            refusals.add("birth_date", _("A person needs a birth date."))
        else:
            with refusals.collecting():
                BIRTH.require(identity.birth_date, field="birth_date")
        number = ""
        with refusals.collecting():
            number = clean_national_number(identity.national_number, birth_date=identity.birth_date)
        if number and others.filter(national_number=number).exists():
            refusals.add("national_number", _("A member with this national register number already exists."))
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
        if not identity.company_name.strip():
            refusals.add("company_name", _("A company needs its name."))
        if not identity.representative.strip():
            refusals.add("representative", _("A company needs the name of its representative."))
        number = ""
        with refusals.collecting():
            number = clean_enterprise_number(identity.enterprise_number)
        if number and others.filter(enterprise_number=number).exists():
            refusals.add("enterprise_number", _("A member with this enterprise number already exists."))
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
        refusals.add("kind", _("A member is a natural or a legal person."))
    refusals.raise_any()
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

"""The clients and suppliers an Activity works with.

A company is one record for the whole cooperative, found again by its VAT number (checked per
country by python-stdnum), and linked to each Activity that works with it.

What identifies a record (its kind, country and VAT number) stays as first recorded: invoices and
reminders hang on it. How it is reached (name, address, e-mail, language, payment terms) can be
corrected, by a holder while only their Activities work with it and by an advisor otherwise
(`change_contact` in the access policy), each correction in the audit trail with before and after.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import get_cc_module
from stdnum.be import vat as be_vat
from stdnum.exceptions import ValidationError as StdnumValidationError

from activities.models import (
    Activity,
    ActivityThirdParty,
    ThirdParty,
    ThirdPartyKind,
)
from activities.services.shared import _require
from members.models import User
from smartcoop.access import require
from smartcoop.audit.services import audit_record, changes, name_actions, snapshot
from smartcoop.errors import InvalidInput

# Four months: beyond what Belgian law lets businesses agree (60 days, 120 for public bodies).
MAX_PAYMENT_TERMS_DAYS = 120
PAYMENT_TERMS_CEILING_MESSAGE = gettext_lazy("Payment terms are at most %(maximum)s days.")


@dataclass(frozen=True)
class ThirdPartyData:
    kind: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    language: str
    email: str = ""
    vat_number: str = ""
    payment_terms_days: int = 30


@dataclass(frozen=True)
class ThirdPartyContact:
    """How a client or supplier is reached: what a correction may change."""

    name: str
    street: str
    postal_code: str
    city: str
    language: str
    email: str = ""
    payment_terms_days: int = 30


CONTACT_FIELDS = ("name", "street", "postal_code", "city", "language", "email", "payment_terms_days")
SHARED_RECORD_MESSAGE = gettext_lazy(
    "Other Activities of the cooperative work with this client too: ask your advisor to correct it."
)

name_actions(
    {
        "activity.third_party_added": gettext_lazy("Client or supplier added"),
        "activity.third_party_changed": gettext_lazy("Client or supplier corrected"),
    }
)


def clean_vat_number(*, country: str, number: str) -> str:
    """A VAT number checked for its country by python-stdnum, stored compact with its country prefix."""
    compact = "".join(number.split()).replace(".", "").replace("-", "").upper()
    if not compact:
        return ""
    prefix = "EL" if country == "GR" else country
    if compact[:2].isalpha():
        if compact[:2] != prefix:
            raise InvalidInput.on(
                "vat_number",
                _("This VAT number does not belong to the country chosen (%(country)s).") % {"country": country},
            )
        compact = compact[2:]
    try:
        module = get_cc_module(country.lower(), "vat")
    except (ImportError, ValueError):
        module = None
    if module is None:
        raise InvalidInput.on(
            "vat_number", _("VAT numbers of this country cannot be checked; leave it empty or ask your advisor.")
        )
    try:
        return f"{prefix}{module.compact(module.validate(compact))}"
    except StdnumValidationError:
        message = _("This is not a valid VAT number for %(country)s.") % {"country": country}
        raise InvalidInput.on("vat_number", message) from None


def vat_number_text(vat_number: str) -> str:
    """A compact VAT number as people read it aloud: BE 0754.316.243, FR 403 032 650 45."""
    if len(vat_number) < 3:
        return vat_number
    prefix, number = vat_number[:2], vat_number[2:]
    if prefix == "BE":
        return f"{prefix} {enterprise_number_text(number)}"
    # Countries group their numbers each their own way; threes are read back without a slip.
    return " ".join([prefix, *(number[i : i + 3] for i in range(0, len(number), 3))])


def enterprise_number_text(enterprise_number: str) -> str:
    """A Belgian enterprise number grouped as the Crossroads Bank for Enterprises writes it: 0754.316.243."""
    digits = enterprise_number.strip()
    if len(digits) != 10 or not digits.isdigit():
        return digits
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def peppol_id_for(*, country: str, vat_number: str) -> str:
    """The Peppol participant identifier: 0208 (Belgian enterprise number) for a Belgian company."""
    if country == "BE" and vat_number:
        return f"0208:{be_vat.compact(vat_number)}"
    return ""


def _clean_third_party(data: ThirdPartyData) -> tuple[str, str]:
    """The country code and the compact VAT number of a client or supplier, or InvalidInput naming the field."""
    country = data.country.upper().strip()
    if len(country) != 2 or not (country.isascii() and country.isalpha()):
        raise InvalidInput.on("country", _("Choose a country."))
    for field in ("name", "street", "postal_code", "city"):
        if not str(getattr(data, field)).strip():
            raise InvalidInput.on(field, _("This field is required."))
    if data.kind not in ThirdPartyKind.values:
        raise InvalidInput.on("kind", _("Choose a person or a company."))
    if data.language not in ("fr", "nl", "en"):
        raise InvalidInput.on("language", _("Choose a language."))
    vat_number = clean_vat_number(country=country, number=data.vat_number)
    if data.kind == ThirdPartyKind.COMPANY and country == "BE" and not vat_number:
        raise InvalidInput.on("vat_number", _("A Belgian company is identified by its enterprise (VAT) number."))
    if data.kind == ThirdPartyKind.PERSON:
        vat_number = ""
    if not 0 <= data.payment_terms_days <= MAX_PAYMENT_TERMS_DAYS:
        raise InvalidInput.on("payment_terms_days", _("Payment terms are between 0 and 120 days."))
    return country, vat_number


def third_party_add(*, activity: Activity, data: ThirdPartyData, actor: User) -> ThirdParty:
    """A client or supplier for the Activity: the cooperative's record when the number is known, else a new one.

    A company is found by its VAT number, so two members working for the same client share one
    record (and one dunning history); its address is then kept as the first one recorded it.
    """
    _require(actor, "add_third_party", activity)
    country, vat_number = _clean_third_party(data)
    with transaction.atomic():
        third_party = None
        if vat_number:
            third_party = ThirdParty.objects.select_for_update().filter(vat_number=vat_number).first()
        if third_party is None:
            third_party = ThirdParty(
                kind=data.kind,
                name=data.name.strip(),
                street=data.street.strip(),
                postal_code=data.postal_code.strip(),
                city=data.city.strip(),
                country=country,
                language=data.language,
                email=data.email.strip(),
                vat_number=vat_number,
                enterprise_number=vat_number[2:] if vat_number.startswith("BE") else "",
                peppol_id=peppol_id_for(country=country, vat_number=vat_number),
                payment_terms_days=data.payment_terms_days,
                created_by=actor,
            )
            # Two members adding the same new client at once: the unique index keeps one row.
            try:
                with transaction.atomic():
                    third_party.save()
            except IntegrityError:
                third_party = None
            if third_party is None:
                third_party = ThirdParty.objects.get(vat_number=vat_number)
        _link, linked = ActivityThirdParty.objects.get_or_create(activity=activity, third_party=third_party)
        if linked:
            audit_record(
                actor=actor,
                action="activity.third_party_added",
                target=activity,
                third_party=third_party.pk,
                name=third_party.name,
                vat_number=third_party.vat_number,
            )
        return third_party


def third_party_update(*, third_party: ThirdParty, data: ThirdPartyContact, actor: User) -> ThirdParty:
    """Correct how a client or supplier is reached; its kind, country and VAT number stay as recorded."""
    require(actor, "change_contact", third_party, message=SHARED_RECORD_MESSAGE)
    for field in ("name", "street", "postal_code", "city"):
        if not str(getattr(data, field)).strip():
            raise InvalidInput.on(field, _("This field is required."))
    if data.language not in ("fr", "nl", "en"):
        raise InvalidInput.on("language", _("Choose a language."))
    if data.email.strip():
        try:
            validate_email(data.email.strip())
        except ValidationError:
            raise InvalidInput.on("email", _("Enter a valid e-mail address.")) from None
    if not 0 <= data.payment_terms_days <= MAX_PAYMENT_TERMS_DAYS:
        raise InvalidInput.on("payment_terms_days", _("Payment terms are between 0 and 120 days."))
    with transaction.atomic():
        # Two corrections at once queue here, and each records what it found before it.
        locked = ThirdParty.objects.select_for_update(no_key=True).get(pk=third_party.pk)
        before_values = snapshot(locked, CONTACT_FIELDS)
        for field in CONTACT_FIELDS:
            value = getattr(data, field)
            setattr(locked, field, value.strip() if isinstance(value, str) else value)
        locked.save(update_fields=list(CONTACT_FIELDS))
        before, after = changes(before_values, locked, CONTACT_FIELDS)
        if after:
            audit_record(actor=actor, action="activity.third_party_changed", target=locked, before=before, after=after)
        return locked

"""The Espace membre's forms: they read what was typed, the services judge it.

Numbers and dates are read by the platform's fields (`smartcoop.forms`), with the same bounds the
services enforce, so the page and the API refuse the same input with the same message. The joining
form also runs the service's check on what it could read, so every problem shows after one submit.
"""

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Office, PersonKind
from members.selectors import office_suggestions
from members.services import MAX_SHARES_AT_ONCE, ApplicationData, Identity, application_check
from members.trades import TradeSector, trade_register, trade_sectors
from smartcoop.errors import InvalidInput
from smartcoop.forms import DateField, Form, WholeNumberField
from smartcoop.input_rules import BIRTH

# Member numbers are counted from 1; seven digits leave room for a hundred times today's members.
MAX_MEMBER_NUMBER = 9_999_999
MEMBER_NUMBER_CEILING_MESSAGE = _("A member number has at most 7 digits.")


def _shares_field(label: Any, **kwargs: Any) -> WholeNumberField:
    return WholeNumberField(
        label=label,
        **kwargs,
        minimum=1,
        maximum=MAX_SHARES_AT_ONCE,
        minimum_message=_("The number of shares must be at least one."),
        maximum_message=_("At most %(maximum)s shares at a time."),
    )


PERSON_FIELDS = ("first_name", "last_name", "birth_date", "national_number")
COMPANY_FIELDS = ("company_name", "enterprise_number", "representative")
CONSENT_FIELDS = ("accepts_statutes", "accepts_rules", "accepts_privacy")
DOCUMENT_TYPES = "application/pdf,image/jpeg,image/png"


class ApplicationForm(Form):
    """Joining: every problem is reported after one submit, each on its field.

    Django's checks run on every field whatever the others hold; then the service's own check
    (`application_check`) judges what could be read and adds its refusals to the fields not already
    in error. The person's and the company's fields are all marked required, as each group is when
    its kind shows it: a submission is judged on the group of its kind, the other group is emptied.
    """

    kind = forms.ChoiceField(label=_("I join as"), choices=PersonKind.choices, initial=PersonKind.NATURAL)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    birth_date = DateField(label=_("Birth date"), window=BIRTH)
    national_number = forms.CharField(
        label=_("National register number"),
        max_length=20,
        help_text=_("On the back of your identity card: YY.MM.DD-XXX.CC"),
    )
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    enterprise_number = forms.CharField(
        label=_("Enterprise number"),
        max_length=20,
        help_text=_("As in the Crossroads Bank for Enterprises: 0123.456.789"),
    )
    representative = forms.CharField(
        label=_("Representative"), max_length=200, help_text=_("The person who signs for the company.")
    )
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=12)
    city = forms.CharField(label=_("City"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=40, help_text=_("Where your salary will be paid."))
    office = forms.ModelChoiceField(
        label=_("The office that will follow your application"),
        help_text=_(
            "Its advisors check your application, then follow your work. "
            "The office nearest to your postal code is suggested; choose another if you prefer."
        ),
        queryset=Office.objects.order_by("name"),
    )
    # Every trade of the register is a valid choice, excluded ones too: the service refuses those
    # with the register's reason, as for an Activity.
    trades = forms.MultipleChoiceField(
        label=_("Trades you intend to practise, from the trade register"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one trade from the trade register.")},
    )
    shares_requested = _shares_field(
        _("Number of shares"), initial=1, help_text=_("At least one share, at its nominal value.")
    )
    identity_document = forms.FileField(
        label=_("Identity document (PDF, JPEG or PNG, at most 10 MB)"),
        required=False,
        help_text=_("You may also send it later, when your advisor asks for it."),
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}),
    )
    accepts_statutes = forms.BooleanField(
        label=_("I have read and accept the statutes."),
        error_messages={"required": _("Joining requires accepting the statutes.")},
    )
    accepts_rules = forms.BooleanField(
        label=_("I have read and accept the internal rules."),
        error_messages={"required": _("Joining requires accepting the internal rules.")},
    )
    accepts_privacy = forms.BooleanField(
        label=_("I have read and accept the privacy policy."),
        error_messages={"required": _("Joining requires accepting the privacy policy.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register = trade_register()  # one read, for the choices and the picker
        trades: forms.MultipleChoiceField = self.fields["trades"]  # type: ignore[assignment]
        trades.choices = [(trade.code, trade.name) for trade in self.register]
        office: forms.ModelChoiceField[Office] = self.fields["office"]  # type: ignore[assignment]
        office.widget.attrs["data-suggest"] = json.dumps(office_suggestions())
        self.fields["shares_requested"].widget.attrs["inputmode"] = "numeric"

    def not_applicable(self) -> tuple[str, ...]:
        """The identity fields the chosen kind does not use (the person's for a company, and so on)."""
        kind = self.data.get(self.add_prefix("kind")) if self.is_bound else self.fields["kind"].initial
        return PERSON_FIELDS if kind == PersonKind.LEGAL else COMPANY_FIELDS

    def full_clean(self) -> None:
        # Required only for the kind chosen; restored afterwards so the page still marks both groups.
        relaxed = [name for name in self.not_applicable() if self.fields[name].required]
        for name in relaxed:
            self.fields[name].required = False
        try:
            super().full_clean()
        finally:
            for name in relaxed:
                self.fields[name].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.not_applicable():
            cleaned[name] = None if name == "birth_date" else ""
            self.errors.pop(name, None)
        try:
            application_check(data=self.application_data(), document=cleaned.get("identity_document"))
        except InvalidInput as refused:
            for field, messages in refused.fields.items():
                target = field if field in self.fields else None
                if target is not None and target in self.errors:
                    continue  # the field's own message already says what to correct
                for message in messages:
                    self.add_error(target, str(message))
        return cleaned

    def application_data(self) -> ApplicationData:
        """What could be read, blanks where a field failed: the service judges it all the same."""
        data = getattr(self, "cleaned_data", {})

        def text(name: str) -> str:
            return str(data.get(name) or "")

        identity = Identity(
            kind=text("kind"),
            first_name=text("first_name"),
            last_name=text("last_name"),
            birth_date=data.get("birth_date"),
            national_number=text("national_number"),
            company_name=text("company_name"),
            enterprise_number=text("enterprise_number"),
            representative=text("representative"),
            street=text("street"),
            postal_code=text("postal_code"),
            city=text("city"),
            phone=text("phone"),
            iban=text("iban"),
        )
        return ApplicationData(
            identity=identity,
            trades=tuple(data.get("trades") or ()),
            # A number that could not be read is already refused on its field; 1 keeps it out of the check.
            shares_requested=data.get("shares_requested") or 1,
            office=data.get("office"),
            accepts_statutes=bool(data.get("accepts_statutes")),
            accepts_rules=bool(data.get("accepts_rules")),
            accepts_privacy=bool(data.get("accepts_privacy")),
        )

    def trade_sectors(self) -> list[TradeSector]:
        return trade_sectors(self["trades"].value() or [], register=self.register)

    @property
    def document_dropped(self) -> bool:
        """A document was attached but the form is shown again: the browser cannot send it back."""
        return self.is_bound and bool(self.errors) and bool(self.files.get(self.add_prefix("identity_document")))


class DocumentForm(Form):
    identity_document = forms.FileField(
        label=_("Identity document (PDF, JPEG or PNG, at most 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class ContactForm(Form):
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=12)
    city = forms.CharField(label=_("City"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=40)


class TransferRequestForm(Form):
    """Shares passed to another member: named by number and name, as a bank checks a beneficiary."""

    buyer_number = WholeNumberField(
        label=_("Member number of the receiving member"),
        minimum=1,
        maximum=MAX_MEMBER_NUMBER,
        maximum_message=MEMBER_NUMBER_CEILING_MESSAGE,
    )
    buyer_name = forms.CharField(
        label=_("Their last name (or company name)"),
        max_length=200,
        help_text=_("Both must match: a mistyped number then finds nobody instead of someone else."),
    )
    quantity = _shares_field(_("Number of shares"))
    note = forms.CharField(label=_("Note to your advisor"), max_length=300, required=False)

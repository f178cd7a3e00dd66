"""The Espace membre's forms: they read what was typed, the services judge it.

Numbers and dates are read by the platform's fields (`smartcoop.forms`), with the same bounds the
services enforce, so the page and the API refuse the same input with the same message.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Office, PersonKind
from members.services import MAX_SHARES_AT_ONCE
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


class ApplicationForm(Form):
    kind = forms.ChoiceField(label=_("I join as"), choices=PersonKind.choices, initial=PersonKind.NATURAL)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    birth_date = DateField(label=_("Birth date"), window=BIRTH, required=False)
    national_number = forms.CharField(
        label=_("National register number"),
        max_length=20,
        required=False,
        help_text=_("On the back of your identity card: YY.MM.DD-XXX.CC"),
    )
    company_name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    enterprise_number = forms.CharField(label=_("Enterprise number"), max_length=20, required=False)
    representative = forms.CharField(label=_("Representative"), max_length=200, required=False)
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=12)
    city = forms.CharField(label=_("City"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=40, help_text=_("Where your salary will be paid."))
    trades = forms.CharField(
        label=_("Trade(s) you intend to practise"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    shares_requested = _shares_field(
        _("Number of shares"), initial=1, help_text=_("At least one share, at its nominal value.")
    )
    office = forms.ModelChoiceField(label=_("Office nearest to you"), queryset=Office.objects.order_by("name"))
    identity_document = forms.FileField(
        label=_("Identity document (PDF, JPEG or PNG, at most 10 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    accepts_statutes = forms.BooleanField(label=_("I have read and accept the statutes."), required=False)
    accepts_rules = forms.BooleanField(label=_("I have read and accept the internal rules."), required=False)
    accepts_privacy = forms.BooleanField(label=_("I have read and accept the privacy policy."), required=False)


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

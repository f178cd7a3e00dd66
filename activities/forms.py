"""The forms of the Activity pages: they read what was typed, the services judge it.

A form checks only the shape of its input (a date, an amount with two decimals, a choice among
the rows shown); whether the input is acceptable (an excluded trade, a VAT larger than the amount,
a receipt that is not a PDF) is the service's decision, reported on the field it names by
`smartcoop.forms.add_service_error`. So optional-looking fields (amount, receipt, invoice file) are
optional here: the service knows when they are needed and says so in its own words.

Every form derives from the platform's `Form` (text loses its invisible characters) and reads
amounts, numbers and dates with the platform's fields (`smartcoop.forms`): a member types 12,50 as
on a Belgian receipt, never passes through a float, and each bound is the service's own.
"""

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from activities.models import (
    Activity,
    ExpenseCategory,
    HolderRole,
    PurchasePayee,
    ThirdParty,
    ThirdPartyKind,
    Trade,
    TradeAdmission,
    TransferKind,
)
from activities.services import (
    MAX_PAYMENT_TERMS_DAYS,
    MAX_TRIP_KILOMETRES,
    PAYMENT_TERMS_CEILING_MESSAGE,
    TRIP_CEILING_MESSAGE,
)
from activities.trade_catalogue import SECTORS
from members.forms import MAX_MEMBER_NUMBER, MEMBER_NUMBER_CEILING_MESSAGE
from members.models import Member
from smartcoop.forms import AmountField, DateField, DecimalNumberField, Form, WholeNumberField
from smartcoop.input_rules import SPENDING, VALIDITY, DateWindow

DOCUMENT_TYPES = "application/pdf,image/jpeg,image/png"


def _amount_field(label: Any, *, required: bool = True, help_text: Any = "") -> AmountField:
    return AmountField(label=label, required=required, help_text=help_text)


def _date_field(label: Any, window: DateWindow) -> DateField:
    return DateField(label=label, window=window)


def _document_field(label: Any) -> forms.FileField:
    return forms.FileField(
        label=label, required=False, widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES})
    )


def _sector_name(code: str) -> str:
    fr, nl, en = SECTORS.get(code, (code, code, code))
    return {"nl": nl, "en": en}.get((get_language() or "fr")[:2], fr)


@dataclass(frozen=True)
class TradeChoice:
    trade: Trade
    checked: bool

    @property
    def excluded(self) -> bool:
        return self.trade.admission == TradeAdmission.EXCLUDED

    @property
    def on_approval(self) -> bool:
        return self.trade.admission == TradeAdmission.ON_APPROVAL

    # What the shared picker (templates/trades/_picker.html) reads, as the membership form gives it.
    @property
    def value(self) -> int:
        return self.trade.pk

    @property
    def label(self) -> str:
        return self.trade.name

    @property
    def admission(self) -> str:
        return str(self.trade.admission)

    @property
    def reason(self) -> str:
        return self.trade.reason


@dataclass(frozen=True)
class TradeGroup:
    sector: str
    name: str
    choices: list[TradeChoice]

    @property
    def any_checked(self) -> bool:
        return any(choice.checked for choice in self.choices)


class ActivityForm(Form):
    name = forms.CharField(label=_("Name of the Activity"), max_length=200)
    description = forms.CharField(
        label=_("What the Activity does"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Every trade is a valid choice here, excluded ones too: the service refuses those with the reason.
    trades = forms.ModelMultipleChoiceField(
        label=_("Trades practised, from the trade register"),
        queryset=Trade.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def trade_groups(self) -> list[TradeGroup]:
        """The register grouped by sector (in the register's order), each trade with its admission."""
        chosen = {str(value) for value in (self["trades"].value() or [])}
        by_sector: dict[str, list[TradeChoice]] = {}
        queryset: QuerySet[Trade] = self.fields["trades"].queryset  # type: ignore[attr-defined]
        for trade in queryset:
            by_sector.setdefault(trade.sector, []).append(TradeChoice(trade, str(trade.pk) in chosen))
        order = list(SECTORS)
        return [
            TradeGroup(sector, _sector_name(sector), sorted(choices, key=lambda c: c.trade.name.casefold()))
            for sector, choices in sorted(
                by_sector.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)
            )
        ]


class ThirdPartyForm(Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ThirdPartyKind.choices, initial=ThirdPartyKind.COMPANY, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=12)
    city = forms.CharField(label=_("City"), max_length=100)
    country = forms.CharField(
        label=_("Country"), max_length=2, initial="BE", help_text=_("Two-letter code: BE, FR, NL, DE...")
    )
    language = forms.ChoiceField(
        label=_("Language of invoices and reminders"),
        choices=cast(list[tuple[str, str]], ThirdParty._meta.get_field("language").choices),
    )
    email = forms.EmailField(label=_("E-mail for invoices"), required=False)
    vat_number = forms.CharField(
        label=_("VAT number"),
        max_length=30,
        required=False,
        help_text=_("Required for a Belgian company: BE0123.456.789. Leave empty for a private person."),
    )
    payment_terms_days = WholeNumberField(
        label=_("Payment terms (days)"),
        initial=30,
        minimum=0,
        maximum=MAX_PAYMENT_TERMS_DAYS,
        maximum_message=PAYMENT_TERMS_CEILING_MESSAGE,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = (get_language() or "fr")[:2]
        self.fields["language"].initial = language if language in ("fr", "nl", "en") else "fr"


class ExpenseClaimForm(Form):
    title = forms.CharField(
        label=_("Title of the claim"), max_length=200, help_text=_("For example: Tour of March, Ghent fair")
    )


class ExpenseLineForm(Form):
    spent_on = _date_field(_("Date"), SPENDING)
    category = forms.ModelChoiceField(label=_("Category"), queryset=ExpenseCategory.objects.all())
    description = forms.CharField(label=_("Description"), max_length=200)
    amount = _amount_field(_("Amount incl. VAT (EUR)"), required=False)
    vat = _amount_field(_("Of which VAT (EUR)"), required=False, help_text=_("0 when the receipt shows no VAT."))
    kilometres = DecimalNumberField(
        label=_("Kilometres driven"),
        places=1,
        maximum=MAX_TRIP_KILOMETRES,
        maximum_message=TRIP_CEILING_MESSAGE,
        required=False,
        help_text=_("For a trip with your own vehicle: the amount is the official rate per km of its date."),
    )
    receipt = _document_field(_("Receipt (PDF, JPEG or PNG, at most 10 MB)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category: forms.ModelChoiceField[ExpenseCategory] = self.fields["category"]  # type: ignore[assignment]
        # Read by the page's small script to show only the fields a trip needs; without it, all show.
        self.mileage_ids = [
            str(pk) for pk in ExpenseCategory.objects.filter(is_mileage=True).values_list("pk", flat=True)
        ]
        category.widget.attrs["data-mileage"] = " ".join(self.mileage_ids)


class HolderChoiceField(forms.ModelChoiceField[Member]):
    def label_from_instance(self, obj: Member) -> str:
        return obj.display_name


class PurchaseForm(Form):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=ThirdParty.objects.none())
    supplier_reference = forms.CharField(label=_("Supplier's invoice number"), max_length=60)
    invoice_date = _date_field(_("Invoice date"), SPENDING)
    due_date = _date_field(_("Due date"), VALIDITY)
    # A trip by car is an expense claim, never a supplier's invoice.
    category = forms.ModelChoiceField(label=_("Category"), queryset=ExpenseCategory.objects.filter(is_mileage=False))
    description = forms.CharField(label=_("Description"), max_length=200)
    amount = _amount_field(_("Amount incl. VAT (EUR)"))
    vat = _amount_field(_("Of which VAT (EUR)"), required=False)
    payee = forms.ChoiceField(
        label=_("Who is paid"), choices=PurchasePayee.choices, initial=PurchasePayee.SUPPLIER, widget=forms.RadioSelect
    )
    advanced_by = HolderChoiceField(
        label=_("Holder who advanced the payment"),
        queryset=Member.objects.none(),
        required=False,
        help_text=_("Only when a holder paid the supplier and is to be reimbursed."),
    )
    file = _document_field(_("The supplier's invoice (PDF, JPEG or PNG, at most 10 MB)"))

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        supplier: forms.ModelChoiceField[ThirdParty] = self.fields["supplier"]  # type: ignore[assignment]
        supplier.queryset = ThirdParty.objects.filter(activity_links__activity=activity).order_by("name")
        advanced_by: HolderChoiceField = self.fields["advanced_by"]  # type: ignore[assignment]
        advanced_by.queryset = Member.objects.filter(activities=activity).order_by("last_name", "first_name")


class ThirdPartyContactForm(Form):
    """How a client or supplier is reached; what identifies it is not offered for change."""

    name = forms.CharField(label=_("Name"), max_length=200)
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=12)
    city = forms.CharField(label=_("City"), max_length=100)
    language = forms.ChoiceField(
        label=_("Language of invoices and reminders"),
        choices=cast(list[tuple[str, str]], ThirdParty._meta.get_field("language").choices),
    )
    email = forms.EmailField(label=_("E-mail for invoices"), required=False)
    payment_terms_days = WholeNumberField(
        label=_("Payment terms (days)"),
        minimum=0,
        maximum=MAX_PAYMENT_TERMS_DAYS,
        maximum_message=PAYMENT_TERMS_CEILING_MESSAGE,
    )


class TransferForm(Form):
    destination_code = forms.CharField(
        label=_("Code of the receiving Activity"), max_length=20, help_text=_("For example: A000123")
    )
    kind = forms.ChoiceField(label=_("Kind of transfer"), choices=TransferKind.choices, widget=forms.RadioSelect)
    amount = _amount_field(_("Amount (EUR)"))
    description = forms.CharField(label=_("What it is for"), max_length=200)

    def __init__(self, *args: Any, recipient_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if recipient_url:
            # As the code is typed, the page asks for the Activity's name and shows it in the live
            # region below the field; without script, the confirmation step names it instead.
            self.fields["destination_code"].widget.attrs.update(
                {
                    "hx-get": recipient_url,
                    "hx-trigger": "input changed delay:400ms, change",
                    "hx-target": "#recipient-name",
                    "hx-sync": "this:replace",
                    "autocomplete": "off",
                    "autocapitalize": "characters",
                    "spellcheck": "false",
                }
            )


class TransferConfirmForm(TransferForm):
    """The request as confirmed: the same fields, read again, and the key that makes it ask once."""

    request_key = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)


class PresentationForm(Form):
    """What the managers say of their Activity: printed on its invoices."""

    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    terms_of_sale = forms.CharField(
        label=_("Terms of sale"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Printed on the Activity's invoices, under the cooperative's general terms."),
    )
    logo = forms.FileField(
        label=_("Logo (JPEG or PNG, at most 10 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class HolderForm(Form):
    """Another member joins the Activity, named by number and name as a bank checks a beneficiary."""

    member_number = WholeNumberField(
        label=_("Member number"), minimum=1, maximum=MAX_MEMBER_NUMBER, maximum_message=MEMBER_NUMBER_CEILING_MESSAGE
    )
    member_name = forms.CharField(label=_("Their last name (or company name)"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=HolderRole.choices, initial=HolderRole.HOLDER)


class TradeForm(Form):
    trade = forms.ModelChoiceField(label=_("Trade"), queryset=Trade.objects.none())

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Excluded trades are not offered; a trade already chosen is not offered again.
        field = cast("forms.ModelChoiceField[Trade]", self.fields["trade"])
        field.queryset = (
            Trade.objects.exclude(admission=TradeAdmission.EXCLUDED)
            .exclude(pk__in=activity.trade_links.values("trade"))
            .order_by("sector", "name_fr")
        )

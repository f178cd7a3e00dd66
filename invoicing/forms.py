"""The forms of the invoice pages: they read what was typed, the services judge it.

An invoice is written on one page in three parts: the invoice itself (`InvoiceForm`: the client,
dates, references, note), a client added on the way (`activities.forms.ThirdPartyForm`, the form
the Activity pages use, prefixed `new_client`), and its lines (`LineForm`, prefixed `lines-<n>`).
`InvoiceEditor` holds the three together: it reads a submission, turns it into the services'
`InvoiceData`, shows every refusal of the services on the field it names (`lines.0.vat_rate` on the
first line's VAT), and writes one error summary for the whole page (`FormGroup`, read by
templates/forms/_errors.html as if it were one form).

Lines are added and removed by submit buttons, so the page works without script and nothing typed
is lost: the page comes back with every value as typed, one line more or less. A wholly empty line
is left out rather than refused.

VAT: each line's choice is a category and rate in one value (`S:21.00`), or "as proposed", which
the editor resolves with `invoicing.vat.vat_proposal` for the client chosen (or being added) and
the kind of supply. A value the list does not offer (a rate of 7 %, a category that does not
exist) is not refused here but handed to the service, which names the rule it breaks.

The live totals (`InvoiceEditor.totals`) read the same values the save would, leave out a line that
cannot be counted yet (and say so), and total through `invoicing.vat.totals`: the page, the PDF and
the books use one sum.
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.utils import ErrorList
from django.utils import translation
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from activities.forms import ThirdPartyForm
from activities.models import Activity, ThirdParty, ThirdPartyKind
from invoicing import vat as vat_rules
from invoicing.models import Invoice, InvoiceLine, SupplyKind
from invoicing.services.invoices import MAX_LINES, InvoiceData, LineData
from smartcoop.errors import ApplicationError
from smartcoop.forms import AmountField, DateField, DecimalNumberField, Form, add_service_error
from smartcoop.input_rules import MAX_TYPED_AMOUNT, VALIDITY, read_decimal
from smartcoop.money import ZERO, amount_text, number_text

NEW_CLIENT = "new"
NEW_CLIENT_PREFIX = "new_client"
PROPOSED = ""  # a line's VAT "as proposed for the client"
MAX_QUANTITY = Decimal("999999.999")
# Past this many clients, the client list gets a search box.
CLIENT_SEARCH_FROM = 12
CLIENT_QUERY_LENGTH = 100
_VAT_VALUE = re.compile(r"(?P<category>[A-Z]{1,2}):(?P<rate>[0-9]{1,3}(?:\.[0-9]{1,2})?)", re.ASCII)

# How each VAT treatment reads in a line's list; the rate is added to the standard one.
_TREATMENTS: dict[str, Promise] = {
    "S": _("VAT %(rate)s %%"),
    "Z": _("VAT 0 % (zero rate)"),
    "E": _("Exempt (give the legal basis)"),
    "AE": _("Reverse charge (business in another EU country)"),
    "K": _("Intra-Community supply of goods"),
    "G": _("Export outside the EU"),
    "O": _("Outside the scope of Belgian VAT"),
}


# --- VAT choices ------------------------------------------------------------------------------------


def vat_value(category: str, rate: Decimal) -> str:
    return f"{category}:{vat_rules.to_rate(rate)}"


def vat_label(category: str, rate: Decimal) -> str:
    label = _TREATMENTS.get(category)
    if label is None:
        return f"{category} {rate.normalize():f} %"
    return str(label) % {"rate": f"{vat_rules.to_rate(rate).normalize():f}"} if category == "S" else str(label)


def vat_choices() -> list[tuple[str, str]]:
    """Every category and rate that exists, after "as proposed" (said next to the client, kept current there)."""
    return [(PROPOSED, gettext("As proposed for the client"))] + [
        (vat_value(category, rate), vat_label(category, rate))
        for category in vat_rules.CATEGORIES
        for rate in vat_rules.rates_for(category)
    ]


def read_vat(value: str) -> tuple[str, Decimal] | None:
    """The category and rate of a line's VAT value, or None for "as proposed"; ValueError when unreadable."""
    if value == PROPOSED:
        return None
    match = _VAT_VALUE.fullmatch(value)
    if match is None:
        raise ValueError(value)
    return match["category"], Decimal(match["rate"])


# --- the invoice --------------------------------------------------------------------------------------


class ClientField(forms.CharField):
    """The client: one of the Activity's clients (by id), "new" for one added with the invoice, or none."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, widget=forms.Select, **kwargs)


class InvoiceForm(Form):
    client = ClientField(label=_("Client"))
    client_query = forms.CharField(
        label=_("Search the Activity's clients"),
        required=False,
        max_length=CLIENT_QUERY_LENGTH,
        help_text=_("By name, VAT number or e-mail."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    supply_kind = forms.ChoiceField(
        label=_("What is invoiced"),
        choices=SupplyKind.choices,
        initial=SupplyKind.SERVICES,
        widget=forms.RadioSelect,
        help_text=_("It decides the VAT of a client abroad: services follow the client, goods where they go."),
    )
    supply_date = DateField(
        label=_("Date of supply"),
        window=VALIDITY,
        required=False,
        help_text=_("When the work was done or the goods delivered. Empty: the date the invoice is issued."),
    )
    period_start = DateField(label=_("Or a period: from"), window=VALIDITY, required=False)
    period_end = DateField(label=pgettext_lazy("end of a period", "to"), window=VALIDITY, required=False)
    buyer_reference = forms.CharField(
        label=_("Buyer reference"),
        max_length=100,
        required=False,
        help_text=_(
            "Public buyers (and many companies receiving e-invoices) pay only an invoice carrying the reference "
            "they gave you or their order number: ask them for it."
        ),
    )
    purchase_order = forms.CharField(label=_("Purchase order number"), max_length=100, required=False)
    due_date = DateField(
        label=_("Due date"),
        window=VALIDITY,
        required=False,
        help_text=_("Empty: the client's payment terms, counted from the day the invoice is issued."),
    )
    exemption_basis = forms.ChoiceField(
        label=_("Legal basis of the exemption"),
        required=False,
        help_text=_("Only when a line is exempt from VAT: printed on the invoice."),
    )
    language = forms.ChoiceField(label=_("Language of the invoice"), required=False)
    note = forms.CharField(
        label=_("Note to the client"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed under the lines."),
    )

    def __init__(self, *args: Any, activity: Activity, shown_clients: Sequence[ThirdParty], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.activity = activity
        client = cast(ClientField, self.fields["client"])
        client.widget.choices = [
            ("", gettext("Choose a client")),
            *((str(third_party.pk), client_label(third_party)) for third_party in shown_clients),
            (NEW_CLIENT, gettext("A new client (fill in below)")),
        ]
        exemption = cast(forms.ChoiceField, self.fields["exemption_basis"])
        exemption.choices = [("", "—"), *vat_rules.exemption_choices()]
        language = cast(forms.ChoiceField, self.fields["language"])
        language.choices = [
            ("", gettext("The client's language")),
            *cast(list[tuple[str, str]], ThirdParty._meta.get_field("language").choices),
        ]

    def clean_client(self) -> ThirdParty | str | None:
        value = str(self.cleaned_data.get("client") or "")
        if value == NEW_CLIENT:
            return NEW_CLIENT
        if not value:
            raise ValidationError(gettext("Choose a client, or add a new one."))
        if not value.isdigit():
            raise ValidationError(gettext("Choose a client from the list."))
        client = activity_clients(self.activity).filter(pk=int(value)).first()
        if client is None:
            raise ValidationError(gettext("Choose a client from the list."))
        return client


def activity_clients(activity: Activity) -> QuerySet[ThirdParty]:
    return ThirdParty.objects.filter(activity_links__activity=activity).order_by("name", "pk")


def client_label(third_party: ThirdParty) -> str:
    where = f"{third_party.city} ({third_party.country})" if third_party.city else third_party.country
    return f"{third_party.name}, {where}"


def client_search(query: str) -> Q:
    """Name or e-mail containing what was typed, or a VAT number typed with or without dots and spaces."""
    found = Q(name__icontains=query) | Q(email__icontains=query)
    compact = "".join(query.split()).replace(".", "").replace("-", "").upper()
    if any(character.isdigit() for character in compact):
        found |= Q(vat_number__contains=compact)
    return found


# --- a line ----------------------------------------------------------------------------------------------


def _blank(values: dict[str, Any]) -> bool:
    """Nothing described nor priced on a line (one added and left empty): left out, never refused."""
    return not any(str(values.get(name) or "").strip() for name in ("description", "unit_price"))


class LineForm(Form):
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = DecimalNumberField(label=_("Quantity"), places=3, maximum=MAX_QUANTITY, required=False)
    unit = forms.ChoiceField(label=_("Unit"), initial="C62", required=False)
    unit_price = DecimalNumberField(
        label=_("Unit price excl. VAT (EUR)"), places=4, maximum=MAX_TYPED_AMOUNT, required=False
    )
    vat = forms.CharField(label=_("VAT"), required=False, widget=forms.Select)

    def __init__(self, *args: Any, number: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.number = number
        cast(forms.ChoiceField, self.fields["unit"]).choices = [
            (code, str(name)) for code, name in vat_rules.UNITS.items()
        ]
        self.fields["vat"].widget.choices = vat_choices()

    @property
    def is_blank(self) -> bool:
        return _blank({name: self[name].value() for name in ("description", "unit_price")})

    def clean_vat(self) -> str:
        value = str(self.cleaned_data.get("vat") or "")
        try:
            read_vat(value)
        except ValueError:
            raise ValidationError(gettext("Choose a VAT treatment from the list.")) from None
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_blank:
            return cleaned
        # Said beside the field, inside "Line n"; the summary names the line (`FormGroup`).
        if cleaned.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", gettext("Give the quantity."))
        if cleaned.get("unit_price") is None and "unit_price" not in self.errors:
            self.add_error("unit_price", gettext("Give the unit price excl. VAT (0 for a free line)."))
        return cleaned

    def line_data(self, proposal: vat_rules.VatProposal) -> LineData:
        data = self.cleaned_data
        chosen = read_vat(data["vat"])
        category, rate = chosen if chosen is not None else (proposal.category, proposal.rate)
        return LineData(
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            vat_category=category,
            vat_rate=rate,
            unit=data["unit"] or "C62",
        )


# --- one error summary for the page ------------------------------------------------------------------------


class LabelledField:
    """A field of a line, named in the summary with its line ("Line 2, quantity"), the rest as it is."""

    def __init__(self, field: forms.BoundField, label: str) -> None:
        self._field = field
        self.label = label

    def __getattr__(self, name: str) -> Any:
        return getattr(self._field, name)


class FormGroup:
    """Several forms read as one by the form pattern's summary: every problem of the page in one list."""

    is_bound = True
    prefix = "invoice"

    def __init__(self, forms_: Sequence[forms.BaseForm], labels: dict[int, str] | None = None) -> None:
        self.forms = forms_
        self.labels = labels or {}

    @property
    def errors(self) -> dict[str, ErrorList]:
        merged: dict[str, ErrorList] = {}
        for index, form in enumerate(self.forms):
            if form.is_bound:
                for name, messages in form.errors.items():
                    merged[f"{index}:{name}"] = messages
        return merged

    def non_field_errors(self) -> ErrorList:
        found = ErrorList()
        for form in self.forms:
            if form.is_bound:
                found.extend(form.non_field_errors())
        return found

    def __iter__(self) -> Iterator[Any]:
        for index, form in enumerate(self.forms):
            if not form.is_bound:
                continue
            prefix = self.labels.get(index)
            for field in form:
                yield LabelledField(field, f"{prefix}, {str(field.label).lower()}") if prefix else field


# --- the editor: the three parts together ------------------------------------------------------------------


@dataclass(frozen=True)
class CountedLine:
    number: int
    net: Decimal


@dataclass(frozen=True)
class GroupShown:
    category: str
    rate: Decimal
    base: Decimal
    vat: Decimal
    label: str
    mention: Promise | None


@dataclass(frozen=True)
class LiveTotals:
    lines: list[CountedLine]
    left_out: list[int]  # lines typed but not countable yet (a number missing or unreadable)
    groups: list[GroupShown]
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal


def groups_shown(groups: Sequence[vat_rules.VatGroup], *, exemption_basis: str) -> list[GroupShown]:
    return [
        GroupShown(
            category=group.category,
            rate=group.rate,
            base=group.base,
            vat=group.vat,
            label=vat_label(group.category, group.rate),
            mention=(
                exemption.mention
                if (exemption := vat_rules.exemption_for(group.category, exemption_basis)) is not None
                else None
            ),
        )
        for group in groups
    ]


def invoice_totals(invoice: Invoice, lines: Sequence[InvoiceLine]) -> LiveTotals:
    """A saved invoice's VAT breakdown and totals, computed as the PDF and the UBL compute them."""
    figures = vat_rules.totals(
        [
            vat_rules.LineAmount(
                quantity=line.quantity,
                unit_price=line.unit_price,
                vat_category=line.vat_category,
                vat_rate=line.vat_rate,
            )
            for line in lines
        ]
    )
    return LiveTotals(
        lines=[CountedLine(number=n, net=net) for n, net in enumerate(figures.lines_net, start=1)],
        left_out=[],
        groups=groups_shown(figures.groups, exemption_basis=invoice.exemption_basis),
        total_excl_vat=figures.total_excl_vat,
        total_vat=figures.total_vat,
        total_incl_vat=figures.total_incl_vat,
    )


@dataclass(frozen=True)
class LineShown:
    """A saved line as a page prints it: figures in the reader's way, the unit and VAT in words."""

    number: int
    description: str
    quantity: str
    unit: str
    unit_price: str
    vat: str
    net: Decimal


def _plain(value: Decimal) -> Decimal:
    """Trailing zeros dropped (2.000 is 2, 1.500 is 1.5), never written with an exponent."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def typed(value: Decimal) -> str:
    """A number as the member would type it back: 12,5 in French, 12.5 in English, never grouped."""
    return number_format(_plain(value), use_l10n=True)


def lines_shown(lines: Sequence[InvoiceLine]) -> list[LineShown]:
    shown = []
    for line in lines:
        price = line.unit_price
        cents = price == price.quantize(Decimal("0.01"))
        shown.append(
            LineShown(
                number=line.position,
                description=line.description,
                quantity=number_text(_plain(line.quantity)),
                unit=str(vat_rules.UNITS.get(line.unit, line.unit)),
                unit_price=amount_text(price) if cents else f"{number_text(_plain(price))} EUR",
                vat=vat_label(line.vat_category, line.vat_rate),
                net=line.net_amount,
            )
        )
    return shown


def _typed_number(value: object, places: int, maximum: Decimal) -> Decimal | None:
    try:
        return read_decimal(value, places=places, maximum=maximum)
    except ValidationError:
        return None


class InvoiceEditor:
    """The invoice page's forms, from a submission or from a draft, and what they add up to."""

    def __init__(
        self,
        *,
        activity: Activity,
        data: Any = None,
        invoice: Invoice | None = None,
        action: str = "",
        remove: int | None = None,
        search_url: str = "",
    ) -> None:
        self.activity = activity
        self.clients = activity_clients(activity)
        self.client_count = self.clients.count()
        # A submission that only adds or removes a line, or searches a client, comes back as typed,
        # without any refusal: only saving judges the input.
        bound = data is not None and action == "save"
        raw = data if data is not None else None
        main_initial = self._main_initial(raw, invoice)
        if raw is None and invoice is None and self.client_count == 0:
            main_initial["client"] = NEW_CLIENT  # a first invoice: its client is added with it
        query = str((raw.get("client_query") if raw is not None else "") or "").strip()[:CLIENT_QUERY_LENGTH]
        chosen = str(raw.get("client", "")) if raw is not None else main_initial.get("client", "")
        self.form = InvoiceForm(
            data if bound else None,
            activity=activity,
            shown_clients=self._shown_clients(query, chosen),
            initial=main_initial,
        )
        if search_url:
            # As a name is typed, the page asks for the clients it matches and replaces the list's
            # options; without script, the "Search" button brings the page back with them.
            self.form.fields["client_query"].widget.attrs.update(
                {
                    "hx-get": search_url,
                    "hx-trigger": "input changed delay:300ms, search",
                    "hx-target": "#id_client",
                    "hx-swap": "outerHTML",
                    "hx-include": "#id_client",
                    "hx-sync": "this:replace",
                }
            )
        self.wants_new_client = chosen == NEW_CLIENT
        new_initial = (
            {name: raw.get(f"{NEW_CLIENT_PREFIX}-{name}") for name in ThirdPartyForm.base_fields} if raw else {}
        )
        new_initial = {name: value for name, value in new_initial.items() if value is not None}
        self.new_client = ThirdPartyForm(
            data if bound and chosen == NEW_CLIENT else None,
            prefix=NEW_CLIENT_PREFIX,
            initial=new_initial or None,
        )
        self.proposal = self._proposal()
        line_values = self._line_values(raw, invoice)
        if remove is not None and 0 <= remove < len(line_values) and len(line_values) > 1:
            del line_values[remove]
        if action == "add_line" and len(line_values) < MAX_LINES:
            line_values.append({})
        line_data = None
        if bound:
            # Saving leaves the empty lines out before anything is judged, and numbers the others
            # again, so "line 2" in a refusal of the service is the second line on the page.
            line_values = [values for values in line_values if not _blank(values)] or [{}]
            line_data = {
                f"lines-{index}-{name}": value
                for index, values in enumerate(line_values)
                for name, value in values.items()
            }
        self.lines = [
            LineForm(
                line_data,
                prefix=f"lines-{index}",
                number=index + 1,
                initial={"quantity": "1", "unit": "C62", "vat": PROPOSED, **values},
            )
            for index, values in enumerate(line_values)
        ]

    # --- reading the submission or the draft

    @staticmethod
    def _main_initial(raw: Any, invoice: Invoice | None) -> dict[str, Any]:
        if raw is not None:
            return {name: raw.get(name) for name in InvoiceForm.base_fields if raw.get(name) is not None}
        if invoice is None:
            return {}
        return {
            "client": str(invoice.client_id),
            "supply_kind": invoice.supply_kind,
            "supply_date": invoice.supply_date,
            "period_start": invoice.period_start,
            "period_end": invoice.period_end,
            "buyer_reference": invoice.buyer_reference,
            "purchase_order": invoice.purchase_order,
            "due_date": invoice.due_date,
            "exemption_basis": invoice.exemption_basis,
            "language": invoice.language,
            "note": invoice.note,
        }

    @staticmethod
    def _line_values(raw: Any, invoice: Invoice | None) -> list[dict[str, Any]]:
        if raw is not None:
            try:
                count = int(str(raw.get("line_count", "1")))
            except ValueError:
                count = 1
            count = min(max(count, 1), MAX_LINES)
            names = LineForm.base_fields
            return [
                {
                    name: raw.get(f"lines-{index}-{name}")
                    for name in names
                    if raw.get(f"lines-{index}-{name}") is not None
                }
                for index in range(count)
            ]
        if invoice is None:
            return [{}]
        return [
            {
                "description": line.description,
                "quantity": typed(line.quantity),
                "unit": line.unit,
                "unit_price": typed(line.unit_price),
                "vat": vat_value(line.vat_category, line.vat_rate),
            }
            for line in invoice.lines.all()
        ] or [{}]

    def _shown_clients(self, query: str, chosen: str) -> list[ThirdParty]:
        if not query or self.client_count < CLIENT_SEARCH_FROM:
            return list(self.clients)
        found = list(self.clients.filter(client_search(query))[:50])
        # The client already chosen stays in the list, whatever the search shows.
        if chosen.isdigit() and all(str(third_party.pk) != chosen for third_party in found):
            found += list(self.clients.filter(pk=int(chosen)))
        return found

    @property
    def searchable(self) -> bool:
        return self.client_count >= CLIENT_SEARCH_FROM

    def _value(self, form: forms.BaseForm, name: str) -> str:
        return str(form[name].value() or "").strip()

    def chosen_client(self) -> ThirdParty | None:
        value = self._value(self.form, "client")
        if value.isdigit():
            return next((client for client in self.clients if client.pk == int(value)), None)
        return None

    def _proposal(self) -> vat_rules.VatProposal | None:
        supply_kind = self._value(self.form, "supply_kind") or SupplyKind.SERVICES
        client = self.chosen_client()
        if client is not None:
            return vat_rules.vat_proposal(
                country=client.country, has_vat_number=bool(client.vat_number), supply_kind=supply_kind
            )
        if self.wants_new_client:
            country = self._value(self.new_client, "country").upper() or "BE"
            company = self._value(self.new_client, "kind") != ThirdPartyKind.PERSON
            has_vat = company and bool(self._value(self.new_client, "vat_number"))
            return vat_rules.vat_proposal(country=country, has_vat_number=has_vat, supply_kind=supply_kind)
        return None

    # --- judging and saving

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        if self.form.cleaned_data.get("client") == NEW_CLIENT:
            valid = self.new_client.is_valid() and valid
        for line in self.lines:
            valid = line.is_valid() and valid
        if valid and all(line.is_blank for line in self.lines):
            self.form.add_error(None, gettext("Add at least one line."))
            return False
        return valid

    @property
    def adds_client(self) -> bool:
        return self.form.cleaned_data.get("client") == NEW_CLIENT

    def new_client_data(self) -> dict[str, Any]:
        return dict(self.new_client.cleaned_data)

    def invoice_data(self, client: ThirdParty) -> InvoiceData:
        data = self.form.cleaned_data
        proposal = vat_rules.vat_proposal(
            country=client.country, has_vat_number=bool(client.vat_number), supply_kind=data["supply_kind"]
        )
        return InvoiceData(
            client=client,
            lines=[line.line_data(proposal) for line in self.lines],
            language=data["language"] or "",
            supply_kind=data["supply_kind"],
            supply_date=data["supply_date"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            due_date=data["due_date"],
            buyer_reference=data["buyer_reference"],
            purchase_order=data["purchase_order"],
            exemption_basis=data["exemption_basis"] or "",
            note=data["note"],
        )

    def add_client_error(self, error: ApplicationError) -> None:
        """A refusal of the new client (`third_party_add`) on its own fields."""
        add_service_error(self.new_client, error)

    def add_invoice_error(self, error: ApplicationError) -> None:
        """A refusal of the invoice's service on the field it names: `lines.2.quantity` on the third line."""
        if not error.fields:
            self.form.add_error(None, str(error.message))
            return
        for field, messages in error.fields.items():
            for message in messages:
                self._add_one(field, str(message))

    def _add_one(self, field: str, message: str) -> None:
        parts = field.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(self.lines):
            line = self.lines[int(parts[1])]
            name = "vat" if parts[2] in ("vat_category", "vat_rate") else parts[2]
            line.add_error(name if name in line.fields else None, message)
        elif field in self.form.fields and field != "client_query":
            self.form.add_error(field, message)
        else:
            self.form.add_error(None, message)

    # --- what the page shows

    def summary(self) -> FormGroup:
        forms_: list[forms.BaseForm] = [self.form, self.new_client, *self.lines]
        labels = {index + 2: gettext("Line %(n)s") % {"n": line.number} for index, line in enumerate(self.lines)}
        return FormGroup(forms_, labels)

    @property
    def new_client_open(self) -> bool:
        return self.wants_new_client or bool(self.new_client.is_bound and self.new_client.errors)

    @property
    def details_open(self) -> bool:
        """The optional details are shown open when one of them holds a value or a refusal."""
        names = ("period_start", "period_end", "due_date", "purchase_order", "exemption_basis", "language")
        bound_errors = self.form.is_bound and any(self.form.errors.get(name) for name in names)
        return bound_errors or any(self._value(self.form, name) for name in names)

    def _treatment(self, value: str) -> tuple[str, Decimal] | None:
        """A line's category and rate as it would be saved; None while it cannot be known (no client yet)."""
        try:
            chosen = read_vat(value)
        except ValueError:
            return None
        if chosen is not None:
            return chosen
        return (self.proposal.category, self.proposal.rate) if self.proposal is not None else None

    def totals(self) -> LiveTotals:
        counted: list[tuple[int, vat_rules.LineAmount]] = []
        left_out: list[int] = []
        for line in self.lines:
            if line.is_blank:
                continue
            quantity = _typed_number(line["quantity"].value(), 3, MAX_QUANTITY)
            price = _typed_number(line["unit_price"].value(), 4, MAX_TYPED_AMOUNT)
            treatment = self._treatment(self._value(line, "vat"))
            if quantity is None or price is None or treatment is None:
                left_out.append(line.number)
                continue
            counted.append((line.number, vat_rules.LineAmount(quantity, price, treatment[0], treatment[1])))
        figures = vat_rules.totals([amount for _n, amount in counted])
        return LiveTotals(
            lines=[CountedLine(number=n, net=net) for (n, _a), net in zip(counted, figures.lines_net, strict=True)],
            left_out=left_out,
            groups=groups_shown(figures.groups, exemption_basis=self._value(self.form, "exemption_basis")),
            total_excl_vat=figures.total_excl_vat if counted else ZERO,
            total_vat=figures.total_vat if counted else ZERO,
            total_incl_vat=figures.total_incl_vat if counted else ZERO,
        )


# --- crediting an invoice -------------------------------------------------------------------------------------


class CreditForm(Form):
    WHOLE, PART = "whole", "part"

    reason = forms.CharField(
        label=_("Why the invoice is credited"),
        max_length=300,
        help_text=_("Printed on the credit note: the client reads it."),
    )
    extent = forms.ChoiceField(
        label=_("What is credited"),
        choices=[(WHOLE, _("All that is left of the invoice")), (PART, _("Part of it: the amounts below"))],
        initial=WHOLE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, lines: Sequence[InvoiceLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invoice_lines = list(lines)
        for line in self.invoice_lines:
            self.fields[f"line_{line.pk}"] = AmountField(
                label=gettext("Line %(n)s, %(description)s: amount excl. VAT to credit (EUR)")
                % {"n": line.position, "description": line.description},
                required=False,
                help_text=gettext("Charged on the invoice: %(amount)s excl. VAT, %(vat)s.")
                % {"amount": amount_text(line.net_amount), "vat": vat_label(line.vat_category, line.vat_rate)},
            )

    def line_fields(self) -> list[forms.BoundField]:
        return [self[f"line_{line.pk}"] for line in self.invoice_lines]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("extent") == self.PART and not any(
            cleaned.get(f"line_{line.pk}") for line in self.invoice_lines
        ):
            self.add_error(None, gettext("Give the amount to credit on at least one line."))
        return cleaned

    def credit_lines(self, *, number: str, language: str) -> list[LineData] | None:
        """The credit note's lines: None for all that is left, else one line per amount given.

        Each line is described in `language`, the client's: the credit note is their document.
        """
        if self.cleaned_data["extent"] == self.WHOLE:
            return None
        lines = []
        for line in self.invoice_lines:
            amount = self.cleaned_data.get(f"line_{line.pk}")
            if amount:
                with translation.override(language):
                    description = gettext("Credit on invoice %(number)s: %(description)s") % {
                        "number": number,
                        "description": line.description,
                    }
                lines.append(
                    LineData(
                        description=description,
                        quantity=Decimal(1),
                        unit_price=amount,
                        vat_category=line.vat_category,
                        vat_rate=line.vat_rate,
                        unit="LS",
                    )
                )
        return lines

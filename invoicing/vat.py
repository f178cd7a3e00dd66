"""Belgian VAT on the cooperative's invoices, and the totals of EN 16931.

One place says which categories and rates exist, what each needs (the client's VAT number, a
country, a legal mention), and how an invoice is totalled. The PDF, the UBL document, the pages'
live totals and the ledger postings all read `totals()`, so none can disagree with another.

EN 16931 totals (rules BR-CO-10 to BR-CO-17, BR-S-08 and its siblings per category): each line's
net amount is quantity x unit price rounded to the cent; the lines are summed per VAT category and
rate (one breakdown group each); each group's VAT is its base x rate rounded to the cent *once*
(never line by line, which can differ by a cent); the invoice's VAT is the sum of the groups'.

Rates: 21, 12 and 6 % (Belgian VAT code, art. 37 and its royal decree no. 20) and 0 %
(category Z). Exempt and zero-VAT categories carry their legal mention, printed on the PDF and sent
as the exemption reason (BT-120) with its VATEX code (BT-121, CEF's VATEX code list).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from smartcoop.money import ZERO, to_money

STANDARD_RATES = (Decimal("21.00"), Decimal("12.00"), Decimal("6.00"))
ZERO_RATE = Decimal("0.00")

# EU member states by the two letters of their VAT numbers' prefix is not the ISO code for Greece
# (EL); this list is ISO 3166, as countries are stored.
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)

# UN/ECE Recommendation 20 unit codes a member picks from, with how people call them.
UNITS: dict[str, Promise] = {
    "C62": _("piece"),
    "HUR": _("hour"),
    "DAY": _("day"),
    "MON": _("month"),
    "KMT": _("km"),
    "KGM": _("kg"),
    "LS": _("lump sum"),
}


@dataclass(frozen=True)
class Exemption:
    """Why no VAT is charged: the mention printed on the invoice and the VATEX code sent in the UBL."""

    code: str  # CEF VATEX code (BT-121)
    mention: Promise  # printed and sent as BT-120, in the client's language


# Sources: Belgian VAT code (Code de la TVA / Btw-Wetboek) art. 39 (exports), 39bis (intra-Community
# supplies of goods), 44 (exemptions), 51 §2 1° and 21 §2 (reverse charge on services to a taxable
# person established elsewhere in the EU); Council Directive 2006/112/EC art. 196.
REVERSE_CHARGE = Exemption(
    "VATEX-EU-AE",
    _("Reverse charge: VAT due by the customer (article 196 of Directive 2006/112/EC, article 21 §2 of the VAT code)"),
)
INTRA_EU_GOODS = Exemption("VATEX-EU-IC", _("Exempt intra-Community supply of goods (article 39bis of the VAT code)"))
EXPORT = Exemption("VATEX-EU-G", _("Exempt export outside the European Union (article 39 of the VAT code)"))
OUTSIDE_SCOPE = Exemption(
    "VATEX-EU-O",
    _("Service not subject to Belgian VAT: place of supply outside Belgium (article 21 §2 of the VAT code)"),
)
ZERO_RATED = Exemption("", _("VAT at 0 %"))

# The exemptions of article 44 a member may claim, by the key stored on the invoice.
EXEMPTIONS: dict[str, Exemption] = {
    "art44-1": Exemption(
        "VATEX-EU-132",
        _("VAT exemption, article 44 §1 of the VAT code (services of the medical and paramedical professions)"),
    ),
    "art44-2-4": Exemption(
        "VATEX-EU-132",
        _("VAT exemption, article 44 §2 4° of the VAT code (school, university and vocational training)"),
    ),
    "art44-2-8": Exemption(
        "VATEX-EU-132",
        _("VAT exemption, article 44 §2 8° of the VAT code (performing artists' services to organisers)"),
    ),
    # Directive 2006/112/EC art. 135(1)(l): letting of immovable property.
    "art44-3-2": Exemption(
        "VATEX-EU-135",
        _("VAT exemption, article 44 §3 2° of the VAT code (letting of immovable property)"),
    ),
}


def exemption_choices() -> list[tuple[str, Promise]]:
    return [(key, exemption.mention) for key, exemption in EXEMPTIONS.items()]


def exemption_for(category: str, basis: str = "") -> Exemption | None:
    """The mention an invoice prints for a group of `category` (None for VAT charged)."""
    return {
        "AE": REVERSE_CHARGE,
        "K": INTRA_EU_GOODS,
        "G": EXPORT,
        "O": OUTSIDE_SCOPE,
        "Z": ZERO_RATED,
        "E": EXEMPTIONS.get(basis),
    }.get(category)


# Categories that need the client's VAT number: the customer accounts for the VAT (AE) or must be
# a taxable person in another member state (K). Rates by category: only S has a rate above zero.
NEEDS_CLIENT_VAT = frozenset({"AE", "K"})
CATEGORIES = ("S", "Z", "E", "AE", "K", "G", "O")


def rates_for(category: str) -> tuple[Decimal, ...]:
    return STANDARD_RATES if category == "S" else (ZERO_RATE,)


@dataclass(frozen=True)
class VatProposal:
    category: str
    rate: Decimal
    reason: Promise


def vat_proposal(*, country: str, has_vat_number: bool, supply_kind: str) -> VatProposal:  # noqa: PLR0911 -- one answer per case of the rule
    """The VAT a member is proposed for a client, from the client's country and status.

    A proposal only: the member can choose another category, and `check_vat` judges the choice.
    """
    country = (country or "BE").upper()
    if country == "BE":
        return VatProposal("S", Decimal("21.00"), _("Belgian client: VAT at 21 %"))
    if country in EU_COUNTRIES:
        if not has_vat_number:
            return VatProposal("S", Decimal("21.00"), _("Private client in the EU: Belgian VAT at 21 %"))
        if supply_kind == "goods":
            return VatProposal("K", ZERO_RATE, _("Business in another EU country: intra-Community supply"))
        return VatProposal("AE", ZERO_RATE, _("Business in another EU country: reverse charge"))
    if supply_kind == "goods":
        return VatProposal("G", ZERO_RATE, _("Client outside the EU: export"))
    if has_vat_number:
        return VatProposal("O", ZERO_RATE, _("Business outside the EU: not subject to Belgian VAT"))
    return VatProposal("S", Decimal("21.00"), _("Private client outside the EU: VAT at 21 %"))


# --- totals -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineAmount:
    quantity: Decimal
    unit_price: Decimal
    vat_category: str
    vat_rate: Decimal


def line_net(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """BT-131: quantity x net price, rounded to the cent (BR-DEC-23 allows two decimals)."""
    return to_money(quantity * unit_price)


@dataclass(frozen=True)
class VatGroup:
    """One line of the VAT breakdown (BG-23): a category at one rate."""

    category: str
    rate: Decimal
    base: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    lines_net: tuple[Decimal, ...]
    groups: tuple[VatGroup, ...]
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal


def totals(lines: Sequence[LineAmount]) -> Totals:
    nets = tuple(line_net(line.quantity, line.unit_price) for line in lines)
    bases: dict[tuple[str, Decimal], Decimal] = {}
    for line, net in zip(lines, nets, strict=True):
        key = (line.vat_category, to_rate(line.vat_rate))
        bases[key] = bases.get(key, ZERO) + net
    groups = tuple(
        VatGroup(category=category, rate=rate, base=base, vat=to_money(base * rate / 100))
        for (category, rate), base in sorted(
            bases.items(), key=lambda item: (CATEGORIES.index(item[0][0]), -item[0][1])
        )
    )
    excl = sum(nets, ZERO)
    vat = sum((group.vat for group in groups), ZERO)
    return Totals(lines_net=nets, groups=groups, total_excl_vat=excl, total_vat=vat, total_incl_vat=excl + vat)


def to_rate(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def groups_by_key(groups: Iterable[VatGroup]) -> dict[tuple[str, Decimal], VatGroup]:
    return {(group.category, group.rate): group for group in groups}

"""Money is Decimal with two places; this module is the one place amounts are rounded and written.

`to_money` quantizes to the cent with ROUND_HALF_UP (the rounding Belgian invoices and payslips
use: 0.005 becomes 0.01). It refuses floats, whose binary representation cannot hold most cents
exactly, so a float that slipped in fails loudly instead of losing a cent quietly.

`amount_text` is the one way an amount is written for a person, in pages, e-mails, the admin and
printed documents: rounded by `to_money` first (Django's number formatting would cut the third
decimal off, not round it), then in the reader's language as Belgians write it: 1 234,56 EUR in
French, 1.234,56 EUR in Dutch, 1,234.56 EUR in English. `number_text` writes other figures (a
number of shares, a rate) the same way.
"""

from contextlib import nullcontext
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation
from django.utils.formats import number_format

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# numeric(14,2): up to 999,999,999,999.99, far above any amount the cooperative handles.
MAX_DIGITS = 14
DECIMAL_PLACES = 2
MAX_AMOUNT = Decimal("999999999999.99")


def to_money(value: Decimal | int | str) -> Decimal:
    if isinstance(value, (float, bool)):
        raise TypeError("money must be Decimal, int or str, never float or bool")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def is_cents(value: Decimal) -> bool:
    """True when `value` has no fraction of a cent (already rounded)."""
    return value == value.quantize(CENT)


def number_text(value: Decimal | int, *, places: int | None = None, language: str | None = None) -> str:
    """A figure grouped by thousands as a reader of `language` (the active one by default) writes it."""
    with translation.override(language) if language else nullcontext():
        return number_format(value, places, use_l10n=True, force_grouping=True)


def amount_text(value: Decimal, *, language: str | None = None) -> str:
    """An amount, rounded to the cent, as a reader of `language` (the active one by default) writes it."""
    return f"{number_text(to_money(value), places=DECIMAL_PLACES, language=language)} EUR"

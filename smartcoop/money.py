"""Money is Decimal with two places; this module is the one place amounts are rounded.

`to_money` quantizes to the cent with ROUND_HALF_UP (the rounding Belgian invoices and payslips
use: 0.005 becomes 0.01). It refuses floats, whose binary representation cannot hold most cents
exactly, so a float that slipped in fails loudly instead of losing a cent quietly.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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


def amount_text(value: Decimal) -> str:
    """An amount as a person reads it in the active language: 1 234,56 EUR in French, 1,234.56 EUR in English."""
    from django.utils.formats import number_format  # settings are read at call time, not at import

    return f"{number_format(value, 2, force_grouping=True)} EUR"

"""The template side of `smartcoop.money`: every page, e-mail and PDF writes figures through it.

Registered as a builtin (settings.TEMPLATES), so templates use `{{ value|amount }}` without a load:
a template that prints an amount another way is the odd one out, not one that forgot a tag.
"""

from decimal import Decimal

from django import template

from smartcoop.money import amount_text, number_text

register = template.Library()


@register.filter
def amount(value: Decimal | int | str | None) -> str:
    """1 089,00 EUR in French, 1.089,00 EUR in Dutch, 1,089.00 EUR in English; empty for None."""
    if value is None or value == "":
        return ""
    return amount_text(Decimal(value))


@register.filter
def figure(value: Decimal | int | None, places: int | None = None) -> str:
    """A count or rate grouped as the reader writes it (1 000 shares, 1.000 aandelen)."""
    if value is None or value == "":
        return ""
    return number_text(value, places=places)

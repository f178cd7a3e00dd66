"""Amounts and figures as a reader writes them: one formatter, rounded once, in the reader's language."""

from decimal import Decimal

import pytest
from django.utils import translation

from smartcoop.money import amount_text, number_text

NBSP = "\xa0"  # French groups thousands with a space that never breaks a line


@pytest.mark.parametrize(
    ("value", "language", "text"),
    [
        (Decimal("1089"), "fr", f"1{NBSP}089,00 EUR"),
        (Decimal("1089"), "nl", "1.089,00 EUR"),
        (Decimal("1089"), "en", "1,089.00 EUR"),
        (Decimal("1234567.8"), "nl", "1.234.567,80 EUR"),
        (Decimal("30"), "fr", "30,00 EUR"),
        (Decimal("0"), "en", "0.00 EUR"),
        (Decimal("-1500.5"), "nl", "-1.500,50 EUR"),
    ],
)
def test_an_amount_is_written_as_a_reader_of_its_language_writes_it(value: Decimal, language: str, text: str) -> None:
    assert amount_text(value, language=language) == text


def test_half_a_cent_is_rounded_up_not_cut_off() -> None:
    assert amount_text(Decimal("0.005"), language="nl") == "0,01 EUR"
    assert amount_text(Decimal("2.675"), language="en") == "2.68 EUR"


def test_without_a_language_the_active_one_is_used() -> None:
    with translation.override("en"):
        assert amount_text(Decimal("1234.5")) == "1,234.50 EUR"
    with translation.override("nl"):
        assert number_text(1234567) == "1.234.567"


def test_an_amount_is_never_a_float() -> None:  # float ok: the test that a float is refused
    with pytest.raises(TypeError):
        amount_text(30.1)  # type: ignore[arg-type]

"""What a typed number, amount, date or text may look like, the same through a form and the API."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone, translation
from rest_framework import serializers

from smartcoop import forms as platform_forms
from smartcoop import serializers as platform_serializers
from smartcoop.errors import InvalidInput
from smartcoop.input_rules import (
    BIRTH,
    MAX_TYPED_AMOUNT,
    SPENDING,
    clean_text,
    read_amount,
    read_decimal,
    read_whole_number,
    require_amount,
)

# What Python's int() and Decimal() read as numbers, and a person did not mean as one.
ARABIC_INDIC_100 = "\u0661\u0660\u0660"
PERSIAN_100 = "\u06f1\u06f0\u06f0"
FULL_WIDTH_100 = "\uff11\uff10\uff10"
ARABIC_INDIC_DATE = "\u0662\u0660\u0662\u0665-\u0660\u0661-\u0660\u0661"  # 2025-01-01
LENIENT_NUMBERS = [
    "1E2",
    "1e2",
    "1_000",
    ARABIC_INDIC_100,
    PERSIAN_100,
    FULL_WIDTH_100,
    "Infinity",
    "NaN",
    "0x10",
    "+5",
    "-5",
    " ",
]
ZERO_WIDTH_ONLY = "\u200b\u200c\u200d\ufeff\u2060"


@pytest.mark.parametrize("text", [*LENIENT_NUMBERS[:-1], "12,345", "1.250,00", "1,250.00", "12,", ",5", "1 25", "12 €"])
def test_an_amount_is_ascii_digits_with_one_separator_and_two_decimals_at_most(text: str) -> None:
    with pytest.raises(ValidationError) as error:
        read_amount(text)
    assert error.value.code == "invalid"


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12,50", Decimal("12.50")),
        ("12.5", Decimal("12.5")),
        ("1250", Decimal("1250")),
        (" 0,01 ", Decimal("0.01")),
        ("1 250,50", Decimal("1250.50")),
        ("1\u202f250,50", Decimal("1250.50")),  # as the platform writes it in French
        ("12 345 678", None),  # grouped, but above the ceiling
        (12, Decimal("12")),
        (12.5, Decimal("12.5")),
    ],
)
def test_an_amount_reads_as_a_belgian_receipt_writes_it(text: Any, amount: Decimal | None) -> None:
    if amount is None:
        with pytest.raises(ValidationError):
            read_amount(text)
    else:
        assert read_amount(text) == amount


def test_an_amount_above_the_ceiling_is_refused_naming_the_ceiling() -> None:
    assert read_amount("9999999,99") == MAX_TYPED_AMOUNT
    with translation.override("en"), pytest.raises(ValidationError) as error:
        read_amount("10000000")
    assert error.value.code == "max_value"
    assert "9,999,999.99 EUR" in error.value.messages[0]
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        read_amount("10000000")
    assert "999,99 EUR" in error.value.messages[0]


def test_a_service_refuses_an_amount_above_the_ceiling_on_its_field() -> None:
    with pytest.raises(InvalidInput) as error:
        require_amount(Decimal("10000000"), field="amount")
    assert list(error.value.fields) == ["amount"]


def test_a_decimal_keeps_the_places_of_its_column() -> None:
    assert read_decimal("12,5", places=1, maximum=Decimal(100)) == Decimal("12.5")
    with pytest.raises(ValidationError):
        read_decimal("12,55", places=1, maximum=Decimal(100))


@pytest.mark.parametrize("value", [*LENIENT_NUMBERS, "12.0", "12,5", 2.0, True, None, "2147483648"])
def test_a_whole_number_is_ascii_digits_within_its_bounds(value: Any) -> None:
    with pytest.raises(ValidationError):
        read_whole_number(value, minimum=1, maximum=1000)


def test_a_whole_number_states_its_bounds() -> None:
    assert read_whole_number(" 12 ", minimum=1, maximum=1000) == 12
    assert read_whole_number(1000, minimum=1, maximum=1000) == 1000
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            read_whole_number("1001", minimum=1, maximum=1000, maximum_message="At most %(maximum)s shares.")
        assert error.value.messages == ["At most 1,000 shares."]
        with pytest.raises(ValidationError) as error:
            read_whole_number("0", minimum=1, maximum=1000)
        assert "at least 1" in error.value.messages[0]


def test_text_loses_its_invisible_characters() -> None:
    assert clean_text(ZERO_WIDTH_ONLY) == ""
    assert clean_text("\u202eRepas\u200b du soir\x00") == "Repas du soir"
    assert clean_text("Rue\tdu\nPont") == "Rue du Pont"
    assert clean_text("ligne 1\r\nligne 2\tsuite", multiline=True) == "ligne 1\nligne 2\tsuite"
    assert clean_text("Müller-Lüdenscheidt, Łódź, 東京") == "Müller-Lüdenscheidt, Łódź, 東京"


# --- the form fields ----------------------------------------------------------------------------


class ExpenseForm(platform_forms.Form):
    description = forms.CharField(max_length=200)
    note = forms.CharField(required=False, widget=forms.Textarea)
    secret = forms.CharField(strip=False, required=False)
    amount = platform_forms.AmountField()
    spent_on = platform_forms.DateField(window=SPENDING)
    count = platform_forms.WholeNumberField(minimum=1, maximum=1000, required=False)


def _expense(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"description": "Cordes", "amount": "12,50", "spent_on": timezone.localdate().isoformat()}
    values.update(changes)
    return values


def test_a_form_reads_an_amount_a_date_and_text() -> None:
    form = ExpenseForm(_expense(note="un\r\ndeux", secret="\u200bx "))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("12.50")
    assert form.cleaned_data["note"] == "un\ndeux"
    assert form.cleaned_data["secret"] == "\u200bx ", "a field that keeps whitespace keeps every character"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *[("amount", text) for text in ["1E2", "1_000", ARABIC_INDIC_100, FULL_WIDTH_100, "10000000"]],
        *[("count", text) for text in ["1E2", "1_000", ARABIC_INDIC_100, FULL_WIDTH_100, "2147483648"]],
        ("spent_on", "0001-01-01"),
        ("spent_on", ARABIC_INDIC_DATE),
        ("spent_on", (timezone.localdate() + timedelta(days=1)).isoformat()),
        ("description", ZERO_WIDTH_ONLY),
    ],
)
def test_a_form_refuses_what_a_person_did_not_mean(field: str, value: str) -> None:
    submitted = QueryDict(mutable=True)
    submitted.update(_expense(**{field: value}))
    form = ExpenseForm(submitted)
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_a_date_outside_its_window_says_where_the_window_lies() -> None:
    today = timezone.localdate()
    form = ExpenseForm(_expense(spent_on="0001-01-01"))
    assert not form.is_valid()
    assert today.strftime("%d/%m/%Y") in form.errors["spent_on"][0]
    assert BIRTH.check(date(1900, 1, 1)) == date(1900, 1, 1)
    with pytest.raises(ValidationError):
        BIRTH.check(date(1899, 12, 31))


# --- the serializer fields ----------------------------------------------------------------------


class ExpenseSerializer(platform_serializers.Serializer):
    description = serializers.CharField(max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, style={"base_template": "textarea.html"})
    password = serializers.CharField(required=False, trim_whitespace=False)
    amount = platform_serializers.AmountField()
    spent_on = platform_serializers.DateField(window=SPENDING)
    count = platform_serializers.WholeNumberField(minimum=1, maximum=1000, required=False)


def test_a_serializer_reads_an_amount_a_date_and_text() -> None:
    given = ExpenseSerializer(data=_expense(amount="12.5", note="a\u200b\r\nb", password="\u200bx ", count=3))
    assert given.is_valid(), given.errors
    assert given.validated_data["amount"] == Decimal("12.50")
    assert given.validated_data["note"] == "a\nb"
    assert given.validated_data["password"] == "\u200bx "
    assert given.validated_data["count"] == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *[("amount", text) for text in ["1E2", "1_000", ARABIC_INDIC_100, FULL_WIDTH_100, "10000000", "12.345", "-1"]],
        ("amount", 1e20),
        ("amount", 12.5),  # a JSON number arrives as a float: money is sent as a string
        *[("count", text) for text in ["1E2", "1_000", ARABIC_INDIC_100, FULL_WIDTH_100, 2147483648, 2.5, True]],
        ("spent_on", "0001-01-01"),
        ("spent_on", ARABIC_INDIC_DATE),
        ("description", ZERO_WIDTH_ONLY),
    ],
)
def test_a_serializer_refuses_what_a_person_did_not_mean(field: str, value: Any) -> None:
    given = ExpenseSerializer(data=_expense(**{field: value}))
    assert not given.is_valid()
    assert list(given.errors) == [field]


def test_the_schema_states_the_bounds_the_server_enforces() -> None:
    amount = platform_serializers.AmountField()
    count = platform_serializers.WholeNumberField(minimum=1, maximum=1000)
    assert (amount.max_value, amount.min_value) == (MAX_TYPED_AMOUNT, 0)
    assert (count.max_value, count.min_value) == (1000, 1)

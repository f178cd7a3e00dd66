"""The API's counterpart of `smartcoop.forms`: typed fields and invisible-character cleaning.

Every serializer of the apps that reads input derives from `Serializer` or `ModelSerializer` here,
so its text fields lose invisible characters before the "blank" check, and declares numbers,
amounts and dates with the fields here, which read by the rules of `smartcoop.input_rules`: the
API and the pages accept the same input and refuse the rest with the same message. A text field
that keeps its whitespace (`trim_whitespace=False`, a password) keeps every character. A text
field shown as a text area (`style={"base_template": "textarea.html"}`) keeps its line breaks.

The fields subclass DRF's own, with their bounds as `min_value`/`max_value`, so the OpenAPI
schema (`smartcoop.api_schema`) states the limits the server enforces. Decimals are sent as
strings, as the schema says: a JSON number would reach the server as a float.
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from smartcoop.input_rules import (
    MAX_TYPED_AMOUNT,
    DateWindow,
    clean_text,
    read_amount,
    read_date_text,
    read_decimal,
    read_whole_number,
)
from smartcoop.money import to_money


def _refusal(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError([str(message) for message in error.messages], code=error.code)


# --- text -------------------------------------------------------------------------------------


def _text_fields(serializer: serializers.Serializer[Any]) -> dict[str, serializers.CharField]:
    """The serializer's writable text fields, by name."""
    return {
        name: field
        for name, field in serializer.fields.items()
        if isinstance(field, serializers.CharField) and field.trim_whitespace and not field.read_only
    }


def _clean(value: str, field: serializers.CharField, *, form: bool) -> str:
    if field.max_length is not None and len(value) > field.max_length:
        # Too long as sent, whatever it holds: refused for its length, as the schema's maxLength says.
        return value
    cleaned = clean_text(value, multiline=field.style.get("base_template") == "textarea.html")
    # A form field left empty means "not given" (DRF then takes the field's default); one that was
    # filled with nothing visible was given, and is refused as blank, as it is in a JSON body.
    return " " if form and value and not cleaned.strip() else cleaned


def _without_invisible(data: Any, text_fields: dict[str, serializers.CharField]) -> Any:
    if isinstance(data, QueryDict):
        # A multipart body also holds the files: rebuilt shallowly, so uploads are not copied.
        cleaned = QueryDict(mutable=True)
        for key, values in data.lists():
            field = text_fields.get(key)
            cleaned.setlist(
                key,
                [_clean(v, field, form=True) if field is not None and isinstance(v, str) else v for v in values],
            )
        return cleaned
    if isinstance(data, Mapping):
        return {
            key: _clean(value, text_fields[key], form=False) if key in text_fields and isinstance(value, str) else value
            for key, value in data.items()
        }
    return data


class CleanTextMixin(serializers.Serializer[Any]):
    """Text fields read what was sent without invisible characters (see smartcoop.input_rules)."""

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(_without_invisible(data, _text_fields(self)))


class Serializer(CleanTextMixin, serializers.Serializer[Any]):
    pass


class ModelSerializer(CleanTextMixin, serializers.ModelSerializer[Any]):
    pass


# --- numbers and dates --------------------------------------------------------------------------


def _as_string(data: Any) -> str:
    # A JSON number reaches the serializer as a float: an amount would have passed through binary
    # floating point, which cannot hold most cents. The schema says "string"; so does the server.
    if not isinstance(data, str):
        raise serializers.ValidationError(_('Send the number as a string, e.g. "1250.50".'), code="invalid")
    return data


class DecimalNumberField(serializers.DecimalField):
    """A non-negative decimal, sent as a string of ASCII digits, with a ceiling."""

    def __init__(self, *, places: int, maximum: Decimal, maximum_message: Any = None, **kwargs: Any) -> None:
        self.places, self.maximum, self.maximum_message = places, maximum, maximum_message
        digits = len(str(int(maximum))) + places
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(max_digits=digits, decimal_places=places, min_value=Decimal(0), max_value=maximum, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            return read_decimal(
                _as_string(data),
                places=self.places,
                maximum=self.maximum,
                maximum_message=self.maximum_message,
            )
        except DjangoValidationError as error:
            raise _refusal(error) from None


class AmountField(DecimalNumberField):
    """An amount in euros: digits, a comma or a point, at most two decimals, at most MAX_TYPED_AMOUNT.

    `positive`: zero is refused too, as the services refuse it (a transfer, a supplier's invoice).
    """

    def __init__(self, *, maximum: Decimal = MAX_TYPED_AMOUNT, positive: bool = False, **kwargs: Any) -> None:
        self.positive = positive
        super().__init__(places=2, maximum=maximum, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            amount = read_amount(_as_string(data), maximum=self.maximum)
        except DjangoValidationError as error:
            raise _refusal(error) from None
        if self.positive and not amount:
            raise serializers.ValidationError(_("Enter an amount greater than zero."), code="min_value")
        return amount

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(to_money(value) if isinstance(value, Decimal) else value)


class WholeNumberField(serializers.IntegerField):
    """A whole number (a JSON integer or ASCII digits) between two bounds stated in the message."""

    def __init__(
        self,
        *,
        minimum: int,
        maximum: int,
        minimum_message: Any = None,
        maximum_message: Any = None,
        **kwargs: Any,
    ) -> None:
        self.minimum, self.maximum = minimum, maximum
        self.minimum_message, self.maximum_message = minimum_message, maximum_message
        super().__init__(min_value=minimum, max_value=maximum, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        try:
            return read_whole_number(
                data,
                minimum=self.minimum,
                maximum=self.maximum,
                minimum_message=self.minimum_message,
                maximum_message=self.maximum_message,
            )
        except DjangoValidationError as error:
            raise _refusal(error) from None


class DateField(serializers.DateField):
    """An ISO date in ASCII digits that lies in the window of its meaning (spending, payment...)."""

    def __init__(self, *, window: DateWindow, **kwargs: Any) -> None:
        self.window = window
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> date:
        try:
            read_date_text(value)
            parsed = super().to_internal_value(value)
            return self.window.check(parsed)
        except DjangoValidationError as error:
            raise _refusal(error) from None

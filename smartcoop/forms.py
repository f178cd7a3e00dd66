"""The platform's form pieces: typed fields, invisible-character cleaning, and service errors on fields.

Every form of the apps derives from `Form` or `ModelForm` here, so its text fields lose invisible
characters before the "required" check, and declares numbers, amounts and dates with the fields
here, which read input by the rules of `smartcoop.input_rules` (the API reads it by the same rules
through `smartcoop.serializers`). A field that keeps its whitespace (`strip=False`, a password)
keeps every character: what was typed is what is checked.
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.db.models import Model
from django.http import QueryDict
from django.utils.formats import number_format

from smartcoop.errors import ApplicationError
from smartcoop.input_rules import (
    MAX_TYPED_AMOUNT,
    DateWindow,
    clean_text,
    read_amount,
    read_date_text,
    read_decimal,
    read_whole_number,
)

_M = TypeVar("_M", bound=Model)


def add_service_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Each message on the field it names (or on the form), so the member sees where to correct."""
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for field, messages in error.fields.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, str(message))


# --- text -------------------------------------------------------------------------------------


def _text_fields(form: forms.BaseForm) -> dict[str, bool]:
    """The submitted names of the form's text fields, each with whether it spans several lines."""
    return {
        form.add_prefix(name): isinstance(field.widget, forms.Textarea)
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and field.strip
    }


def _without_invisible(data: Mapping[str, Any], text_fields: dict[str, bool]) -> Mapping[str, Any]:
    if isinstance(data, QueryDict):
        cleaned = data.copy()
        for key, multiline in text_fields.items():
            if key in cleaned:
                values = cleaned.getlist(key)
                cleaned.setlist(key, [clean_text(v, multiline=multiline) if isinstance(v, str) else v for v in values])
        return cleaned
    plain = dict(data)
    for key, multiline in text_fields.items():
        if isinstance(plain.get(key), str):
            plain[key] = clean_text(plain[key], multiline=multiline)
    return plain


class CleanTextMixin(forms.BaseForm):
    """Text fields read what was typed without invisible characters (see smartcoop.input_rules)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.data = _without_invisible(self.data, _text_fields(self))


class Form(CleanTextMixin, forms.Form):
    pass


class ModelForm(CleanTextMixin, forms.ModelForm[_M]):
    pass


# --- numbers and dates --------------------------------------------------------------------------


class DecimalNumberField(forms.Field):
    """A non-negative decimal in ASCII digits, with at most `places` decimals and a ceiling."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, places: int, maximum: Decimal, maximum_message: Any = None, **kwargs: Any) -> None:
        self.places, self.maximum, self.maximum_message = places, maximum, maximum_message
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, Decimal):
            return value
        return read_decimal(value, places=self.places, maximum=self.maximum, maximum_message=self.maximum_message)

    def prepare_value(self, value: Any) -> Any:
        # An initial Decimal shows as the member writes it (12,50 in French), never as 12.50.
        return number_format(value, self.places) if isinstance(value, Decimal) else value


class AmountField(DecimalNumberField):
    """An amount in euros: digits, a comma or a point, at most two decimals, at most MAX_TYPED_AMOUNT."""

    def __init__(self, *, maximum: Decimal = MAX_TYPED_AMOUNT, **kwargs: Any) -> None:
        super().__init__(places=2, maximum=maximum, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, Decimal):
            return value
        return read_amount(value, maximum=self.maximum)


class WholeNumberField(forms.Field):
    """A whole number in ASCII digits between two bounds, each stated in the message refusing it."""

    widget = forms.NumberInput

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
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.NumberInput):
            attrs.update(min=self.minimum, max=self.maximum, step=1)
        return attrs

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        return read_whole_number(
            value,
            minimum=self.minimum,
            maximum=self.maximum,
            minimum_message=self.minimum_message,
            maximum_message=self.maximum_message,
        )


class DateField(forms.DateField):
    """A date in ASCII digits that lies in the window of its meaning (spending, payment, birth...)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, *, window: DateWindow, **kwargs: Any) -> None:
        self.window = window
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> date | None:
        read_date_text(value)
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if isinstance(value, date):
            self.window.check(value)

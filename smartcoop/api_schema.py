"""What the OpenAPI schema states beyond what drf-spectacular reads from the views: refusals and limits.

The schema is a promise to clients (and what `make fuzz` holds the server to), so it states what the
server enforces, decided here once for every operation rather than view by view:

- **Refusals.** Every operation declares the error statuses the server may answer, each in the one
  error shape (`ErrorSerializer`, the `Error` component; see `smartcoop.api`): 400 for any request
  (a NUL character, a query parameter out of bounds, a field refused), 401 where a token or a
  session is read, 403, 404 (an id that is unknown or not the user's, a page past the last), 409
  for writes (the record is no longer in the state the request expects), and 429 where attempts are
  counted. A view declares its success body, and an error status only to give it another body.
- **Limits.** Request fields say what the readers of `smartcoop.input_rules` accept, so a client
  that keeps to the schema is not refused for the form of a value: text must hold a visible
  character (invisible ones are dropped before the "required" check), amounts and decimals are
  ASCII digits with one decimal separator and their places and ceiling, and a date lies in the
  window of its meaning. The window moves with the calendar, so its pattern is written for the day
  the schema is served. Numbers, page numbers and sizes carry `minimum` and `maximum`.
"""

import calendar
import functools
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.validators import RegexValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from smartcoop.api import Pagination
from smartcoop.serializers import DateField, DecimalNumberField

# --- the error shape --------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer[Any]):
    """The one error format (see smartcoop.api)."""

    message = serializers.CharField(help_text="What went wrong, in the request's language.")

    class Meta:
        ref_name = "Error"

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # A declared attribute named `fields` would shadow Serializer.fields itself.
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="The refused fields (or query parameters), each with its messages; empty when none is at fault.",
        )
        return fields


ERROR_DESCRIPTIONS = {
    400: _("Refused input: `fields` names what to correct."),
    401: _("No valid token or session: the `WWW-Authenticate` header names the scheme."),
    403: _("Signed in, but not allowed to do this (staff need two-factor authentication)."),
    404: _("Unknown, not visible to the signed-in user, or past the last page."),
    409: _("The record is not in a state that allows this, or changed meanwhile."),
    429: _("Too many attempts: wait a few minutes."),
}
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# --- query parameters -------------------------------------------------------------------------

_PAGE_QUERY = {
    "page": _("A page number, from 1."),
    "page_size": format_lazy(
        _("Results per page; more than {most} are served as {most}."), most=Pagination.max_page_size
    ),
}


def _page_schema() -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": Pagination.max_page_number}


def page_parameters() -> list[dict[str, Any]]:
    """`page` and `page_size` as `smartcoop.api.Pagination` reads them, for its schema."""
    return [
        {"name": name, "required": False, "in": "query", "description": str(text), "schema": _page_schema()}
        for name, text in _PAGE_QUERY.items()
    ]


# The same, for a view that pages by hand (an extra action of a view set): `@extend_schema(parameters=...)`.
PAGE_PARAMETERS = [OpenApiParameter(name, _page_schema(), description=text) for name, text in _PAGE_QUERY.items()]


# --- patterns for request fields --------------------------------------------------------------


@functools.cache
def visible_character() -> str:
    """Text that holds a character `clean_text` and the trimming of whitespace leave: a non-blank value.

    Characters outside the Basic Multilingual Plane are left out of the class: JSON Schema's
    regular expressions (ECMA 262 without the `u` flag) see them as two halves.
    """
    invisible = [
        code for code in range(0x10000) if unicodedata.category(chr(code)) in ("Cc", "Cf") or chr(code).isspace()
    ]
    ranges: list[tuple[int, int]] = []
    for code in invisible:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    visible = (
        "[^" + "".join(f"\\u{first:04x}" + (f"-\\u{last:04x}" if last > first else "") for first, last in ranges) + "]"
    )
    # Anchored around the one character required, so tools that fold `maxLength` into a pattern
    # keep its meaning: any text around at least one visible character.
    return rf"^[\s\S]*{visible}[\s\S]*$"


def _digit_class(first: str, last: str) -> str:
    return first if first == last else f"[{first}-{last}]"


def digits_between(low: str, high: str) -> str:
    """A pattern for the digit strings of `len(low)` characters from `low` to `high`, both included."""
    if low == high:
        return low
    if low[0] == high[0]:
        return low[0] + digits_between(low[1:], high[1:])
    rest = len(low) - 1
    any_rest = "" if rest == 0 else "[0-9]" if rest == 1 else f"[0-9]{{{rest}}}"
    if low[1:] == "0" * rest and high[1:] == "9" * rest:
        return _digit_class(low[0], high[0]) + any_rest
    parts = [low[0] + digits_between(low[1:], "9" * rest)]
    if int(high[0]) - int(low[0]) > 1:
        parts.append(_digit_class(str(int(low[0]) + 1), str(int(high[0]) - 1)) + any_rest)
    parts.append(high[0] + digits_between("0" * rest, high[1:]))
    return "(?:" + "|".join(parts) + ")"


def _repeat(pattern: str, least: int, most: int) -> str:
    if most == 0:
        return ""
    if least == most:
        return pattern if most == 1 else f"{pattern}{{{most}}}"
    return f"{pattern}{{{least},{most}}}"


def _whole_numbers(low: int, high: int) -> str:
    """A pattern for the whole numbers from `low` (0 or 1) to `high`, written without leading zeros."""
    parts = ["0"] if low == 0 else []
    # Every number of fewer digits than `high` at once, then those of its length up to it.
    length = len(str(high))
    if str(high) == "9" * length:
        return "|".join([*parts, "[1-9]" + _repeat("[0-9]", 0, length - 1)])
    if length > 1:
        parts.append("[1-9]" + _repeat("[0-9]", 0, length - 2))
    first = 10 ** (length - 1) if length > 1 else 1
    if first <= high:
        parts.append(digits_between(str(first), str(high)))
    return "|".join(parts)


def decimal_pattern(*, places: int, maximum: Decimal, positive: bool = False) -> str:
    """ASCII digits, one decimal separator (comma or point), at most `places` decimals, at most `maximum`.

    Leading zeros and surrounding spaces are read as the server reads them. The whole numbers
    spaced by thousands ("1 250,50") that the server also reads for people are left out: a client
    writes plain digits. `positive`: zero (in any spelling) is refused too.
    """
    whole, _point, fraction = f"{maximum:.{places}f}".partition(".")
    decimals = f"(?:[.,]{_repeat('[0-9]', 1, places)})?" if places else ""
    # Every number with the ceiling's whole part is within it when its decimals cannot exceed it.
    whole_part_fits = not places or fraction == "9" * places
    highest = int(whole) if whole_part_fits else int(whole) - 1
    numbers = []
    if highest >= int(positive):
        numbers.append(f"(?:{_whole_numbers(int(positive), highest)}){decimals}")
    if not whole_part_fits:
        endings = "|".join(digits_between("0" * length, fraction[:length]) for length in range(1, places + 1))
        numbers.append(f"{whole}(?:[.,](?:{endings}))?")
    if positive and places:
        # Less than one: a decimal that is not all zeros.
        cents = "|".join(
            _repeat("0", zeros, zeros) + "[1-9]" + _repeat("[0-9]", 0, places - 1 - zeros) for zeros in range(places)
        )
        numbers.append(f"0[.,](?:{cents})")
    return rf"^\s*0*(?:{'|'.join(numbers)})\s*$"


_DAYS = {length: digits_between("01", f"{length:02d}") for length in (28, 29, 30, 31)}


def _days_of(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _months(year: int, first: int, last: int) -> str:
    by_length: dict[int, list[str]] = {}
    for month in range(first, last + 1):
        by_length.setdefault(_days_of(year, month), []).append(f"{month:02d}")
    return "|".join(
        f"(?:{'|'.join(months)})-{_DAYS[length]}" if len(months) > 1 else f"{months[0]}-{_DAYS[length]}"
        for length, months in sorted(by_length.items())
    )


def iso_dates_between(first: date, last: date) -> str:
    """A pattern for the ISO dates (YYYY-MM-DD) from `first` to `last`, both included, real days only."""
    if first > last:
        return "^(?!)$"
    parts: list[str] = []
    day = first
    while day <= last:
        if day.day != 1 or (day.year, day.month) == (last.year, last.month):
            # A month entered or left part-way: its days one by one.
            end = min(last, date(day.year, day.month, _days_of(day.year, day.month)))
            parts.append(f"{day:%Y-%m}-{digits_between(f'{day.day:02d}', f'{end.day:02d}')}")
            day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        elif day.month != 1 or last.year == day.year:
            # The rest of a year entered part-way, or the last year's whole months.
            end_month = 12 if day.year < last.year else last.month - 1
            parts.append(f"{day.year}-(?:{_months(day.year, day.month, end_month)})")
            day = date(day.year + 1, 1, 1) if end_month == 12 else date(day.year, end_month + 1, 1)
        else:
            parts.append(f"{day.year}-(?:{_months(day.year, 1, 12)})")
            day = date(day.year + 1, 1, 1)
    return "^(?:" + "|".join(parts) + ")$"


# Any real day from year 1 to 9999, as `date.fromisoformat` reads it: 29 February in leap years only.
_YEAR = "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
ISO_DATE = f"(?:{_YEAR}-(?:(?:0[13578]|1[02])-{_DAYS[31]}|(?:0[469]|11)-{_DAYS[30]}|02-{_DAYS[28]})|{_LEAP_YEAR}-02-29)"


# --- the schema class -------------------------------------------------------------------------


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the platform's refusals and input limits (module docstring)."""

    def _error_statuses(self) -> list[int]:
        statuses = [400, 403, 404]
        if self.view.get_authenticators():
            statuses.append(401)
        if self.method in _UNSAFE_METHODS:
            statuses.append(409)
        if getattr(self.view, "throttle_scope", None):
            statuses.append(429)
        return sorted(statuses)

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if str(status) not in responses:
                declared = OpenApiResponse(response=ErrorSerializer, description=str(ERROR_DESCRIPTIONS[status]))
                # drf-spectacular's own helper, untyped like the rest of its internals.
                body = self._get_response_for_code(declared, str(status), direction=direction)  # type: ignore[no-untyped-call]
                responses[str(status)] = body
        return responses

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)  # type: ignore[no-untyped-call]
        if direction != "request" or field.read_only:
            return schema
        if isinstance(field, DateField):
            first, last = field.window.bounds()
            schema["pattern"] = iso_dates_between(first, last)
        elif isinstance(field, DecimalNumberField):
            schema.pop("maximum", None)
            schema.pop("minimum", None)
            positive = getattr(field, "positive", False)
            schema["pattern"] = decimal_pattern(places=field.places, maximum=field.maximum, positive=positive)
        elif (
            isinstance(field, serializers.CharField)
            and not any(isinstance(validator, RegexValidator) for validator in field.validators)
            and not field.allow_blank
            and field.trim_whitespace
            and "pattern" not in schema
            and schema.get("type") == "string"
        ):
            schema["pattern"] = visible_character()
        return schema

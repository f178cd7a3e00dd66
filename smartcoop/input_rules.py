"""What a typed value may look like: amounts, whole numbers, dates and text, decided once.

Forms (`smartcoop.forms`) and API serializers (`smartcoop.serializers`) are two doors onto the
same rules, so a page and the API accept exactly the same input and refuse the rest with the same
message, in the reader's language. Services still check the bounds that carry meaning (a share
ceiling, an amount a column can hold): the rules here only decide what a number or a date *is*.

- **Numbers** are ASCII digits. Python's `int()` and `Decimal()` also read "1_000", "1E2",
  Arabic-Indic or full-width digits; a person who typed those did not mean an amount, and a
  number that reaches the database unbounded is a 500 instead of a message. So every number has
  a ceiling, stated in the message that refuses it.
- **Amounts and decimals** accept one decimal separator, comma (as on a Belgian receipt) or point,
  and at most the places the column keeps. Thousands separators are accepted only as spaces in
  groups of three ("1 250,50"): that is how the platform itself writes amounts in French, so an
  amount copied from one of its pages reads back. A point or a comma is never a thousands
  separator: "1.250" would be one euro twenty-five to some readers and 1250 to others.
- **Dates** lie in a window that depends on what they mean (an expense is not in the future nor
  years old; a birth date is after 1900), stated in the message.
- **Text** loses its invisible characters (zero-width spaces and joiners, the byte-order mark,
  bidirectional controls, other format and control characters) before the "required" check, so
  a value made only of them is empty. Multi-line text keeps its line breaks and tabs.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from smartcoop.errors import InvalidInput

# The largest amount a person types in one entry (a receipt, a supplier's invoice, a transfer):
# ten million euros less a cent. Far above what one Activity spends at once, inside what every
# amount column (numeric(12,2)) and the EPC payment QR code hold.
MAX_TYPED_AMOUNT = Decimal("9999999.99")

_SPACES = " \u00a0\u202f"  # space, no-break space, narrow no-break space (French grouping)
_DECIMAL = re.compile(
    r"(?P<whole>[0-9]{1,3}(?:[" + _SPACES + r"][0-9]{3})+|[0-9]+)(?:[.,](?P<fraction>[0-9]+))?", re.ASCII
)
_WHOLE = re.compile(r"[0-9]+", re.ASCII)
_DATE_TEXT = re.compile(r"[0-9./\- ]+", re.ASCII)


# --- text -------------------------------------------------------------------------------------


def _invisible(char: str, *, multiline: bool) -> bool:
    if multiline and char in "\n\t":
        return False
    # Cf: format characters (zero-width space and joiners, BOM, bidi controls, soft hyphen);
    # Cc: control characters (NUL, escape, carriage return...). Neither shows anything a person typed.
    return unicodedata.category(char) in ("Cf", "Cc")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` without invisible characters; a single line's line breaks and tabs become spaces."""
    # A single line's breaks and tabs are spaces to the reader; multi-line text keeps them, as \n.
    value = value.replace("\r\n", "\n").replace("\r", "\n") if multiline else re.sub(r"[\r\n\t]+", " ", value)
    return "".join(char for char in value if not _invisible(char, multiline=multiline))


# --- numbers ----------------------------------------------------------------------------------


def _number_text(value: Decimal | int) -> str:
    """A bound as a person reads it in the active language (1 000 in French, 1,000 in English)."""
    return number_format(value, force_grouping=True)


def _as_text(value: Any) -> str:
    # A JSON number arrives as int or float; its shortest spelling is what the client wrote
    # (an exponent like 1e+20 stays an exponent, and is refused).
    if isinstance(value, bool):
        return ""
    return value if isinstance(value, str) else str(value)


def read_decimal(
    value: Any,
    *,
    places: int,
    maximum: Decimal,
    maximum_message: Any = None,
    invalid_message: Any = None,
) -> Decimal:
    """A non-negative decimal typed in ASCII digits with at most `places` decimals, at most `maximum`."""
    text = _as_text(value).strip()
    match = _DECIMAL.fullmatch(text)
    if match is None or len(match["fraction"] or "") > places:
        message = invalid_message or ngettext(
            "Enter a number in digits, with at most %(places)d decimal after a comma or a point.",
            "Enter a number in digits, with at most %(places)d decimals after a comma or a point.",
            places,
        ) % {"places": places}
        raise ValidationError(message, code="invalid")
    whole = re.sub("[" + _SPACES + "]", "", match["whole"])
    number = Decimal(f"{whole}.{match['fraction'] or '0'}")
    if number > maximum:
        message = maximum_message or _("This number is at most %(maximum)s.")
        raise ValidationError(message % {"maximum": _number_text(maximum)}, code="max_value")
    return number


def read_amount(value: Any, *, maximum: Decimal = MAX_TYPED_AMOUNT) -> Decimal:
    """An amount in euros: ASCII digits, a comma or a point, at most two decimals, at most `maximum`."""
    return read_decimal(
        value,
        places=2,
        maximum=maximum,
        maximum_message=_("An amount is at most %(maximum)s EUR."),
        invalid_message=_("Enter the amount in digits, with at most two decimals after a comma or a point: 1250,50."),
    )


def read_whole_number(
    value: Any,
    *,
    minimum: int,
    maximum: int,
    minimum_message: Any = None,
    maximum_message: Any = None,
) -> int:
    """A whole number typed in ASCII digits (or sent as a JSON integer), between the two bounds."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        if _WHOLE.fullmatch(text) is None:
            raise ValidationError(_("Enter a whole number in digits, such as 12."), code="invalid")
        number = int(text)
    if number < minimum:
        message = minimum_message or _("This number is at least %(minimum)s.")
        raise ValidationError(message % {"minimum": _number_text(minimum)}, code="min_value")
    if number > maximum:
        message = maximum_message or _("This number is at most %(maximum)s.")
        raise ValidationError(message % {"maximum": _number_text(maximum)}, code="max_value")
    return number


def require_amount(value: Decimal, *, field: str, maximum: Decimal = MAX_TYPED_AMOUNT) -> Decimal:
    """A service's check of an amount's ceiling, so the API, the pages and the admin agree."""
    if value > maximum:
        message = _("An amount is at most %(maximum)s EUR.") % {"maximum": _number_text(maximum)}
        raise InvalidInput.on(field, message)
    return value


def require_whole_number(
    value: int,
    *,
    field: str,
    minimum: int,
    maximum: int,
    minimum_message: Any = None,
    maximum_message: Any = None,
) -> int:
    """A service's check of a count's bounds; the messages are those of `read_whole_number`."""
    try:
        return read_whole_number(
            value, minimum=minimum, maximum=maximum, minimum_message=minimum_message, maximum_message=maximum_message
        )
    except ValidationError as error:
        raise InvalidInput.on(field, error.messages[0]) from None


# --- dates ------------------------------------------------------------------------------------


def date_text(value: date) -> str:
    """Belgian usage in every language: dd/mm/yyyy."""
    return value.strftime("%d/%m/%Y")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _years_after(day: date, years: int) -> date:
    return _years_before(day, -years)


@dataclass(frozen=True)
class DateWindow:
    """Where a date of one meaning may lie, relative to today; the message names both ends."""

    earliest: Callable[[date], date]
    latest: Callable[[date], date]
    message: Any

    def bounds(self, today: date | None = None) -> tuple[date, date]:
        today = today or timezone.localdate()
        return self.earliest(today), self.latest(today)

    def check(self, value: date, *, today: date | None = None) -> date:
        earliest, latest = self.bounds(today)
        if not earliest <= value <= latest:
            raise ValidationError(
                self.message % {"earliest": date_text(earliest), "latest": date_text(latest)}, code="out_of_window"
            )
        return value

    def require(self, value: date, *, field: str) -> date:
        """The same check for a service: InvalidInput naming `field`, whichever door the date came through."""
        try:
            return self.check(value)
        except ValidationError as error:
            raise InvalidInput.on(field, error.messages[0]) from None


# Receipts, expenses and suppliers' invoices: already happened, and recent enough to be claimed
# or booked (three years: the longest an expense is kept waiting in an Activity's books).
SPENDING = DateWindow(
    earliest=lambda today: _years_before(today, 3),
    latest=lambda today: today,
    message=_(
        "This date must lie between %(earliest)s and today (%(latest)s): not in the future, at most 3 years ago."
    ),
)
# Money that left or reached the bank: not in the future; a payment recorded late still falls
# within the three years the books are kept open for it.
PAYMENT = DateWindow(
    earliest=lambda today: _years_before(today, 3),
    latest=lambda today: today,
    message=_("A payment date must lie between %(earliest)s and today (%(latest)s)."),
)
BIRTH = DateWindow(
    earliest=lambda today: date(1900, 1, 1),
    latest=lambda today: today,
    message=_("A birth date lies between %(earliest)s and today (%(latest)s)."),
)
# A due date, a start or end of validity: a few years either way of today.
VALIDITY = DateWindow(
    earliest=lambda today: _years_before(today, 3),
    latest=lambda today: _years_after(today, 5),
    message=_("This date must lie between %(earliest)s and %(latest)s."),
)


def read_date_text(value: Any) -> Any:
    """Refuse a date typed with anything but ASCII digits and separators before a parser reads it.

    `strptime` and `parse_date` read Arabic-Indic or full-width digits as digits; the parsers
    of forms and the API then do the rest (formats, calendar).
    """
    if isinstance(value, str) and value.strip() and _DATE_TEXT.fullmatch(value.strip()) is None:
        raise ValidationError(_("Enter a date in digits: dd/mm/yyyy."), code="invalid")
    return value

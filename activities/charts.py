"""The available balance of an Activity as an inline SVG, drawn on the server.

No JavaScript and nothing loaded from elsewhere: the page carries the picture itself, and the
figures behind it are said twice in words, in the SVG's <title> (the balance now, which a screen
reader announces for role="img") and in a summary the page shows to screen readers only.

The balance is a step line: it holds its value through a day and moves at the next day's
bookings, which is what an end-of-day balance is. Only the days that change it become points, so a
year of a quiet Activity is a path of a few segments. Coordinates are computed in Decimal like
the money they stand for; nothing here rounds an amount, only a position on the screen.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from smartcoop.money import amount_text

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 96, 12, 14, 30
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class BalanceChart:
    svg: SafeString
    summary: str


def _position(value: Decimal) -> str:
    return f"{value:.1f}"


def _day_text(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def balance_chart(series: Sequence[tuple[date, Decimal]], *, element_id: str = "balance-chart") -> BalanceChart | None:
    """The chart of `series` (day, balance at the end of it), oldest first; None when it is empty."""
    if not series:
        return None
    values = [value for _day, value in series]
    (first_day, first_value), (last_day, last_value) = series[0], series[-1]
    lowest, highest = min(values), max(values)
    # The zero line stays in view, so a balance that never went below zero reads as such.
    bottom, top = min(lowest, Decimal(0)), max(highest, Decimal(0))
    span = top - bottom or Decimal(1)
    steps = max(len(series) - 1, 1)

    def x(index: int) -> Decimal:
        return LEFT + Decimal(index) * PLOT_WIDTH / steps

    def y(value: Decimal) -> Decimal:
        return TOP + (top - value) * PLOT_HEIGHT / span

    path = [f"M{_position(x(0))} {_position(y(first_value))}"]
    previous = first_value
    for index, value in enumerate(values[1:], start=1):
        if value != previous:
            path.append(f"H{_position(x(index))}V{_position(y(value))}")
            previous = value
    path.append(f"H{_position(x(len(series) - 1))}")

    now = amount_text(last_value)
    title = _("Available balance today: %(amount)s") % {"amount": now}
    summary = _(
        "Available balance from %(start)s to %(end)s: %(first)s at the start, %(now)s now; "
        "lowest %(lowest)s, highest %(highest)s."
    ) % {
        "start": _day_text(first_day),
        "end": _day_text(last_day),
        "first": amount_text(first_value),
        "now": now,
        "lowest": amount_text(lowest),
        "highest": amount_text(highest),
    }
    zero = _position(y(Decimal(0)))
    plot_bottom, plot_right = _position(Decimal(TOP + PLOT_HEIGHT)), _position(Decimal(LEFT + PLOT_WIDTH))
    label_x = LEFT - 6
    title_id = f"{escape(element_id)}-title"
    parts = [
        f'<svg class="balance-chart" id="{escape(element_id)}" role="img" aria-labelledby="{title_id}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<rect class="chart-frame" x="{LEFT}" y="{TOP}" width="{PLOT_WIDTH}" height="{PLOT_HEIGHT}"/>',
        f'<line class="chart-zero" x1="{LEFT}" y1="{zero}" x2="{plot_right}" y2="{zero}"/>',
        f'<path class="chart-line" d="{"".join(path)}"/>',
        f'<text class="chart-label" x="{label_x}" y="{_position(y(top))}" text-anchor="end" '
        f'dominant-baseline="hanging">{escape(amount_text(top))}</text>',
        f'<text class="chart-label" x="{LEFT}" y="{HEIGHT - 8}">{escape(_day_text(first_day))}</text>',
        f'<text class="chart-label" x="{plot_right}" y="{HEIGHT - 8}" text-anchor="end">'
        f"{escape(_day_text(last_day))}</text>",
    ]
    if bottom != top:
        parts.append(
            f'<text class="chart-label" x="{label_x}" y="{_position(y(bottom))}" text-anchor="end">'
            f"{escape(amount_text(bottom))}</text>"
        )
    if bottom < 0 < top:
        parts.append(
            f'<text class="chart-label" x="{label_x}" y="{zero}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(amount_text(Decimal(0)))}</text>"
        )
    parts.append(
        f'<circle class="chart-now" cx="{plot_right}" cy="{_position(y(last_value))}" r="3.5"/>'
        f'<line class="chart-axis" x1="{LEFT}" y1="{plot_bottom}" x2="{plot_right}" y2="{plot_bottom}"/>'
        "</svg>"
    )
    # Every piece of text above went through escape(); the rest are numbers this function computed.
    return BalanceChart(svg=mark_safe("".join(parts)), summary=summary)  # noqa: S308

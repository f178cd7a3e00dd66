"""Printable documents of the share register: a member's certificate, the legal register, its CSV.

A view or a task calls these functions and gets bytes or lines back; nothing here reads a request.
Each document is in its reader's language: the certificate in the member's (whatever the request's
or the books' language), the register in the active one. Every line comes from
`members.register_lines`, the builder the member's page uses too, so a figure means the same on the
page and on paper, under the same column name. The templates write figures through the platform's
one formatter (`|amount`, `|figure`, Django's SHORT_DATE_FORMAT: dd/mm/yyyy in every language), so
1 089,00 EUR in French is 1.089,00 EUR in Dutch, and a translator sees whole sentences.

The register reads its operations with one streamed query and its holdings with one aggregate,
whatever its length: a cooperative of 40,000 members has a register of many thousand lines.
WeasyPrint lays out about a hundred register lines a second, so the whole register belongs in a
background task, not in a request. WeasyPrint may fetch nothing but `data:` URLs: a document never
depends on, nor leaks to, another server, and the fonts are the system's DejaVu Sans. The CSV is
written by the platform's one CSV writer (`smartcoop.csv_export`) in the accountants' Belgian Excel
dialect, as the journal is.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from weasyprint import HTML, URLFetcher  # type: ignore[import-untyped]

from members.identity import format_enterprise_number
from members.models import Member, ShareOperation
from members.register_lines import RegisterLine, member_register_lines, register_lines, register_operations
from smartcoop.csv_export import Cell, CsvFormat, csv_lines
from smartcoop.errors import ConflictError
from smartcoop.models import CooperativeEntity

CHUNK_ROWS = 2000
# A certificate is one page: past this many entries the oldest are brought forward in one line
# (the number that fits under a one-line name; a longer name or address makes room for itself).
CERTIFICATE_LINES = 17


def _css_string(text: str) -> SafeString:
    """`text` as a quoted CSS string that is also inert inside an HTML <style> element.

    Every character that means something to CSS or HTML is written as a CSS hex escape, so a
    cooperative named `A "B" </style>` prints as such instead of ending the style sheet.
    """
    escaped = "".join(f"\\{ord(c):x} " if c in "\\\"'<>&\n\r\f" else c for c in text)
    return mark_safe(f'"{escaped}"')  # noqa: S308  # escaped just above, character by character


def _page_counter() -> SafeString:
    """The CSS `content` of "Page X of Y", from one translatable sentence (word order may differ)."""
    sentence = _("Page %(page)s of %(pages)s")
    parts: list[str] = []
    for chunk in sentence.split("%(page)s"):
        if parts:
            parts.append("counter(page)")
        pieces = chunk.split("%(pages)s")
        for index, piece in enumerate(pieces):
            if index:
                parts.append("counter(pages)")
            if piece:
                parts.append(_css_string(piece))
    return mark_safe(" ".join(parts))  # noqa: S308  # counters and escaped strings only


# --- shared pieces ---------------------------------------------------------------------------


def _cooperative() -> CooperativeEntity:
    entity = CooperativeEntity.objects.filter(country="BE").first()
    if entity is None:
        raise ConflictError(_("The cooperative's settings are missing: its legal identity is unknown."))
    return entity


def _identity(entity: CooperativeEntity) -> dict[str, Any]:
    """The legal identity every document prints, as text and as CSS strings for the page margins."""
    number = format_enterprise_number(entity.enterprise_number)
    address = f"{entity.street}, {entity.postal_code} {entity.city}"
    enterprise = _("Enterprise number %(number)s") % {"number": number}
    return {
        "entity": entity,
        "enterprise_number": number,
        "address": address,
        "css_name": _css_string(entity.name),
        "css_enterprise": _css_string(enterprise),
        "css_legal": _css_string(" · ".join([entity.name, address, enterprise])),
    }


def _render(template: str, context: dict[str, Any]) -> Any:
    """The laid-out WeasyPrint document (untyped library: its pages can be counted before printing)."""
    html = render_to_string(template, {**context, "language": get_language() or settings.LANGUAGE_CODE})
    # data: URLs only, and a refused fetch stops the rendering instead of printing a hole.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher).render()


def _pdf(document: Any) -> bytes:
    return bytes(document.write_pdf())


# --- the member's certificate ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BroughtForward:
    """The oldest entries of a long history, summed up so the certificate keeps to one page."""

    count: int
    first_number: int
    last_number: int
    held_after: int


def _brought_forward(lines: list[RegisterLine], limit: int) -> tuple[BroughtForward | None, list[RegisterLine]]:
    if len(lines) <= limit:
        return None, lines
    # One line of the table goes to the summary itself.
    earlier, shown = lines[: -(limit - 1)], lines[-(limit - 1) :]
    summary = BroughtForward(
        count=len(earlier),
        first_number=earlier[0].number,
        last_number=earlier[-1].number,
        held_after=earlier[-1].held_after,
    )
    return summary, shown


def share_certificate_pdf(*, member: Member, on: date | None = None) -> bytes:
    """A one-page A4 certificate of the shares `member` holds on `on` (today), in their language."""
    on = on or timezone.localdate()
    with override(member.user.language):
        entity = _cooperative()
        every_line = member_register_lines(member=member, at=on)
        # The holding is the last line's: the same running sum the table shows, not a second count.
        held = every_line[-1].held_after if every_line else 0
        nominal = entity.share_nominal_value
        context = {
            **_identity(entity),
            "member": member,
            "category": member.get_category_display(),
            "on": on,
            "held": held,
            "nominal": nominal,
            "total": nominal * held,
            "title": _("Share certificate of %(name)s") % {"name": member.display_name},
        }
        limit = CERTIFICATE_LINES
        while True:
            brought_forward, lines = _brought_forward(every_line, limit)
            document = _render(
                "members/pdf/certificate.html", {**context, "lines": lines, "brought_forward": brought_forward}
            )
            # A name or an address over several lines takes the room of entries: list fewer.
            if len(document.pages) == 1 or len(lines) <= 3:
                return _pdf(document)
            limit = max(2, min(limit, len(lines)) - 3)


# --- the legal register ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holding:
    member_number: int
    member_name: str
    share_class: str
    shares: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class ClassTotal:
    share_class: str
    label: str
    members: int
    shares: int
    value: Decimal


def _holdings(
    *, at: date | None, up_to: int, names: dict[int, str], nominal: Decimal
) -> tuple[list[Holding], list[ClassTotal]]:
    """Holdings per member and class (one aggregate query); names, by member number, from the lines read."""
    # Up to the last number printed: an operation recorded since then is in neither table. Numbers
    # commit in order (the counter row stays locked until its transaction ends), so this is exact.
    operations = ShareOperation.objects.filter(number__lte=up_to)
    if at is not None:
        operations = operations.filter(operation_date__lte=at)
    rows = (
        operations.values("member__number", "share_class")
        .annotate(total=Sum("delta"))
        .filter(total__gt=0)
        .order_by("member__number", "share_class")
    )
    holdings = [
        Holding(
            member_number=row["member__number"],
            member_name=names[row["member__number"]],
            share_class=row["share_class"],
            shares=int(row["total"]),
            value=nominal * int(row["total"]),
        )
        for row in rows
    ]
    labels = dict(ShareOperation._meta.get_field("share_class").flatchoices)
    totals = [
        ClassTotal(
            share_class=share_class,
            label=str(labels.get(share_class, share_class)),
            members=len(of_class),
            shares=sum(h.shares for h in of_class),
            value=sum((h.value for h in of_class), Decimal(0)),
        )
        for share_class in sorted({h.share_class for h in holdings})
        if (of_class := [h for h in holdings if h.share_class == share_class])
    ]
    return holdings, totals


def share_register_pdf(*, at: date | None = None) -> bytes:
    """The whole share register (up to `at`, inclusive), A4 landscape, in the active language."""
    return _pdf(share_register_render(at=at))


def share_register_render(*, at: date | None = None) -> Any:
    """The register laid out (its `pages` can be counted) before it is written as a PDF."""
    entity = _cooperative()
    operations = register_operations(at=at).iterator(chunk_size=CHUNK_ROWS)
    lines = list(register_lines(operations))
    names = {line.member_number: line.member_name for line in lines}
    up_to = lines[-1].number if lines else 0
    nominal = entity.share_nominal_value
    holdings, totals = _holdings(at=at, up_to=up_to, names=names, nominal=nominal)
    printed_on = timezone.localdate()
    if at is None:
        heading = _("Share register printed on %(date)s") % {"date": date_format(printed_on, "SHORT_DATE_FORMAT")}
    else:
        heading = _("Share register up to %(date)s") % {"date": date_format(at, "SHORT_DATE_FORMAT")}
    context = {
        **_identity(entity),
        "at": at,
        "printed_on": printed_on,
        "css_heading": _css_string(heading),
        "lines": lines,
        "holdings": holdings,
        "totals": totals,
        "total_members": len({h.member_number for h in holdings}),
        "total_shares": sum(t.shares for t in totals),
        "total_value": sum((t.value for t in totals), Decimal(0)),
        "nominal": nominal,
        "title": _("Share register of %(name)s") % {"name": entity.name},
        "page_counter": _page_counter(),
    }
    return _render("members/pdf/register.html", context)


# --- the register as CSV ---------------------------------------------------------------------


def _csv_rows(lines: Iterable[RegisterLine]) -> Iterator[list[Cell]]:
    for line in lines:
        yield [
            line.number,
            line.on,
            line.member_number,
            line.member_name,
            line.kind,
            line.share_class,
            line.quantity,
            line.unit_value,
            line.amount,
            line.held_after,
            line.counterpart_number,
        ]


def share_register_csv_lines(*, at: date | None = None) -> Iterator[str]:
    """The register (up to `at`, inclusive) as CSV lines in the Belgian Excel dialect, header first.

    The columns of the printed register, under the same names spelled out: a spreadsheet has room.
    """
    header = [
        _("Register number"),
        _("Date"),
        _("Member number"),
        _("Member"),
        _("Operation"),
        _("Share class"),
        _("Shares"),
        _("Unit value"),
        _("Amount"),
        _("Shares held after"),
        _("Other member"),
    ]
    operations = register_operations(at=at).iterator(chunk_size=CHUNK_ROWS)
    return csv_lines(header, _csv_rows(register_lines(operations)), csv_format=CsvFormat.EXCEL_BE)

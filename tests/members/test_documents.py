"""The share certificate, the printed register and its CSV: real PDFs, read back with pypdf."""

import io
import re
from datetime import date
from decimal import Decimal
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from members.documents import (
    share_certificate_pdf,
    share_register_csv_lines,
    share_register_pdf,
)
from members.models import Member, RegisterCounter, User
from members.services import shares_buy_back, shares_issue, shares_subscribe, shares_transfer
from smartcoop.models import CooperativeEntity
from smartcoop.money import amount_text

JAN, FEB, MAR = date(2026, 1, 10), date(2026, 2, 1), date(2026, 3, 1)


@pytest.fixture
def advisor(make_user) -> User:
    user: User = make_user("sophie@example.be")
    return user


@pytest.fixture
def register_from_1041(db: None) -> None:
    # Register numbers 1, 2, 3 would be found in any text; four digits prove the column is printed.
    RegisterCounter.objects.filter(name="share_register").update(value=1040)


def english(member: Member) -> Member:
    """Visible labels are asserted in English, the msgids: true before and after translation."""
    member.user.language = "en"
    member.user.save(update_fields=["language"])
    return member


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def fonts_of(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        for font in cast(DictionaryObject, resources["/Font"].get_object()).values():
            names.add(str(cast(DictionaryObject, font.get_object())["/BaseFont"]))
    return names


def issue_many(members: list[Member], count: int, advisor: User, *, prefix: str) -> None:
    for n in range(count):
        member = members[n % len(members)]
        shares_issue(member=member, quantity=1 + n % 3, on=JAN, key=f"{prefix}:{n}", actor=advisor)


def test_the_certificate_is_one_page_with_the_holding_and_every_register_line(
    make_member, advisor: User, register_from_1041: None
) -> None:
    alice, bob = english(make_member("Amélie", "Dubois")), make_member("Bob", "Peeters")
    shares_subscribe(member=alice, quantity=3, on=JAN, key="application:1", actor=advisor)
    shares_issue(member=alice, quantity=3, on=JAN, key="call:1", actor=advisor)
    shares_issue(member=bob, quantity=1, on=JAN, key="call:2", actor=advisor)
    shares_transfer(seller=bob, buyer=alice, quantity=1, on=FEB, key="transfer:1", actor=advisor)
    shares_buy_back(member=alice, quantity=2, on=MAR, reason="Partial refund", key="refund:1", actor=advisor)

    alice.refresh_from_db()

    reader = read(share_certificate_pdf(member=alice, on=date(2026, 3, 15)))

    assert len(reader.pages) == 1
    text = text_of(reader)
    assert "Amélie Dubois" in text
    assert "SmartCoop" in text and "0754.316.243" in text
    assert str(alice.number) in text
    assert "A: service user" in text
    assert "10 January 2026" in text, "member since"
    assert re.search(r"\b2\s+Shares held", text, re.IGNORECASE), "3 issued + 1 received - 2 bought back"
    assert "30.00 EUR" in text and "60.00 EUR" in text
    # Shares, unit value, amount (shares times unit value) and the shares held after the line.
    for number, kind, figures in [
        (1041, "Subscription", "3 30.00 EUR 90.00 EUR 0"),
        (1042, "Issue", "3 30.00 EUR 90.00 EUR 3"),
        (1045, "Transfer from another member", "1 30.00 EUR 30.00 EUR 4"),
        (1046, "Buy-back at nominal value", "2 30.00 EUR 60.00 EUR 2"),
    ]:
        # "(member no. N)" may wrap under the operation: the figures then end the next line.
        assert re.search(rf"^{number} \d\d/\d\d/2026 {kind}(.|\n)*?\s{figures}$", text, re.MULTILINE), number
    assert "1043" not in text and "1044" not in text, "Bob's lines are not on Amélie's certificate"
    assert "never gain value" in text
    assert "15 March 2026" in text, "the date of issue"


def test_a_long_history_keeps_to_one_page_with_the_oldest_entries_brought_forward(
    make_member, advisor: User, register_from_1041: None
) -> None:
    member = english(make_member())
    for n in range(25):
        shares_issue(member=member, quantity=1, on=JAN, key=f"call:{n}", actor=advisor)

    reader = read(share_certificate_pdf(member=member, on=FEB))

    assert len(reader.pages) == 1
    text = text_of(reader)
    assert re.search(r"\b25\s+Shares held", text, re.IGNORECASE)
    assert "1041\u20131049 9 earlier entries, not listed here. Shares held after them: 9." in text
    for number in range(1050, 1066):
        held = number - 1040
        assert re.search(rf"^{number} 10/01/2026 Issue 1 30.00 EUR 30.00 EUR {held}$", text, re.MULTILINE), number


def test_a_long_name_makes_room_for_itself_and_the_certificate_stays_on_one_page(
    make_member, advisor: User, register_from_1041: None
) -> None:
    member = english(make_member("Jean-Baptiste Marie-Christine " * 3, "Van den Bossche-Delacroix " * 3))
    for n in range(17):
        shares_issue(member=member, quantity=1, on=JAN, key=f"call:{n}", actor=advisor)

    reader = read(share_certificate_pdf(member=member, on=FEB))

    assert len(reader.pages) == 1
    text = text_of(reader)
    assert re.search(r"earlier entries, not listed here", text)
    assert re.search(r"^1057 10/01/2026 Issue", text, re.MULTILINE), "the latest entry is always listed"


def test_a_certificate_at_a_past_date_ignores_later_operations(make_member, advisor: User, register_from_1041) -> None:
    member = english(make_member())
    shares_issue(member=member, quantity=3, on=JAN, key="call:1", actor=advisor)
    shares_issue(member=member, quantity=4, on=MAR, key="call:2", actor=advisor)

    text = text_of(read(share_certificate_pdf(member=member, on=FEB)))

    assert re.search(r"\b3\s+Shares held", text, re.IGNORECASE)
    assert "90.00 EUR" in text
    assert "1041" in text and "1042" not in text
    assert "1 February 2026" in text


def test_a_dutch_speaking_member_gets_a_dutch_certificate(make_member, advisor: User) -> None:
    member = make_member("Pieter", "Janssens")
    member.user.language = "nl"
    member.user.save(update_fields=["language"])
    shares_issue(member=member, quantity=2, on=FEB, key="call:1", actor=advisor)

    with override("fr"):  # the request's language does not matter: the member's does
        reader = read(share_certificate_pdf(member=member, on=FEB))

    assert str(reader.root_object.get("/Lang")) == "nl", "WeasyPrint copies <html lang> into the PDF catalogue"
    assert reader.metadata is not None and reader.metadata.author == "SmartCoop"
    text = text_of(reader)
    assert "Pieter Janssens" in text and "60,00 EUR" in text
    assert "1 februari 2026" in text, "Django's own Dutch month names"


def test_the_pdfs_use_dejavu_sans_and_link_nowhere(make_member, advisor: User) -> None:
    member = make_member()
    shares_issue(member=member, quantity=1, on=FEB, key="call:1", actor=advisor)
    for pdf in (share_certificate_pdf(member=member, on=FEB), share_register_pdf()):
        fonts = fonts_of(read(pdf))
        assert fonts and all("DejaVu-Sans" in font for font in fonts), fonts
        assert b"/URI" not in pdf


def test_a_cooperative_name_with_quotes_and_markup_prints_as_written(
    make_member, advisor: User, cooperative: CooperativeEntity
) -> None:
    cooperative.name = 'Coop "L\'Union" </style> & Co'
    cooperative.save(update_fields=["name"])
    member = make_member()
    shares_issue(member=member, quantity=1, on=FEB, key="call:1", actor=advisor)
    with override("en"):
        text = text_of(read(share_register_pdf()))
    assert text.count('Coop "L\'Union" </style> & Co') >= 2, "in the running header and in the heading"


def test_a_long_register_runs_over_pages_with_header_footer_and_holdings(
    make_member, advisor: User, register_from_1041: None
) -> None:
    members = [make_member("Member", f"Number{n}") for n in range(10)]
    issue_many(members, 298, advisor, prefix="call")
    shares_transfer(seller=members[0], buyer=members[1], quantity=1, on=FEB, key="transfer:1", actor=advisor)

    with override("en"):
        reader = read(share_register_pdf())

    texts = [page.extract_text() for page in reader.pages]
    pages, first, last = len(texts), texts[0], texts[-1]
    assert pages > 3
    assert f"Page 1 of {pages}" in first
    assert f"Page {pages} of {pages}" in last
    assert all(
        "SmartCoop" in page and "Share register printed on" in page and "Enterprise number 0754.316.243" in page
        for page in texts
    ), "the running header and footer"
    text = "\n".join(texts)
    for number in range(1041, 1041 + 300):
        assert re.search(rf"^{number} ", text, re.MULTILINE), number
    # The operation may wrap in its column: the figures then start the next line of the text.
    transfer_out = re.search(
        r"^1339 01/02/2026 (\d+) .*Transfer\s+to\s+another\s+member\s+A 1 30.00 EUR 30.00 EUR (\d+) (\d+)$", text, re.M
    )
    assert transfer_out is not None
    held_after = sum(1 + n % 3 for n in range(0, 298, 10)) - 1
    assert transfer_out.groups() == (str(members[0].number), str(held_after), str(members[1].number))
    assert "Holdings per member and class" in last
    total_shares = sum(1 + n % 3 for n in range(298))
    total_value = amount_text(Decimal(30) * total_shares, language="en")
    assert re.search(rf"^Total 10 {total_shares} {total_value}$", text, re.M)


def test_the_register_at_a_past_date_leaves_out_later_operations(make_member, advisor: User, register_from_1041):
    alice, bob = make_member(), make_member("Bob", "Peeters")
    shares_issue(member=alice, quantity=3, on=JAN, key="call:1", actor=advisor)
    shares_issue(member=bob, quantity=5, on=MAR, key="call:2", actor=advisor)

    with override("en"):
        text = text_of(read(share_register_pdf(at=FEB)))

    assert re.search(r"^1041 ", text, re.M) and not re.search(r"^1042 ", text, re.M)
    assert "Bob Peeters" not in text
    assert re.search(r"^Total 1 3 90.00 EUR$", text, re.M)


def test_the_register_pdf_reads_the_same_few_queries_for_10_or_100_operations(
    make_member, advisor: User, django_assert_max_num_queries
) -> None:
    members = [make_member("Member", f"Number{n}") for n in range(5)]
    counts = []
    for total, prefix in ((10, "a"), (90, "b")):
        issue_many(members, total, advisor, prefix=prefix)
        with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as queries:
            share_register_pdf()
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_register_csv_is_in_the_belgian_excel_dialect(make_member, advisor: User, register_from_1041) -> None:
    alice, bob = make_member(), make_member("Bob", "Peeters")
    shares_issue(member=alice, quantity=3, on=JAN, key="call:1", actor=advisor)
    shares_issue(member=bob, quantity=1, on=JAN, key="call:2", actor=advisor)
    shares_transfer(seller=alice, buyer=bob, quantity=2, on=FEB, key="transfer:1", actor=advisor)
    shares_buy_back(member=bob, quantity=1, on=MAR, reason="exit", key="refund:1", actor=advisor)

    with override("en"):
        lines = list(share_register_csv_lines())
        up_to_february = list(share_register_csv_lines(at=FEB))

    assert lines[0].startswith("\ufeffRegister number;Date;")
    assert len(lines) == 1 + 5 and len(up_to_february) == 1 + 4
    assert all(line.endswith("\r\n") and line.count(";") == 10 for line in lines)
    assert lines[1] == f"1041;10/01/2026;{alice.number};Amélie Dubois;Issue;A;3;30,00;90,00;3;\r\n"
    assert (
        lines[3]
        == f"1043;01/02/2026;{alice.number};Amélie Dubois;Transfer to another member;A;2;30,00;60,00;1;{bob.number}\r\n"
    )
    assert lines[4].startswith(f"1044;01/02/2026;{bob.number};Bob Peeters;Transfer from another member;")
    assert lines[4].endswith(f";{alice.number}\r\n")


def test_register_command_writes_the_pdf_and_the_csv(make_member, make_user, tmp_path) -> None:
    from django.core.management import call_command

    member = make_member()
    shares_issue(member=member, quantity=2, on=date(2026, 1, 10), key="command:issue", actor=make_user("a@example.be"))
    pdf, csv_file = tmp_path / "register.pdf", tmp_path / "register.csv"
    call_command("export_share_register", "--output", str(pdf), "--language", "en")
    call_command("export_share_register", "--format", "csv", "--output", str(csv_file))
    assert PdfReader(str(pdf)).pages[0].extract_text().count(member.display_name) >= 1
    assert csv_file.read_bytes().count(b"\r\n") == 2, "the header and the one operation"

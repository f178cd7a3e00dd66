"""The certificate and the register read back as the member reads the page: same words, figures and dates.

Each PDF is a real WeasyPrint document read back with pypdf. Text is compared as whitespace-separated
words, so a heading or an operation wrapped over two lines in a cell still matches, while two
headings printed as one word ("N° AU REGISTREDATE") do not. Expected headings are the catalogue's
own words for the language, so these tests hold before and after the translators' pass.
"""

import html
import io
import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, override
from pypdf import PdfReader

from members.documents import share_certificate_pdf, share_register_csv_lines, share_register_pdf
from members.models import Member, RegisterCounter, User
from members.register_lines import member_register_lines
from members.selectors import member_holding
from members.services import shares_buy_back, shares_issue, shares_subscribe, shares_transfer
from smartcoop.money import amount_text

JAN_6, FEB = date(2026, 1, 6), date(2026, 2, 1)
LINE_HEADINGS = ["Register no.", "Date", "Operation", "Shares", "Unit value", "Amount", "Shares held after"]


@pytest.fixture
def advisor(make_user) -> User:
    user: User = make_user("sophie@example.be")
    return user


@pytest.fixture(autouse=True)
def register_from_1041(db: None) -> None:
    # Four-digit register numbers cannot be mistaken for a quantity or a day in the text.
    RegisterCounter.objects.filter(name="share_register").update(value=1040)


def speaking(member: Member, language: str) -> Member:
    member.user.language = language
    member.user.save(update_fields=["language"])
    return member


def pdf_pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def words(text: str) -> list[str]:
    return text.split()


def has_run(haystack: list[str], needle: list[str]) -> bool:
    """True when `needle` appears in `haystack` as consecutive words."""
    size = len(needle)
    return any(haystack[start : start + size] == needle for start in range(len(haystack) - size + 1))


def headings_in(language: str, headings: list[str]) -> list[str]:
    with override(language):
        return words(" ".join(gettext(heading) for heading in headings))


def _text(markup: str) -> list[str]:
    return words(html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def page_register(page: str) -> tuple[list[str], dict[int, list[str]]]:
    """The page's register table: its headings, and its rows by register number, as words."""
    table = page.split("</caption>", 1)[1].split("</table>", 1)[0]
    head, body = table.split("</thead>", 1)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = _text(row)
        if cells and cells[0].isdigit():
            rows[int(cells[0])] = cells
    return _text(head), rows


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_the_certificate_headings_read_back_as_separate_words(make_member, advisor: User, language: str) -> None:
    member = speaking(make_member(), language)
    shares_issue(member=member, quantity=2, on=JAN_6, key="call:1", actor=advisor)

    pages = pdf_pages(share_certificate_pdf(member=member, on=FEB))

    assert len(pages) == 1
    expected = headings_in(language, LINE_HEADINGS)
    assert has_run(words(pages[0]), expected), (expected, pages[0])


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_the_register_headings_read_back_as_separate_words(make_member, advisor: User, language: str) -> None:
    shares_issue(member=make_member(), quantity=2, on=JAN_6, key="call:1", actor=advisor)

    with override(language):
        pages = pdf_pages(share_register_pdf())

    expected = headings_in(
        language,
        [
            "Register no.",
            "Date",
            "Member no.",
            "Member",
            "Operation",
            "Class",
            "Shares",
            "Unit value",
            "Amount",
            "Shares held after",
            "Other member no.",
        ],
    )
    assert has_run(words(pages[0]), expected), (expected, pages[0])


def test_a_register_line_shows_the_same_figures_under_the_same_names_on_the_page_and_the_certificate(
    client: Client, make_member, advisor: User
) -> None:
    alice, bob = speaking(make_member("Amélie", "Dubois"), "en"), make_member("Bob", "Peeters")
    shares_subscribe(member=alice, quantity=2, on=JAN_6, key="application:1", actor=advisor)
    shares_issue(member=alice, quantity=2, on=JAN_6, key="call:1", actor=advisor)
    shares_issue(member=bob, quantity=3, on=JAN_6, key="call:2", actor=advisor)
    shares_transfer(seller=bob, buyer=alice, quantity=1, on=FEB, key="transfer:1", actor=advisor)
    client.force_login(alice.user)

    page = client.get(reverse("members:shares")).content.decode()
    certificate = words(pdf_pages(share_certificate_pdf(member=alice, on=FEB))[0])

    headings, rows = page_register(page)
    assert sorted(rows) == [1041, 1042, 1045], "Bob's own lines are on neither"
    # The line that read 30 EUR on the page and 60 EUR on paper: two shares at 30 EUR, 60 EUR paid.
    assert rows[1042] == ["1042", "06/01/2026", "Issue", "2", "30.00", "EUR", "60.00", "EUR", "2"]
    for number, cells in rows.items():
        assert has_run(certificate, cells), (number, cells, certificate)
    assert headings == headings_in("en", LINE_HEADINGS)
    assert has_run(certificate, headings), "the page's headings are the certificate's"
    assert rows[1041][-1] == "0", "a subscription is a promise, not yet a share"
    assert rows[1045][-1] == "3" == str(member_holding(member=alice))


def test_the_shares_page_reads_its_register_lines_in_the_same_queries_however_many(
    client: Client, make_member, advisor: User, django_assert_max_num_queries
) -> None:
    member = make_member()
    client.force_login(member.user)
    counts = []
    for total, prefix in ((2, "a"), (20, "b")):
        for n in range(total):
            shares_issue(member=member, quantity=1, on=JAN_6, key=f"{prefix}:{n}", actor=advisor)
        with django_assert_max_num_queries(12) as queries:
            assert client.get(reverse("members:shares")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_dutch_speaking_member_gets_dutch_headings_and_dutch_amounts(make_member, advisor: User) -> None:
    member = speaking(make_member("Pieter", "Janssens"), "nl")
    shares_issue(member=member, quantity=40, on=JAN_6, key="call:1", actor=advisor)

    with override("fr"):  # the request's language does not matter: the member's does
        text = pdf_pages(share_certificate_pdf(member=member, on=FEB))[0]

    assert has_run(words(text), headings_in("nl", LINE_HEADINGS))
    with override("nl"):
        issue = words(gettext("Issue"))
    assert has_run(words(text), ["1041", "06/01/2026", *issue, "40", "30,00", "EUR", "1.200,00", "EUR", "40"])
    assert has_run(words(text), words(amount_text(member.share_operations.get().amount, language="nl")))
    assert "1 200,00" not in text and "1,200.00" not in text and "1\xa0200,00" not in text


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_dates_are_day_first_in_every_language(make_member, advisor: User, language: str) -> None:
    member = speaking(make_member(), language)
    shares_issue(member=member, quantity=1, on=JAN_6, key="call:1", actor=advisor)

    certificate = pdf_pages(share_certificate_pdf(member=member, on=FEB))[0]
    with override(language):
        register = "\n".join(pdf_pages(share_register_pdf(at=JAN_6)))
        assert date_format(JAN_6, "SHORT_DATE_FORMAT") == "06/01/2026", "the one date format the page uses too"

    assert "06/01/2026" in certificate and "01/06/2026" not in certificate
    assert register.count("06/01/2026") >= 2, "the operation's date and the register's 'up to' date"
    assert "01/06/2026" not in register


def test_the_holding_after_each_line_follows_the_member_through_the_register(make_member, advisor: User) -> None:
    alice, bob = make_member(), make_member("Bob", "Peeters")
    shares_subscribe(member=alice, quantity=4, on=JAN_6, key="application:1", actor=advisor)
    shares_issue(member=alice, quantity=4, on=JAN_6, key="call:1", actor=advisor)
    shares_issue(member=bob, quantity=1, on=JAN_6, key="call:2", actor=advisor)
    shares_transfer(seller=alice, buyer=bob, quantity=3, on=FEB, key="transfer:1", actor=advisor)
    shares_buy_back(member=alice, quantity=1, on=FEB, reason="exit", key="refund:1", actor=advisor)

    assert [(line.number, line.held_after) for line in member_register_lines(member=alice)] == [
        (1041, 0),
        (1042, 4),
        (1044, 1),
        (1046, 0),
    ]
    assert [line.held_after for line in member_register_lines(member=bob)] == [1, 4]
    assert [line.held_after for line in member_register_lines(member=alice, at=JAN_6)] == [0, 4]

    with override("en"):
        csv = list(share_register_csv_lines())
    assert csv[0].startswith("\ufeffRegister number;Date;Member number;Member;Operation;Share class;Shares;")
    assert "Unit value;Amount;Shares held after;Other member" in csv[0]
    transfer = f"1044;01/02/2026;{alice.number};Amélie Dubois;Transfer to another member;A;3;30,00;90,00;1;{bob.number}"
    assert csv[4] == f"{transfer}\r\n", "the shares moved, their unit value, the amount, what Amélie holds after"

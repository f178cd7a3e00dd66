"""Dates day first and amounts with each language's separators, on every page of every language.

Belgians write 05/12/2026 for 5 December whether they read French, Dutch or English; Django's own
English would print 12/05/2026 and its Dutch 5-12-2026. These tests render through the template
engine, as the pages do, so a template that formats a date or an amount another way is caught
by the page tests, and a change of the format modules by these.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

FIFTH_OF_DECEMBER = date(2026, 12, 5)


def render(source: str, language: str, **context: object) -> str:
    with translation.override(language):
        return Template(source).render(Context(context))


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_a_date_reads_day_first_in_every_language(language: str) -> None:
    assert render("{{ day }}", language, day=FIFTH_OF_DECEMBER) == "05/12/2026"
    assert render('{{ day|date:"SHORT_DATE_FORMAT" }}', language, day=FIFTH_OF_DECEMBER) == "05/12/2026"
    assert render('{{ day|date:"DATE_FORMAT" }}', language, day=FIFTH_OF_DECEMBER) == "05/12/2026"


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_a_moment_reads_day_first_with_the_24_hour_clock(language: str) -> None:
    moment = datetime(2026, 12, 5, 14, 30, tzinfo=ZoneInfo("Europe/Brussels"))
    assert render('{{ moment|date:"SHORT_DATETIME_FORMAT" }}', language, moment=moment) == "05/12/2026 14:30"


@pytest.mark.parametrize(
    ("language", "text"),
    [("fr", "1\xa0089,00 EUR"), ("nl", "1.089,00 EUR"), ("en", "1,089.00 EUR")],
)
def test_an_amount_on_a_page_uses_the_separators_of_its_language(language: str, text: str) -> None:
    assert render("{{ value|amount }}", language, value=Decimal("1089")) == text


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
@pytest.mark.parametrize("typed", ["05/12/2026", "2026-12-05"])
def test_a_typed_date_is_read_day_first_or_as_the_browser_sends_it(language: str, typed: str) -> None:
    field = forms.DateField()
    with translation.override(language):
        assert field.clean(typed) == FIFTH_OF_DECEMBER


def test_an_english_reader_typing_month_first_is_refused_not_misread() -> None:
    field = forms.DateField()
    with translation.override("en"), pytest.raises(forms.ValidationError):
        field.clean("12/31/2026")

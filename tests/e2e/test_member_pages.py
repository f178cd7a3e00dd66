"""Every page of the Espace membre, in a real browser, on a phone and on a desktop, in each language.

The member is the demo's Amélie Dubois (`seed_demo`): an Activity with a year of movements,
expense claims, supplier invoices, transfers, shares and the notifications all of these sent her,
plus a draft claim opened here so its form shows. A newcomer without an application sees the
application form; a visitor sees the public pages.

On a phone (390 x 844) each page must fit the screen: the document is no wider than the viewport,
so nothing needs a sideways scroll. Every page, on the phone and on a desktop (1280 px), passes
axe-core with no serious or critical violation (`tests/e2e/axe.py`, which tallies the others for
the run's summary). In Dutch and English the pages show no French word of the ledger's memos, and
dates read day first (dd/mm/yyyy), as Belgians write them in every language.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from activities.models import Activity, ExpenseClaim
from activities.services import expense_claim_create
from members.models import Role, User
from smartcoop.demo import DEMO_PASSWORD
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import ACTION_TIMEOUT_MS, NAVIGATION_TIMEOUT_MS, no_policy_violation

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)
MEMBER_EMAIL = "amelie.dubois@demo.smartcoop.be"  # smartcoop/demo.py
APPLICANT_EMAIL = "jonas.declercq@demo.smartcoop.be"  # approved, his capital call waits for payment
NEWCOMER_EMAIL = "lena.moreau@example.be"
NEWCOMER_PASSWORD = "orchard-lantern-copper-57"
# Words of the ledger's French memos: a Dutch or English reader must not meet them on a page.
FRENCH_MEMO_WORDS = (
    "Achat",
    "chez",
    "Contribution mutualisée",
    "Facture",
    "Paiement",
    "Note de frais",
    "remboursée",
    "Virement",
    "Parts",
)
# Anything that looks like a date written with digits; each must then read dd/mm/yyyy.
DATE_LIKE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b")
DAY_FIRST = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
# "Dec. 5, 2026", "December 5, 2026": the month-first style of Django's own English.
MONTH_FIRST_IN_WORDS = re.compile(r"\b[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}\b")


@dataclass(frozen=True)
class Seeded:
    activity: Activity
    submitted_claim: ExpenseClaim
    draft_claim: ExpenseClaim


@pytest.fixture
def seeded(transactional_db: None, media_root: Path) -> Seeded:
    """The demo cooperative, a draft claim of Amélie's, and a newcomer with no application yet."""
    call_command("seed_demo", stdout=StringIO())
    amelie = User.objects.get(email=MEMBER_EMAIL)
    activity = Activity.objects.filter(holders__member__user=amelie).order_by("pk").first()
    assert activity is not None, "the demo gives Amélie an Activity"
    submitted = ExpenseClaim.objects.filter(activity=activity, worker__user=amelie).order_by("pk").first()
    assert submitted is not None, "the demo gives Amélie expense claims"
    draft = expense_claim_create(activity=activity, title="Salon du livre de Bruxelles", actor=amelie)
    newcomer = User.objects.create_user(email=NEWCOMER_EMAIL, password=NEWCOMER_PASSWORD, language="fr")
    newcomer.groups.add(Group.objects.get(name=Role.MEMBER.value))
    EmailAddress.objects.create(user=newcomer, email=NEWCOMER_EMAIL, verified=True, primary=True)
    return Seeded(activity=activity, submitted_claim=submitted, draft_claim=draft)


def member_pages(seeded: Seeded) -> list[tuple[str, str]]:
    code = seeded.activity.code
    return [
        ("dashboard", reverse("members:dashboard")),
        ("notifications", reverse("members:notifications")),
        ("membership", reverse("members:membership")),
        ("shares", reverse("members:shares")),
        ("profile", reverse("members:profile")),
        ("API tokens", reverse("members:api_tokens")),
        ("e-mail addresses", reverse("account_email")),
        ("two-factor authentication", reverse("mfa_index")),
        ("activities", reverse("activities:list")),
        ("activity", reverse("activities:detail", args=[code])),
        ("activity settings", reverse("activities:settings", args=[code])),
        ("clients and suppliers", reverse("activities:clients")),
        ("submitted claim", reverse("activities:claim_detail", args=[seeded.submitted_claim.pk])),
        ("draft claim", reverse("activities:claim_detail", args=[seeded.draft_claim.pk])),
        ("new claim", reverse("activities:claim_create", args=[code])),
        ("new purchase", reverse("activities:purchase_create", args=[code])),
        ("new transfer", reverse("activities:transfer_create", args=[code])),
        ("new client", reverse("activities:third_party_add", args=[code])),
        ("new activity", reverse("activities:create")),
    ]


VISITOR_PAGES = [
    ("visitor home", "/"),
    ("login", reverse("account_login")),
    ("sign-up", reverse("account_signup")),
    ("password reset", reverse("account_reset_password")),
]
NEWCOMER_PAGES = [("application", reverse("members:apply"))]
APPLICANT_PAGES = [("membership, capital call to pay", reverse("members:membership"))]


@contextmanager
def browsing(browser: Browser, viewport: ViewportSize) -> Iterator[Page]:
    """A fresh browser (own cookies) at `viewport`, failing on anything the policy blocks."""
    context: BrowserContext = browser.new_context(locale="en-US", timezone_id="Europe/Brussels", viewport=viewport)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    with no_policy_violation(context):
        yield context.new_page()


def log_in(page: Page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}{reverse('account_login')}")
    form = page.locator(f"main form[action^='{reverse('account_login')}']")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(re.escape(reverse("account_login"))))


def assert_fits(page: Page, label: str) -> None:
    scroll_width, viewport_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= viewport_width, (
        f"{label} ({page.url}) is {scroll_width} px wide on a {viewport_width} px screen"
    )


def visit_all(page: Page, live_server, pages: list[tuple[str, str]], *, screen: str) -> None:
    for label, path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.ok, f"{label}: {path} answered {response and response.status}"
        assert_fits(page, f"{label} ({screen})")
        assert_accessible(page, label=f"{label} ({screen})")


def choose_language(page: Page, language: str) -> None:
    """The header's switcher, reached through the Menu button when the menu is folded (a phone)."""
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    switcher = page.locator(f"header form[action='{reverse('members:set_language')}']")
    switcher.locator("select[name=language]").select_option(language)
    switcher.locator("button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


@pytest.mark.e2e
def test_every_member_page_fits_a_phone_and_passes_axe(seeded: Seeded, live_server, browser: Browser) -> None:
    with browsing(browser, PHONE) as page:
        visit_all(page, live_server, VISITOR_PAGES, screen="phone, visitor")
    with browsing(browser, PHONE) as page:
        log_in(page, live_server, NEWCOMER_EMAIL, NEWCOMER_PASSWORD)
        visit_all(page, live_server, NEWCOMER_PAGES, screen="phone, newcomer")
    with browsing(browser, PHONE) as page:
        log_in(page, live_server, APPLICANT_EMAIL, DEMO_PASSWORD)
        visit_all(page, live_server, APPLICANT_PAGES, screen="phone, applicant")
    with browsing(browser, PHONE) as page:
        log_in(page, live_server, MEMBER_EMAIL, DEMO_PASSWORD)
        visit_all(page, live_server, member_pages(seeded), screen="phone")


@pytest.mark.e2e
def test_on_a_phone_the_menu_folds_behind_one_button(seeded: Seeded, live_server, browser: Browser) -> None:
    with browsing(browser, PHONE) as page:
        log_in(page, live_server, MEMBER_EMAIL, DEMO_PASSWORD)
        toggle = page.get_by_role("button", name=re.compile("Menu"))
        navigation = page.locator("nav.main-nav")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(navigation).to_be_hidden()
        header_height = page.locator("header.site-header").bounding_box()
        assert header_height is not None and header_height["height"] < 80, "the folded header stays compact"

        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        # Amélie reads French: links are found by where they lead, not by their words.
        shares_link = navigation.locator(f"a[href='{reverse('members:shares')}']")
        expect(shares_link).to_be_visible()
        expect(page.locator("form.logout-form")).to_be_visible()
        # Escape folds the open menu and gives the focus back to its button.
        shares_link.focus()
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(toggle).to_be_focused()

        toggle.click()
        shares_link.click()
        expect(page).to_have_url(f"{live_server.url}{reverse('members:shares')}")
        expect(page.locator("nav.main-nav a[aria-current=page]")).to_have_attribute("href", reverse("members:shares"))


@pytest.mark.e2e
def test_a_copy_button_copies_and_says_so(seeded: Seeded, live_server, browser: Browser) -> None:
    with browsing(browser, PHONE) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        log_in(page, live_server, APPLICANT_EMAIL, DEMO_PASSWORD)
        page.goto(f"{live_server.url}{reverse('members:membership')}")
        button = page.locator("main button.copy[data-copy]").first
        copied_text = button.get_attribute("data-copy")
        assert copied_text
        button.click()
        status = page.locator("#copy-status")
        expect(status).to_have_text(status.get_attribute("data-copied") or "Copied")
        assert page.evaluate("() => navigator.clipboard.readText()") == copied_text


@pytest.mark.e2e
def test_a_refused_form_leads_to_its_problems_on_a_phone(seeded: Seeded, live_server, browser: Browser) -> None:
    with browsing(browser, PHONE) as page:
        log_in(page, live_server, MEMBER_EMAIL, DEMO_PASSWORD)
        page.goto(f"{live_server.url}{reverse('activities:claim_create', args=[seeded.activity.code])}")
        page.locator("main form button[type=submit]").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        # The demo member reads French.
        expect(summary.get_by_role("heading")).to_have_text(re.compile("Il y a (un problème|\\d+ problèmes)"))
        title = page.locator("input[name=title]")
        expect(title).to_have_attribute("aria-invalid", "true")
        described_by = title.get_attribute("aria-describedby") or ""
        assert "id_title_error" in described_by.split()
        expect(page.locator("#id_title_error")).to_be_visible()
        summary.get_by_role("link").first.click()
        expect(title).to_be_focused()
        assert_fits(page, "new claim refused (phone)")
        assert_accessible(page, label="new claim refused (phone)")


@pytest.mark.e2e
def test_every_member_page_passes_axe_on_a_desktop(seeded: Seeded, live_server, browser: Browser) -> None:
    with browsing(browser, DESKTOP) as page:
        visit_all(page, live_server, VISITOR_PAGES, screen="desktop, visitor")
    with browsing(browser, DESKTOP) as page:
        log_in(page, live_server, NEWCOMER_EMAIL, NEWCOMER_PASSWORD)
        visit_all(page, live_server, NEWCOMER_PAGES, screen="desktop, newcomer")
    with browsing(browser, DESKTOP) as page:
        log_in(page, live_server, MEMBER_EMAIL, DEMO_PASSWORD)
        visit_all(page, live_server, member_pages(seeded), screen="desktop")


def _pages_read_in_every_language(seeded: Seeded) -> list[tuple[str, str]]:
    wanted = {"dashboard", "notifications", "shares", "activities", "activity", "submitted claim"}
    return [(label, path) for label, path in member_pages(seeded) if label in wanted]


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["nl", "en"])
def test_in_dutch_and_english_no_french_memo_and_dates_day_first(
    seeded: Seeded, live_server, browser: Browser, language: str
) -> None:
    today = timezone.localdate().strftime("%d/%m/%Y")
    with browsing(browser, PHONE) as page:
        log_in(page, live_server, MEMBER_EMAIL, DEMO_PASSWORD)
        choose_language(page, language)
        for label, path in _pages_read_in_every_language(seeded):
            page.goto(f"{live_server.url}{path}")
            expect(page.locator("html")).to_have_attribute("lang", language)
            text = page.locator("main").inner_text()
            french = [word for word in FRENCH_MEMO_WORDS if re.search(rf"\b{re.escape(word)}\b", text)]
            assert not french, f"{label} in {language} shows French memo words {french}:\n{text}"
            for written in DATE_LIKE.findall(text):
                found = DAY_FIRST.fullmatch(written)
                assert found, f"{label} in {language} writes a date {written!r}, not dd/mm/yyyy"
                day, month, year = (int(part) for part in found.groups())
                date(year, month, day)  # a swapped month (13 and above) fails here
            assert not MONTH_FIRST_IN_WORDS.search(text), f"{label} in {language} writes a date month first"
            assert_accessible(page, label=f"{label} ({language}, phone)")
            if label == "notifications":
                assert today in text, f"the notifications sent today show {today}"
            if label == "activity":
                # A supplier's invoice of 28 October 2026 (activities/demo.py): day first, whatever the language.
                assert "28/10/2026" in text

"""A visitor's first page on a phone: what the cooperative is, what joining costs, and the two doors.

The browser speaks English, so the asserted text is the catalogue's English msgids and the amount
is written as an English reader writes it; the price is the cooperative entity's.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from smartcoop.models import CooperativeEntity
from tests.e2e.axe import assert_accessible

PHONE = ViewportSize(width=390, height=844)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_visitor_on_a_phone_reads_the_home_page_and_finds_the_way_to_apply(
    live_server, page: Page, cooperative: CooperativeEntity
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")

    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_contain_text(cooperative.name)
    expect(main).to_contain_text("30.00 EUR")
    expect(main).to_contain_text("7 days after the end of the work")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll at 390 px"
    assert_accessible(page, label="home page, visitor, 390 px")

    main.get_by_role("link", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}{reverse('account_login')}") + "$"))

    page.go_back()
    main.get_by_role("link", name="Apply to become a member").first.click()
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}{reverse('account_signup')}") + r"\?next="))

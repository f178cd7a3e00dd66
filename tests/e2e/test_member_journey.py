"""A new member's first visit, in a real browser: sign up, confirm the e-mail, log in, read the
Espace membre in Dutch, log out.

Buttons and fields are found by their form and name rather than their text wherever the text comes
from the project's own catalogues, which are being translated; allauth's own Dutch catalogue gives
the Dutch headings asserted below ("E-mailadressen", "Aanmelden").
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page, expect

from members.models import User

EMAIL = "lotte.janssens@example.be"
PASSWORD = "tulip-harbour-lantern-42"
CONFIRMATION_PATH = re.compile(r"/accounts/confirm-email/[^/\s]+/")


def url_of(live_server, name: str, *args: str) -> str:
    return f"{live_server.url}{reverse(name, args=args)}"


def exact_url(live_server, name: str, *args: str) -> re.Pattern[str]:
    return re.compile(re.escape(url_of(live_server, name, *args)) + r"$")


@pytest.mark.e2e
# Transactional (live_server) and restoring the migrations' data first: sign-up puts the new
# account in the "member" group, which migration 0002 creates and a previous flush would remove.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_member_signs_up_confirms_email_logs_in_switches_to_dutch_and_logs_out(
    live_server, page: Page, mailoutbox: list[mail.EmailMessage]
) -> None:
    # 1. Sign up (the browser speaks English).
    page.goto(url_of(live_server, "account_signup"))
    signup = page.locator(f"main form[action='{reverse('account_signup')}']")
    signup.locator("input[name=email]").fill(EMAIL)
    signup.locator("input[name=password1]").fill(PASSWORD)
    signup.locator("input[name=password2]").fill(PASSWORD)
    signup.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(exact_url(live_server, "account_email_verification_sent"))
    user = User.objects.get(email=EMAIL)
    assert user.language == "en"
    assert user.groups.filter(name="member").exists()
    assert not EmailAddress.objects.get(user=user, email=EMAIL).verified

    # 2. The confirmation e-mail (locmem backend; the live server runs in this process).
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [EMAIL]
    found = CONFIRMATION_PATH.search(str(message.body))
    assert found, f"no confirmation link in the e-mail:\n{message.body}"
    page.goto(f"{live_server.url}{found.group(0)}")
    page.locator("main form").get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(exact_url(live_server, "account_login"))
    assert EmailAddress.objects.get(user=user, email=EMAIL).verified

    # 3. Log in: the dashboard shows the member's e-mail.
    login = page.locator(f"main form[action='{reverse('account_login')}']")
    login.locator("input[name=login]").fill(EMAIL)
    login.locator("input[name=password]").fill(PASSWORD)
    login.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(exact_url(live_server, "members:dashboard"))
    expect(page.locator("main")).to_contain_text(EMAIL)
    expect(page.locator("form.logout-form")).to_be_visible()

    # 4. Switch to Dutch with the header's switcher.
    switcher = page.locator(f"header form[action='{reverse('members:set_language')}']")
    switcher.locator("select[name=language]").select_option("nl")
    switcher.locator("button[type=submit]").click()
    expect(page).to_have_url(exact_url(live_server, "members:dashboard"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator("select[name=language]")).to_have_value("nl")
    user.refresh_from_db()
    assert user.language == "nl"
    # A page whose Dutch comes from allauth's catalogue: "Email Addresses" in Dutch.
    page.goto(url_of(live_server, "account_email"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mailadressen")

    # 5. Log out with the header's button (a POST: allauth logs out at once, no confirmation page).
    page.locator("header form.logout-form button[type=submit]").click()
    login_url, logout_url = url_of(live_server, "account_login"), url_of(live_server, "account_logout")
    page.wait_for_url(re.compile(f"^({re.escape(login_url)}|{re.escape(logout_url)})$"))
    if page.url == logout_url:  # allauth's confirmation page, should a setting ever ask for one
        page.locator(f"main form[action='{reverse('account_logout')}'] button[type=submit]").click()
    expect(page).to_have_url(exact_url(live_server, "account_login"))
    expect(page.locator("form.logout-form")).to_have_count(0)
    expect(page.locator(f"main form[action='{reverse('account_login')}'] input[name=login]")).to_be_visible()
    # The login page after the logout still speaks Dutch: allauth's "Sign In".
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden")
    # Signed out for real: a member page sends back to the login page (the root is the visitors' home page).
    page.goto(url_of(live_server, "members:membership"))
    expect(page).to_have_url(re.compile(re.escape(url_of(live_server, "account_login")) + r"\?next=/membership/$"))

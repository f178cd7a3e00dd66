"""The API documentation (Swagger UI) renders under the platform's Content-Security-Policy."""

from playwright.sync_api import Page, expect


def test_api_docs_render_without_inline_script(page: Page, live_server: object) -> None:
    page.goto(f"{live_server}/api/docs/")
    expect(page.get_by_role("heading", name="SmartCoop API")).to_be_visible()
    # The schema was fetched and drawn: the members' endpoints are listed.
    expect(page.get_by_text("/api/me/", exact=True).first).to_be_visible()

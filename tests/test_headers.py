"""What every answer carries (a Content-Security-Policy) and how the API answers at its edges.

The policy allows scripts and styles from our own origin only, so templates hold no inline script,
no `on*=` handler and no `style=` attribute; a test reads them all to keep it so.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from members.api import MeView
from members.models import User

INLINE = [
    ("an inline script", re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)),
    ("an event handler attribute", re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)),
    ("a style attribute", re.compile(r"<[^>]*\sstyle\s*=", re.I)),
    ("a javascript: URL", re.compile(r"javascript:", re.I)),
]


def _csp(response: object) -> dict[str, str]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    return {part.split(" ", 1)[0]: part.partition(" ")[2] for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/me/", "/api/nothing-here/", "/static/smartcoop/app.css"])
def test_every_answer_carries_the_content_security_policy(client: Client, db: None, path: str) -> None:
    policy = _csp(client.get(path))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"


def test_pages_of_a_signed_in_member_carry_the_policy_too(client: Client, member: User) -> None:
    client.force_login(member)
    assert "script-src" in _csp(client.get("/"))


def _served_templates() -> list[Path]:
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    # PDF templates are read by WeasyPrint, not by a browser: the policy does not apply to them.
    return [p for root in roots for p in root.rglob("*.html") if "pdf" not in p.relative_to(root).parts]


def test_no_template_holds_inline_script_or_style() -> None:
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {what}"
        for path in _served_templates()
        for what, pattern in INLINE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_api_docs_load_their_start_up_script_as_a_file(client: Client, db: None) -> None:
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not INLINE[0][1].search(html) and "<style" not in html
    script_url = re.findall(r'<script src="([^"]+\?[^"]*script[^"]*)"', html)
    assert len(script_url) == 1
    script = client.get(script_url[0].replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_an_unknown_api_url_is_a_json_404_in_the_error_shape(client: Client, db: None) -> None:
    response = client.get("/api/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Not found.", "fields": {}}


def test_an_unknown_api_url_speaks_the_request_language(client: Client, db: None) -> None:
    body = client.get("/api/activities/x/y/z/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert body["message"] != "Not found." and body["fields"] == {}


def test_a_method_the_api_does_not_take_is_a_json_405_naming_what_it_takes(member: User) -> None:
    api = APIClient()
    api.force_authenticate(member)
    response = api.delete("/api/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 405
    assert response.json() == {"message": 'Method "DELETE" not allowed.', "fields": {}}
    assert "GET" in response["Allow"]


def test_an_anonymous_api_request_is_a_401_that_says_how_to_authenticate(db: None) -> None:
    response = APIClient().get("/api/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()) == {"message", "fields"}


def test_a_signed_in_browser_still_reaches_the_api_with_its_session(client: Client, member: User) -> None:
    client.force_login(member)
    assert client.get("/api/me/").status_code == 200


def test_pages_outside_the_api_keep_their_html_404(client: Client, db: None) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_a_server_error_in_the_api_is_answered_in_the_error_shape(
    member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(MeView, "get", broken)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(member)
    response = api.get("/api/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    assert response.json() == {"message": "A server error occurred.", "fields": {}}

"""The OpenAPI schema states what the server enforces: its refusals on every operation, and the limits
of what a client may send (found by `make fuzz`; see smartcoop.api_schema)."""

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from smartcoop.api_schema import ISO_DATE, decimal_pattern, iso_dates_between, visible_character
from smartcoop.input_rules import MAX_TYPED_AMOUNT, SPENDING, clean_text, read_decimal

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return dict(response.json())


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def _request_schemas(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in schema["components"]["schemas"].items() if name.endswith("Request")}


def test_every_api_operation_declares_its_refusals_in_the_error_shape(schema: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    for method, path, operation in _operations(schema):
        responses = operation["responses"]
        expected = {"400", "403", "404"} | ({"409"} if method != "GET" else set())
        if path != "/api/token/":
            expected.add("401")
        assert expected <= set(responses), (method, path, sorted(responses))
        for status in expected:
            assert responses[status]["content"]["application/json"]["schema"] == error, (method, path, status)


def test_the_token_endpoint_declares_its_attempt_limit(schema: dict[str, Any]) -> None:
    assert "429" in schema["paths"]["/api/token/"]["post"]["responses"]


def test_page_numbers_and_sizes_are_bounded_in_the_schema(schema: dict[str, Any]) -> None:
    paged = 0
    for method, path, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in ("page", "page_size"):
                paged += 1
                assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 1_000_000}, (method, path)
    assert paged >= 10


def test_required_text_in_a_request_needs_a_visible_character(schema: dict[str, Any]) -> None:
    claim = _request_schemas(schema)["ClaimCreateRequest"]["properties"]["title"]
    assert claim["minLength"] == 1
    pattern = re.compile(claim["pattern"])
    # What `clean_text` leaves, the pattern accepts: a zero-width space alone is blank to both.
    for text in ["Tournée", " a ", "\u200b", " \u00a0 ", "\u200bx\u200b", "\x07"]:
        assert bool(pattern.search(text)) == bool(clean_text(text).strip()), repr(text)


@given(st.text(alphabet=st.sampled_from(list(" \t\u00a0\u200b\u202e\ufeff\x01\x9fab\u00e9")), max_size=6))
def test_the_visible_character_pattern_agrees_with_the_server(text: str) -> None:
    assert bool(re.search(visible_character(), text)) == bool(clean_text(text).strip())


def test_a_date_in_a_request_lies_in_the_window_of_its_meaning(schema: dict[str, Any]) -> None:
    spent_on = _request_schemas(schema)["LineCreateRequest"]["properties"]["spent_on"]
    earliest, latest = SPENDING.bounds()
    pattern = re.compile(spent_on["pattern"])
    for day, inside in [
        (earliest, True),
        (latest, True),
        (earliest - timedelta(days=1), False),
        (latest + timedelta(days=1), False),
        (date(1, 1, 1), False),
    ]:
        assert bool(pattern.search(day.isoformat())) is inside, day


@given(st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 12, 31)))
def test_a_date_window_pattern_holds_exactly_its_days(day: date) -> None:
    first, last = date(2023, 12, 5), date(2029, 3, 1)
    assert bool(re.search(iso_dates_between(first, last), day.isoformat())) is (first <= day <= last)


def test_a_date_pattern_holds_real_days_only() -> None:
    pattern = re.compile(f"^{ISO_DATE}$")
    assert all(pattern.search(day) for day in ["0001-01-01", "2000-02-29", "2024-02-29", "9999-12-31"])
    assert not any(pattern.search(day) for day in ["0000-01-01", "1900-02-29", "2025-02-29", "2024-04-31"])


@given(
    whole=st.integers(min_value=0, max_value=12_000_000),
    fraction=st.text(alphabet="0123456789", max_size=3),
    separator=st.sampled_from([".", ","]),
    zeros=st.integers(min_value=0, max_value=2),
    positive=st.booleans(),
)
def test_an_amount_pattern_reads_amounts_as_the_server_does(
    whole: int, fraction: str, separator: str, zeros: int, positive: bool
) -> None:
    text = "0" * zeros + str(whole) + (separator + fraction if fraction else "")
    try:
        amount = read_decimal(text, places=2, maximum=MAX_TYPED_AMOUNT)
        accepted = amount > 0 or not positive
    except Exception:  # noqa: BLE001 - any refusal
        accepted = False
    pattern = decimal_pattern(places=2, maximum=MAX_TYPED_AMOUNT, positive=positive)
    assert bool(re.search(pattern, text)) is accepted, text


def test_a_decimal_pattern_stops_at_a_ceiling_that_is_not_round() -> None:
    pattern = re.compile(decimal_pattern(places=1, maximum=Decimal(10000)))
    assert pattern.search("10000") and pattern.search("10000,0") and pattern.search("9999.9")
    assert not pattern.search("10000.1") and not pattern.search("10001")


def test_amounts_that_must_be_positive_say_so_in_the_schema(schema: dict[str, Any]) -> None:
    amount = _request_schemas(schema)["TransferRequestRequest"]["properties"]["amount"]
    assert amount["type"] == "string"
    assert not re.search(amount["pattern"], "0,00") and re.search(amount["pattern"], "0,01")


def test_an_empty_filter_is_declared_as_all(schema: dict[str, Any]) -> None:
    members = {p["name"]: p for p in schema["paths"]["/api/members/"]["get"]["parameters"]}
    assert "" in members["status"]["schema"]["enum"]
    movements = schema["paths"]["/api/activities/{code}/movements/"]["get"]["parameters"]
    before = next(p for p in movements if p["name"] == "before")
    assert re.search(before["schema"]["pattern"], "") and re.search(before["schema"]["pattern"], "2026-03-01_12")
    assert not re.search(before["schema"]["pattern"], "2026-02-30_12")

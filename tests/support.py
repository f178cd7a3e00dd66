"""Helpers for tests that start real processes against the suite's own databases."""

import os
from typing import Any
from urllib.parse import quote

from django.db import connection

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_database_url() -> str:
    """A DATABASE_URL naming the database this test runs on (the suite's test_ database)."""
    connection.ensure_connection()
    params: dict[str, Any] = connection.get_connection_params()
    host = quote(str(params.get("host") or "localhost"), safe="")
    port = params.get("port") or 5432
    user = quote(str(params.get("user") or "postgres"), safe="")
    password = params.get("password")
    credentials = f"{user}:{quote(str(password), safe='')}" if password else user
    return f"postgresql://{credentials}@{host}:{port}/{connection.settings_dict['NAME']}"


def child_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"SMARTCOOP_ENV": "test", "DATABASE_URL": test_database_url(), **extra})
    return env

"""Fixtures of the benchmarks (`make bench`); their helpers are in tests/perf/bench.py.

Every benchmark runs on the suite's own test database, with `django_db(transaction=True)` so each
posting really commits and the ledger's commit-time trigger runs.
"""

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection


@pytest.fixture
def raw_connection(transactional_db: None) -> Iterator[psycopg.Connection[Any]]:
    """A second connection to the same database with Django's own parameters: same server, socket,
    user, database, cursor class (client-side binding) and adapters. Not in autocommit: each
    `commit()` ends one transaction, as Django's `atomic` does."""
    params: dict[str, Any] = connection.get_connection_params()
    raw = psycopg.connect(**params)
    try:
        yield raw
    finally:
        raw.close()

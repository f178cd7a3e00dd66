"""Helpers for tests that start real processes against the suite's own databases."""

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from django.db import connection
from kombu import Queue

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


@contextmanager
def celery_worker(name: str, *, queue: str | None = None) -> Iterator[subprocess.Popen[str]]:
    """A real Celery worker process on the suite's Redis and test database, stopped on exit.

    With `queue`, the worker consumes that queue only (and only it is purged): a test that sends its
    tasks there (`app.conf.task_default_queue`) shares them with no other suite running at the same
    time on the same Redis, whose worker would look for the test's rows in its own database.
    """
    from smartcoop.celery import app

    # Leftovers of an interrupted run must not be what a test sees.
    if queue is None:
        app.control.purge()
    else:
        with app.connection_for_write() as broker:
            Queue(queue, channel=broker.default_channel).purge()
    queues = ["-Q", queue] if queue else []
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "smartcoop", "worker", "--pool", "solo", "-l", "INFO",
         "--without-mingle", "--without-gossip", "-n", f"{name}@%h", *queues],
        cwd=ROOT,
        env=child_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_output(process: subprocess.Popen[str]) -> list[str]:
    """The worker's log lines as they come, read by a thread: a worker that logs more than the pipe
    holds (64 KiB, a few hundred tasks at INFO) would otherwise stop, blocked on writing its log."""
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def waiting_on_a_lock() -> bool:
    """Another connection of this database waits on a lock now (the race tests' signal to release)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else pg_stat_activity is read once per transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    return bool(row and row[0])

"""A real Celery worker process consumes a task from Redis and writes to PostgreSQL."""

import subprocess
import sys
import time

import pytest
from django.conf import settings

from smartcoop.celery import app
from smartcoop.models import WorkerHeartbeat
from smartcoop.tasks import worker_heartbeat
from tests.support import ROOT, child_environment


@pytest.fixture
def worker(transactional_db: None):
    app.control.purge()  # leftovers of an interrupted run must not satisfy this test
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "smartcoop", "worker", "--pool", "solo", "-l", "INFO",
         "--without-mingle", "--without-gossip", "-n", "test-worker@%h"],
        cwd=ROOT,
        env=child_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_worker_process_takes_task_from_redis_and_writes_to_postgres(worker: subprocess.Popen[str]) -> None:
    assert settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "redis+socket://"))
    assert not WorkerHeartbeat.objects.exists()

    result = worker_heartbeat.delay()

    deadline = time.monotonic() + 60
    while not WorkerHeartbeat.objects.filter(name="worker").exists():
        assert worker.poll() is None, worker.stdout.read() if worker.stdout else "worker died"
        assert time.monotonic() < deadline, "the worker did not run the task within 60 s"
        time.sleep(0.2)
    heartbeat = WorkerHeartbeat.objects.get(name="worker")
    assert heartbeat.hostname

    # Run again: the task updates its one row, it never adds a second.
    worker_heartbeat.delay()
    first_seen = heartbeat.seen_at
    deadline = time.monotonic() + 60
    while WorkerHeartbeat.objects.get(name="worker").seen_at == first_seen:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert WorkerHeartbeat.objects.count() == 1
    assert result.id

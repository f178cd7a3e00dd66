"""A real Celery worker process consumes a task from Redis and writes to PostgreSQL."""

import subprocess
import time
from collections.abc import Iterator

import pytest
from django.conf import settings

from smartcoop.models import WorkerHeartbeat
from smartcoop.tasks import worker_heartbeat
from tests.support import celery_worker


@pytest.fixture
def worker(transactional_db: None) -> Iterator[subprocess.Popen[str]]:
    with celery_worker("test-worker") as process:
        yield process


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

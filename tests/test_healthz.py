"""/healthz tells a load balancer whether every part of the platform works."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smartcoop.models import WorkerHeartbeat


@pytest.fixture
def fresh_heartbeat(db: None) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(name="worker", hostname="worker-1", seen_at=timezone.now())


def test_all_checks_green_answers_200(client: Client, fresh_heartbeat: WorkerHeartbeat) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "worker", "migrations"}
    assert all(check["ok"] for check in body["checks"].values())


def test_stale_worker_heartbeat_answers_503_naming_the_worker(client: Client, fresh_heartbeat: WorkerHeartbeat) -> None:
    fresh_heartbeat.seen_at = timezone.now() - timedelta(minutes=5)
    fresh_heartbeat.save()
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["worker"]["ok"] is False
    assert "s ago" in checks["worker"]["error"]
    assert checks["database"]["ok"] is True


def test_no_heartbeat_yet_is_not_healthy(client: Client, db: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["error"] == "no heartbeat yet"


def test_unreachable_redis_answers_503(client: Client, fresh_heartbeat: WorkerHeartbeat, settings, tmp_path) -> None:
    settings.REDIS_URL = f"unix://{tmp_path}/no-redis-here.sock"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False


def test_healthz_needs_no_login_and_is_never_cached(client: Client, fresh_heartbeat: WorkerHeartbeat) -> None:
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_load_balancer_can_ask_only_for_what_web_needs(client: Client, db: None) -> None:
    # No worker heartbeat: the full check fails, the web-only check passes.
    assert client.get("/healthz").status_code == 503
    response = client.get("/healthz", {"checks": "database,redis,migrations"})
    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "redis", "migrations"}


def test_unknown_check_name_is_refused(client: Client, db: None) -> None:
    response = client.get("/healthz", {"checks": "database,coffee"})
    assert response.status_code == 400
    assert "coffee" in response.json()["error"]

"""`/healthz`: what a load balancer or a container health check asks.

Each check answers ok or says what is wrong; the status is 200 only when all are ok. The checks are
cheap (one query each, one PING) so a probe every few seconds costs nothing.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return None


def check_redis() -> str | None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return None


def check_worker() -> str | None:
    from smartcoop.models import WorkerHeartbeat

    beat = WorkerHeartbeat.objects.filter(name="worker").first()
    if beat is None:
        return "no heartbeat yet"
    age = timezone.now() - beat.seen_at
    if age > settings.WORKER_HEARTBEAT_MAX_AGE:
        return f"last heartbeat {int(age.total_seconds())} s ago"
    return None


def check_migrations() -> str | None:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return f"{len(plan)} migration(s) not applied"
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "redis": check_redis,
    "worker": check_worker,
    "migrations": check_migrations,
}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """All checks, or those named in `?checks=database,redis`.

    A load balancer asks only for what a web process needs (a stopped worker must not take every
    web process out of rotation); monitoring asks for everything.
    """
    wanted = [name for name in request.GET.get("checks", "").split(",") if name]
    unknown = [name for name in wanted if name not in CHECKS]
    if unknown:
        return JsonResponse({"status": "failing", "error": f"unknown check(s): {', '.join(unknown)}"}, status=400)
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        if wanted and name not in wanted:
            continue
        started = time.perf_counter()
        try:
            problem = check()
        except Exception as exc:  # noqa: BLE001 - a health check reports any failure, never raises it
            problem = f"{type(exc).__name__}: {exc}".strip()
        results[name] = {
            "ok": problem is None,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            **({"error": problem} if problem else {}),
        }
    healthy = all(r["ok"] for r in results.values())
    return JsonResponse({"status": "ok" if healthy else "failing", "checks": results}, status=200 if healthy else 503)

"""Platform tasks. Thin: each calls one function and is safe to run twice."""

import socket

from celery import shared_task
from django.utils import timezone

from smartcoop.models import WorkerHeartbeat


@shared_task(name="smartcoop.tasks.worker_heartbeat")
def worker_heartbeat() -> str:
    hostname = socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(name="worker", defaults={"hostname": hostname, "seen_at": timezone.now()})
    return hostname

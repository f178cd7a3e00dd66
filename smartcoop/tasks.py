"""Platform tasks. Thin: each calls one function and is safe to run twice."""

import smtplib
import socket

from celery import shared_task
from django.utils import timezone

from smartcoop.models import WorkerHeartbeat
from smartcoop.notifications import notification_send, notifications_resend


@shared_task(name="smartcoop.tasks.worker_heartbeat")
def worker_heartbeat() -> str:
    hostname = socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(name="worker", defaults={"hostname": hostname, "seen_at": timezone.now()})
    return hostname


# A mail server down or refusing for a while must not lose the message: the row is marked sent only
# after the send succeeded, so a retry sends what the failed run did not.
@shared_task(
    name="smartcoop.tasks.send_notification",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=5,
)
def send_notification(notification_id: int) -> bool:
    return notification_send(notification_id=notification_id)


@shared_task(name="smartcoop.tasks.resend_notifications")
def resend_notifications() -> int:
    return notifications_resend()

"""Telling members what an advisor decided about something of theirs: in the Espace membre and by e-mail.

How it works, and why:

- A service calls `notify` inside the transaction that records the decision. The notification is a
  row written in that transaction, so a decision rolled back (refused for lack of funds, a crash)
  notifies nobody, and a decision committed always has its notification.
- `key` names the business cause (`expense-claim:12:approved`) and is unique, like a ledger
  posting's: a retried service records one notification. The insert runs in a savepoint, so the
  loser of a race (held on the unique index until the winner commits) gets an IntegrityError that
  is caught here instead of aborting the decision's transaction.
- Subject and body are rendered once, in the language of the person told (not of the advisor who
  acts), from `templates/notifications/<name>.txt`: the page and the e-mail say the same thing, and
  a later change of language does not rewrite history.
- The e-mail leaves after the commit: `on_commit` queues `smartcoop.tasks.send_notification`, which
  locks the row, sends, and marks it sent in one transaction. An SMTP failure rolls that back and
  Celery retries; the row is marked sent only once the mail server took the message. A broker or
  mail server down for longer than the retries is caught up by `notifications_resend` (beat).
"""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import Truncator

from members.models import User
from smartcoop.models import Notification

# The sweep leaves alone what the first delivery may still be retrying (backoff of 1+2+4+8+16 s),
# and gives up on an address that has refused mail for days.
RESEND_AFTER = timedelta(minutes=15)
RESEND_WITHIN = timedelta(days=3)
RESEND_BATCH = 500


def notify(
    *, user: User, key: str, subject: str | Promise, template: str, context: dict[str, Any], link: str = ""
) -> Notification | None:
    """Record that `user` is told about `key`, and e-mail them once the caller's transaction commits.

    `subject` is a lazy string (`gettext_lazy`): it is translated into the user's language here, and
    its `%(name)s` placeholders are filled from `context`. The body is `notifications/<template>.txt`
    rendered with `context` in that language. Returns the new notification, or None when this
    cause was already notified (a retry).
    """
    if not connection.in_atomic_block:
        # Outside the decision's transaction, a rolled-back decision would still be announced.
        raise RuntimeError("notify() must run inside the transaction that records the decision")
    with translation.override(user.language):
        text = " ".join((str(subject) % context).split())  # one line: a mail header cannot hold a newline
        body = render_to_string(f"notifications/{template}.txt", context).strip()
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user, key=key, subject=Truncator(text).chars(200), body=body, link=link
            )
    except IntegrityError:
        if Notification.objects.filter(key=key).exists():
            return None
        raise
    from smartcoop.tasks import send_notification  # tasks import this module

    # robust: the decision is committed by then; a broker that is down must not turn it into an
    # error page. The sweep (`notifications_resend`) queues what was not queued.
    transaction.on_commit(lambda: send_notification.delay(notification.pk), robust=True)
    return notification


def notification_send(*, notification_id: int) -> bool:
    """E-mail one notification; False when it was sent already (run twice, it sends once).

    The row stays locked while the mail server answers: a concurrent run of the same task waits,
    then finds it sent. An exception from the mail server rolls back, leaving it unsent for the retry.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.sent_at is not None:
            return False
        user = notification.user
        with translation.override(user.language):
            message = render_to_string(
                "notifications/email.txt",
                {
                    "notification": notification,
                    "url": f"{settings.SITE_URL}{notification.link}" if notification.link else "",
                    "site_url": settings.SITE_URL,
                },
            ).strip()
        send_mail(notification.subject, f"{message}\n", settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
        notification.sent_at = timezone.now()
        notification.save(update_fields=["sent_at"])
        return True


def notifications_resend() -> int:
    """Queue again the e-mails still unsent after their first delivery gave up; how many were queued."""
    from smartcoop.tasks import send_notification  # tasks import this module

    now = timezone.now()
    pending = Notification.objects.filter(
        sent_at__isnull=True, created_at__lt=now - RESEND_AFTER, created_at__gte=now - RESEND_WITHIN
    ).order_by("created_at")
    ids = list(pending.values_list("pk", flat=True)[:RESEND_BATCH])
    for notification_id in ids:
        send_notification.delay(notification_id)
    return len(ids)


def notifications_mark_read(*, actor: User, notifications: Sequence[Notification]) -> int:
    """Mark as read those of `notifications` that are `actor`'s and unread: one UPDATE, none if all were read."""
    ids = [n.pk for n in notifications if n.read_at is None and n.user_id == actor.pk]
    if not ids:
        return 0
    return Notification.objects.filter(pk__in=ids, user=actor, read_at__isnull=True).update(read_at=timezone.now())

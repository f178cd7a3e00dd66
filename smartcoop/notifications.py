"""Telling members what an advisor decided about something of theirs: in the Espace membre and by e-mail.

How it works, and why:

- A service calls `notify` inside the transaction that records the decision. The notification is a
  row written in that transaction, so a decision rolled back (refused for lack of funds, a crash)
  notifies nobody, and a decision committed always has its notification.
- `key` names the business cause (`expense-claim:12:approved`) and is unique, like a ledger
  posting's: a retried service records one notification. The insert runs in a savepoint, so the
  loser of a race (held on the unique index until the winner commits) gets an IntegrityError that
  is caught here instead of aborting the decision's transaction.
- The row stores the cause, not its wording: the template's name, the subject as written in the
  code (a msgid, marked with `gettext_noop` where it is written) and a context of plain values:
  codes, names and typed texts as they are, amounts as strings (the `|amount` filter writes them in
  the reader's language), days as {"date": "2026-03-10"}, and a name that has a version per
  language (a trade) as {"fr": ..., "nl": ..., "en": ...} (`in_every_language`). Subject and
  body are rendered when read, in the reader's language of that moment: a member who switches
  from French to English reads in English what they were told before; the page, the dashboard and
  the export read them this way, and the e-mail in the recipient's language when it leaves. A
  template, once used, is kept under its name: the notifications told with it are rendered from it.
  `notify` renders both once in the recipient's language, so a context that does not fit its
  template fails inside the decision, not on the member's page.
- Rows written before that design have no template: they show the subject and body stored then.
- The e-mail leaves after the commit: `on_commit` queues `smartcoop.tasks.send_notification`, which
  locks the row, sends, and marks it sent in one transaction. An SMTP failure rolls that back and
  Celery retries; the row is marked sent only once the mail server took the message. A broker or
  mail server down for longer than the retries is caught up by `notifications_resend` (beat).
"""

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext

from members.models import User
from smartcoop.models import Notification

# The sweep leaves alone what the first delivery may still be retrying (backoff of 1+2+4+8+16 s),
# and gives up on an address that has refused mail for days.
RESEND_AFTER = timedelta(minutes=15)
RESEND_WITHIN = timedelta(days=3)
RESEND_BATCH = 500


# What a context may hold, stored as JSON: see the module's docstring.
Plain = str | int | bool | Decimal | date | Mapping[str, str] | None


def in_every_language(write: Callable[[], str]) -> dict[str, str]:
    """A name as each language writes it (a trade's name), for a context read in any of them."""
    written = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            written[code] = str(write())
    return written


def _stored(context: Mapping[str, Plain]) -> dict[str, Any]:
    """The context as JSON values; anything else (a model instance, a float) is a bug of the caller."""
    languages = {code for code, _name in settings.LANGUAGES}
    stored: dict[str, Any] = {}
    for name, value in context.items():
        if isinstance(value, Decimal):
            stored[name] = str(value)
        elif isinstance(value, datetime):
            raise TypeError(f"notify() context {name!r}: give the day (a date), not a moment")
        elif isinstance(value, date):
            stored[name] = {"date": value.isoformat()}
        elif isinstance(value, Mapping):
            if set(value) != languages:
                raise TypeError(f"notify() context {name!r}: a mapping holds one text per language")
            stored[name] = {code: str(text) for code, text in value.items()}
        elif value is None or isinstance(value, (str, int, bool)):
            stored[name] = value
        else:
            raise TypeError(f"notify() context {name!r}: {type(value).__name__} is not a plain value")
    json.dumps(stored)  # what the database would refuse, refused here with the caller in the traceback
    return stored


def _readable(context: Mapping[str, Any]) -> dict[str, Any]:
    """The stored context as templates read it: days as dates, names in the active language."""
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    readable: dict[str, Any] = {}
    for name, value in context.items():
        if isinstance(value, dict) and set(value) == {"date"}:
            readable[name] = date.fromisoformat(value["date"])
        elif isinstance(value, dict):
            readable[name] = value.get(language, value.get(settings.LANGUAGE_CODE, ""))
        else:
            readable[name] = value
    return readable


def notification_subject(notification: Notification) -> str:
    """The subject in the active language, on one line (a mail header cannot hold a newline)."""
    if not notification.template:
        return notification.subject
    text = gettext(notification.subject_msgid) % _readable(notification.context)
    return Truncator(" ".join(text.split())).chars(200)


def notification_body(notification: Notification) -> str:
    """The message in the active language, plain text (the page escapes it, the e-mail sends it as is)."""
    if not notification.template:
        return notification.body
    return render_to_string(f"notifications/{notification.template}.txt", _readable(notification.context)).strip()


def notify(
    *, user: User, key: str, subject: str, template: str, context: Mapping[str, Plain], link: str = ""
) -> Notification | None:
    """Record that `user` is told about `key`, and e-mail them once the caller's transaction commits.

    `subject` is the msgid of the subject (mark it with `gettext_noop`), its `%(name)s` placeholders
    filled from `context`; the body is `notifications/<template>.txt` rendered with `context`. Both
    are rendered whenever the notification is read, in the reader's language. Returns the new
    notification, or None when this cause was already notified (a retry).
    """
    if not connection.in_atomic_block:
        # Outside the decision's transaction, a rolled-back decision would still be announced.
        raise RuntimeError("notify() must run inside the transaction that records the decision")
    notification = Notification(
        user=user, key=key, template=template, context=_stored(context), subject_msgid=subject, link=link
    )
    with translation.override(user.language):
        # Rendered once now: a placeholder or a template the context does not fill fails the decision here.
        notification_subject(notification)
        notification_body(notification)
    if not _insert_once(notification):
        return None
    from smartcoop.tasks import send_notification  # tasks import this module

    # robust: the decision is committed by then; a broker that is down must not turn it into an
    # error page. The sweep (`notifications_resend`) queues what was not queued.
    transaction.on_commit(lambda: send_notification.delay(notification.pk), robust=True)
    return notification


def _insert_once(notification: Notification) -> bool:
    """Insert the row unless its cause was told already; False then.

    ON CONFLICT instead of a savepoint around save(): a bank statement's import tells thousands of
    members in one transaction, and thousands of savepoints overflow PostgreSQL's subtransaction
    cache (every later statement of the transaction slows down).
    """
    fields = [field for field in Notification._meta.concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(field.pre_save(notification, add=True), connection) for field in fields]
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Notification._meta.db_table} ({columns}) VALUES ({placeholders})"  # noqa: S608 -- the model's own names
            " ON CONFLICT (key) DO NOTHING RETURNING id",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    notification.pk = row[0]
    notification._state.adding = False
    return True


def notification_send(*, notification_id: int) -> bool:
    """E-mail one notification, in the recipient's language of now; False when it was sent already.

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
            subject = notification_subject(notification)
            message = render_to_string(
                "notifications/email.txt",
                {
                    "first_name": user.first_name,
                    "body": notification_body(notification),
                    "url": f"{settings.SITE_URL}{notification.link}" if notification.link else "",
                    "site_url": settings.SITE_URL,
                },
            ).strip()
        send_mail(subject, f"{message}\n", settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
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

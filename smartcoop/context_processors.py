"""What every page of the Espace membre shows: the number of unread notifications in the menu."""

from collections.abc import Callable
from functools import cache

from django.http import HttpRequest

from smartcoop.models import Notification


def notifications(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """`unread_notifications`, counted (one query) only when a template reads it, and at most once.

    A callable rather than a number: the admin, the API and the e-mails render templates too, and
    none of them shows the count, so they pay no query for it. Read it once with `{% with %}`.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    user_id = user.pk

    @cache
    def unread_notifications() -> int:
        return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()

    return {"unread_notifications": unread_notifications}

"""One audit trail for the whole platform.

Every service that changes money, identity, roles, an office or an advisor, or an Activity's
settings writes one `AuditEntry` in its own transaction: who (`actor`, empty for the system),
when, what (`action`, a stable key such as ``member.identity_changed``), on which object (a
content type and the object's id as text, so any app's objects fit, with a short text of the
object as it was), the changed fields only (`before` and `after`, plain JSON values), and where
the change came from (the request's id, address and path, or the Celery task's name and id).

The trail knows no domain app: apps name their objects and actions, this module stores them.
PostgreSQL refuses to update or delete an entry (migration 0002), whatever code or person
tries, so a row once written is evidence.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the platform itself acted (a scheduled task, a migration)."),
    )
    action = models.CharField(_("action"), max_length=60)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of record"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=200)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)
    task_name = models.CharField(_("task"), max_length=200, blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [
            # An object's history, newest first: the admin's history page and trail section.
            models.Index(fields=["content_type", "object_id", "at"], name="audit_object_at"),
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

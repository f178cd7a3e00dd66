"""Reading the audit trail."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from smartcoop.audit.models import AuditEntry


def trail_of(target: models.Model) -> "models.QuerySet[AuditEntry]":
    """The entries about one record, newest first, with who acted."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
    ).select_related("actor")

"""The share register as a PDF, requested by staff and built by a worker.

The request is queued once its transaction commits; building twice renders once, and a rendering
failure is recorded on the export for the requester to read.
"""

from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import RegisterExport, RegisterExportStatus, User
from smartcoop.access import may
from smartcoop.errors import InvalidInput, PermissionDeniedError


def register_export_request(*, at: date, actor: User) -> RegisterExport:
    """Queue the register PDF as it stood at `at`; the worker builds it (see register_export_build)."""
    if not may(actor, "add", RegisterExport):
        raise PermissionDeniedError()
    if at > timezone.localdate():
        raise InvalidInput.on("at", _("The register cannot be printed at a future date."))
    from members.tasks import build_register_export  # tasks import this module

    with transaction.atomic():
        export = RegisterExport.objects.create(requested_by=actor, at=at)
        transaction.on_commit(lambda: build_register_export.delay(export.pk))
        return export


def register_export_build(*, export_id: int) -> RegisterExport:
    """Render the PDF in the requester's language and attach it; run twice, it renders once."""
    from members.documents import share_register_render  # WeasyPrint loads slowly

    export = RegisterExport.objects.select_related("requested_by").get(pk=export_id)
    if export.status == RegisterExportStatus.READY:
        return export
    try:
        with translation.override(export.requested_by.language):
            document = share_register_render(at=export.at)
            pdf = bytes(document.write_pdf())
    except Exception as error:  # noqa: BLE001 -- any rendering failure is reported to the requester
        export.status = RegisterExportStatus.FAILED
        export.error = f"{type(error).__name__}: {error}"
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        return export
    export.file.save(f"share-register-{export.at:%Y-%m-%d}-{export.pk}.pdf", ContentFile(pdf), save=False)
    export.pages = len(document.pages)
    export.status = RegisterExportStatus.READY
    export.error = ""
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "pages", "status", "error", "finished_at"])
    return export

"""Files people upload (identity documents, receipts, supplier invoices): what is accepted.

The type is read from the first bytes of the content, never from the name or the browser's claim,
and the files are stored under MEDIA_ROOT, which is never served as static: each app serves them
through a view that checks who asks, then answers with `document_response`.

A download is named by the platform, never by the uploader: `receipt-12.pdf`, built from what the
file is and the type its content shows. The uploader's name could say `.html` over a PDF, or hide
a right-to-left override that makes a program's name read as a PDF's; the browser would believe
it. The Content-Type comes from the same detection, and `nosniff` stops the browser guessing.

Opened in a page (`inline=True`, the advisor's decision page shows the receipt beside the claim),
a PDF or an image is served `inline` under the same name; anything else still leaves as an
attachment. An inline image carries its own Content-Security-Policy: `sandbox` (no script runs
with the platform's origin, no form, no top navigation) and nothing fetched from elsewhere. A PDF
cannot have that: Chromium refuses to start its PDF viewer in a sandboxed document and breaks the
viewer's own page under `default-src 'none'` (chromium bug 413851; the same report is found in
several projects' issue trackers), so an advisor would see "blocked" instead of the receipt. A PDF
is served only when its first bytes say PDF, as application/pdf with `nosniff`, so no browser
reads it as a page of the platform; the viewers run a PDF's scripts in their own isolated context,
not with the platform's origin. Both are framable by the platform's own pages only
(`frame-ancestors 'self'` and `X-Frame-Options: SAMEORIGIN`, where every other answer says DENY).
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from smartcoop.errors import InvalidInput

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_SIGNATURES = {b"%PDF-": "pdf", b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png"}
CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}
_SERVED_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
INLINE_KINDS = frozenset({"pdf", "jpeg", "png"})
# The page middleware adds its own policy only to answers that carry none (setdefault).
INLINE_IMAGE_POLICY = "; ".join(
    ["sandbox", "default-src 'none'", "img-src 'self'", "style-src 'unsafe-inline'", "frame-ancestors 'self'"]
)
INLINE_PDF_POLICY = "frame-ancestors 'self'"


def document_kind(head: bytes) -> str | None:
    """pdf, jpeg or png, from a file's first bytes; None for anything else."""
    return next((kind for signature, kind in DOCUMENT_SIGNATURES.items() if head.startswith(signature)), None)


def stored_kind(file: File[bytes]) -> str | None:
    """pdf, jpeg or png for a stored file, read from its first bytes; None for anything else or a missing file."""
    try:
        with file.open("rb") as handle:
            return document_kind(handle.read(16))
    except FileNotFoundError:
        return None


def check_document(document: UploadedFile[bytes], *, field: str) -> str:
    """The document's type (pdf, jpeg or png), or InvalidInput naming `field`."""
    if document.size is not None and document.size > MAX_DOCUMENT_BYTES:
        raise InvalidInput.on(field, _("The document is larger than 10 MB."))
    document.seek(0)
    kind = document_kind(document.read(16))
    document.seek(0)
    if kind is None:
        raise InvalidInput.on(field, _("The document must be a PDF, JPEG or PNG file."))
    return kind


def document_response(file: File[bytes], *, name: str, inline: bool = False) -> FileResponse:
    """A stored upload as a download called `name` plus the extension of the type its content shows.

    `name` says what the file is and whose (`receipt-12`): lowercase letters, digits and hyphens,
    never text a person typed. A file that is none of the accepted types (stored before the check
    existed) leaves as opaque bytes, and only as an attachment. `inline` opens a PDF or an image
    in the browser (an image sandboxed), framable by the platform's pages only.
    """
    if not _SERVED_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a name the platform gives a download")
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    kind = document_kind(handle.read(16))
    handle.seek(0)
    opened = inline and kind in INLINE_KINDS
    response = FileResponse(
        handle,
        as_attachment=not opened,
        filename=f"{name}.{EXTENSIONS.get(kind or '', 'bin')}",
        content_type=CONTENT_TYPES.get(kind or "", "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    if opened:
        response["Content-Security-Policy"] = INLINE_PDF_POLICY if kind == "pdf" else INLINE_IMAGE_POLICY
        response["X-Frame-Options"] = "SAMEORIGIN"
    return response


class StoredUploads:
    """Files written to storage during one submission, so they can be taken back if it fails."""

    def __init__(self) -> None:
        self._written: list[FieldFile] = []

    def save(self, field_file: FieldFile, content: File[bytes], *, name: str) -> None:
        field_file.save(name, content, save=False)
        self._written.append(field_file)

    def remove(self) -> None:
        for field_file in self._written:
            field_file.storage.delete(str(field_file.name))


@contextmanager
def uploads_kept_only_on_success() -> Iterator[StoredUploads]:
    """Files saved inside the block are deleted again if the block fails.

    Storage is not transactional: a file written before the row that points to it is refused (a
    value out of range, a constraint) would stay on disk with no row. Wrap the whole transaction,
    `with uploads_kept_only_on_success() as uploads: with transaction.atomic(): ...`, so a failure
    at commit time also takes the files back.
    """
    uploads = StoredUploads()
    try:
        yield uploads
    except BaseException:
        uploads.remove()
        raise

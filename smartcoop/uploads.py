"""Files people upload (identity documents, receipts, supplier invoices): what is accepted.

The type is read from the first bytes of the content, never from the name or the browser's claim,
and the files are stored under MEDIA_ROOT, which is never served as static: each app serves them
through a view that checks who asks.
"""

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from smartcoop.errors import InvalidInput

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_SIGNATURES = {b"%PDF-": "pdf", b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png"}


def check_document(document: UploadedFile[bytes], *, field: str) -> str:
    """The document's type (pdf, jpeg or png), or InvalidInput naming `field`."""
    if document.size is not None and document.size > MAX_DOCUMENT_BYTES:
        raise InvalidInput.on(field, _("The document is larger than 10 MB."))
    document.seek(0)
    head = document.read(16)
    document.seek(0)
    for signature, kind in DOCUMENT_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise InvalidInput.on(field, _("The document must be a PDF, JPEG or PNG file."))

"""Write the PDF of an issued invoice or credit note, named by its number, to a file.

The PDF is the one stored on the invoice (built now if the worker has not built it yet), so the
file written is the document the client received, byte for byte.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from invoicing.documents import invoice_pdf_bytes
from invoicing.models import Invoice, InvoiceStatus


class Command(BaseCommand):
    help = "Write the PDF of the issued invoice or credit note NUMBER (e.g. F2026-000001) to PATH."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help="the invoice's or credit note's number, e.g. F2026-000001 or NC2026-000001")
        parser.add_argument("path", help="the file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        number: str = options["number"].strip()
        invoice = Invoice.objects.select_related("entity").filter(number=number).first()
        if invoice is None:
            # A draft has no number yet: someone naming one gives its id.
            if number.isdigit() and Invoice.objects.filter(pk=int(number), status=InvoiceStatus.DRAFT).exists():
                raise CommandError(f"Invoice {number} is a draft: it has no number and no PDF until it is issued.")
            raise CommandError(f"No issued invoice or credit note is numbered {number}.")
        pdf = invoice_pdf_bytes(invoice)
        path = Path(options["path"])
        try:
            path.write_bytes(pdf)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}") from None
        self.stdout.write(self.style.SUCCESS(f"{invoice.number} written to {path} ({len(pdf):,} bytes)"))

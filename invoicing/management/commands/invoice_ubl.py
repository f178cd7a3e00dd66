"""Write the Peppol UBL e-invoice of issued invoices and credit notes.

    manage.py invoice_ubl F2026-000001              the document on standard output
    manage.py invoice_ubl --all --output DIR        one file per issued document, F2026-000001.xml

The XML is what `invoicing.ubl.invoice_ubl` writes, the same bytes the access point receives. A
document `ubl_problems` finds fault with is still written (it is what the invoice says), and its
problems are listed on standard error, each by the rule it breaks, so whoever exports knows which
ones Peppol would refuse.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet

from invoicing.models import Invoice, InvoiceStatus
from invoicing.ubl import invoice_ubl, ubl_file_name
from invoicing.ubl_rules import ubl_problems


class Command(BaseCommand):
    help = "Write the UBL e-invoice of an issued invoice or credit note, or of all of them into a directory."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("number", nargs="?", help="The number of an issued invoice or credit note (F2026-000001)")
        parser.add_argument("--all", action="store_true", help="Every issued invoice and credit note")
        parser.add_argument("--output", type=Path, help="The directory the files are written to (with --all)")

    def handle(self, *args: Any, **options: Any) -> None:
        number: str | None = options["number"]
        output: Path | None = options["output"]
        if options["all"]:
            if number:
                raise CommandError("Give either a number or --all, not both.")
            if output is None:
                raise CommandError("--all writes one file per document: give the directory with --output DIR.")
            self._write_all(output)
            return
        if not number:
            raise CommandError("Give the number of an issued invoice or credit note (F2026-000001), or --all.")
        if output is not None:
            raise CommandError("--output goes with --all; one document is written on standard output.")
        invoice = self._issued().filter(number=number.strip()).first()
        if invoice is None:
            raise CommandError(f"No issued invoice or credit note is numbered {number.strip()!r}.")
        content = invoice_ubl(invoice)
        self._report(invoice, content)
        self.stdout.write(content.decode("utf-8"), ending="")

    def _issued(self) -> QuerySet[Invoice]:
        return (
            Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
            .select_related("entity", "credited_invoice")
            .order_by("series", "year", "sequence")
        )

    def _write_all(self, output: Path) -> None:
        if output.exists() and not output.is_dir():
            raise CommandError(f"{output} exists and is not a directory.")
        output.mkdir(parents=True, exist_ok=True)
        written = faulty = 0
        for invoice in self._issued().iterator(chunk_size=200):
            content = invoice_ubl(invoice)
            path = output / ubl_file_name(invoice)
            temporary = path.with_suffix(".xml.part")
            temporary.write_bytes(content)
            temporary.replace(path)  # never a half-written file under the final name
            written += 1
            faulty += self._report(invoice, content)
        self.stderr.write(f"{written} document(s) written to {output}, {faulty} with problems.")

    def _report(self, invoice: Invoice, content: bytes) -> int:
        problems = ubl_problems(content)
        for problem in problems:
            self.stderr.write(f"{invoice.number}: {problem}")
        return 1 if problems else 0

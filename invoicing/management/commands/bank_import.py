"""Import a bank statement file (CODA or camt.053) and print what it matched.

The import is `statement_import`, as from the admin's upload. Run by no one, it acts as the
platform (audit rows without an actor) and leaves the capital calls it finds to an advisor; with
`--user`, it acts as that staff member, with their rights: who may not import is refused, and the
calls of the members they may decide on are paid at once. Exit 1 when the file is refused.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from invoicing.bank.statements import statement_import
from members.models import User
from smartcoop.errors import ApplicationError


class Command(BaseCommand):
    help = "Import a bank statement (CODA or camt.053): match its payments, book the rest to suspense."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The statement file as the bank sent it.")
        parser.add_argument("--user", default="", help="The e-mail of the staff member who imports it.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        actor = None
        if options["user"]:
            actor = User.objects.filter(email__iexact=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['user']}.")
        with translation.override(actor.language if actor is not None else "en"):
            try:
                result = statement_import(content=content, file_name=path.name, actor=actor)
            except ApplicationError as error:
                raise CommandError(f"{path.name}: {error.message}") from None
            self.stdout.write(result.message)
        if result.created:
            statement = result.statement
            self.stdout.write(
                f"statement {statement.statement_id} of {statement.account_iban} ({statement.get_format_display()}),"
                f" {statement.statement_date:%d/%m/%Y}: lines {result.lines}, matched {result.matched},"
                f" to review {result.to_review}, paid out {result.ignored}, already imported no"
            )
        else:
            self.stdout.write(f"statement {result.statement.statement_id}: already imported yes")

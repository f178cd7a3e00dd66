"""Ledger errors: shown to whoever asked for the posting, in their language."""

from django.utils.translation import gettext_lazy as _

from smartcoop.errors import ConflictError, InvalidInput


class InvalidPosting(InvalidInput):
    default_message = _("This posting is not valid.")


class IdempotencyConflict(ConflictError):
    default_message = _("This operation was already posted with other amounts.")

"""One error hierarchy for the whole platform.

Services raise an `ApplicationError` subclass with a message already in the user's language
(lazy translation) and, when the fault lies with one input, the field it names. This module is the
hierarchy only, with no idea of pages or requests, so every layer can raise it. Each channel shows
it its own way, the same way for every error: as a flash message or the error page on member pages
(`smartcoop.middleware.ApplicationErrorMiddleware`), as the admin's message (`admin_call` in
`smartcoop.admin_site`), and as `{"message": ..., "fields": {...}}` in the API (`smartcoop.api`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status_code = 400
    default_message: Any = _("This request cannot be carried out.")

    def __init__(self, message: Any = None, *, fields: dict[str, list[Any]] | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.fields = fields or {}
        super().__init__(str(self.message))


class InvalidInput(ApplicationError):
    default_message = _("Some fields are not valid.")

    @classmethod
    def on(cls, field: str, message: Any) -> "InvalidInput":
        """The one way to refuse a value: the message, shown once on top and once beside its field."""
        return cls(message, fields={field: [message]})


class Refusals:
    """Every refusal of one submission, gathered so the person corrects them all in one go.

    A check that stops at its first fault makes someone submit once per mistake. A service judging
    several fields adds each fault here (or runs a `clean_*` helper inside `collecting()`) and
    raises once at the end with `raise_any`: one InvalidInput naming every field at fault.
    """

    def __init__(self) -> None:
        self.fields: dict[str, list[Any]] = {}

    def add(self, field: str, message: Any) -> None:
        self.fields.setdefault(field, []).append(message)

    def __contains__(self, field: object) -> bool:
        return field in self.fields

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Runs a check that raises InvalidInput, keeping its refusal instead of stopping there."""
        try:
            yield
        except InvalidInput as error:
            for field, messages in error.fields.items():
                for message in messages:
                    self.add(field, message)
            if not error.fields:
                self.add("", error.message)

    def raise_any(self) -> None:
        """Raises the refusals gathered, if any: one message is told as itself, several as a count."""
        messages = [message for messages in self.fields.values() for message in messages]
        if len(messages) == 1:
            raise InvalidInput(messages[0], fields=self.fields)
        if messages:
            raise InvalidInput(fields=self.fields)


class PermissionDeniedError(ApplicationError):
    status_code = 403
    default_message = _("You are not allowed to do this.")


class NotFoundError(ApplicationError):
    status_code = 404
    default_message = _("This record does not exist or is not yours.")


class ConflictError(ApplicationError):
    status_code = 409
    default_message = _("This record was changed meanwhile; please try again.")


class TooManyAttempts(ApplicationError):
    """Too many tries in too short a time (sign-in guesses): refused until the window passes."""

    status_code = 429
    default_message = _("Too many attempts: please wait a few minutes and try again.")

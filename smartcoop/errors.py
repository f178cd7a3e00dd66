"""One error hierarchy for the whole platform.

Services raise an `ApplicationError` subclass with a message already in the user's language
(lazy translation) and, when the fault lies with one input, the field it names. The same error is
shown the same way everywhere: as a flash message on member pages (this middleware), in the admin
(`admin_call`), and as `{"message": ..., "fields": {...}}` in the API (`smartcoop.api`).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

T = TypeVar("T")


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


def _back(request: HttpRequest) -> str:
    referer = str(request.META.get("HTTP_REFERER", ""))
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    return request.path


class ApplicationErrorMiddleware:
    """Turns an ApplicationError escaping a member page into a flash message and a redirect back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError) or request.path.startswith("/api/"):
            return None
        if request.method == "GET":
            # Nothing to go back to: show the message on its own page, with the error's status.
            return render(request, "error.html", {"message": exception.message}, status=exception.status_code)
        messages.error(request, str(exception.message))
        return HttpResponseRedirect(_back(request))


def admin_call(request: HttpRequest, service: Callable[[], T], *, success: str | None = None) -> T | None:
    """Run a service from an admin action; its ApplicationError becomes the admin's error message."""
    try:
        result = service()
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return None
    if success:
        messages.success(request, success)
    return result

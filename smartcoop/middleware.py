"""What every request and every answer of the platform goes through, before and after any view.

- `ContentSecurityPolicyMiddleware` sends one Content-Security-Policy with every response: scripts,
  styles, fonts and fetches come from our own origin only, nothing inline, no plug-ins, and no
  other site may frame a page. Templates therefore hold no `<script>` body, no `on*=` handler and
  no `style=` attribute: behaviour lives in static files, looks in style sheets. The one exception
  is Django's technical error pages in DEBUG, which are inline by nature and never reach members.
- `NulCharacterMiddleware` refuses a request carrying the NUL character (U+0000) in its path, its
  query string, its headers and cookies, a form field or a JSON body, before any view, form or
  query sees it: PostgreSQL stores no NUL in text, so letting one through turns bad input into a
  500 wherever a form or serializer forgot to check. Uploaded file contents are not text (a PDF
  holds NUL bytes) and are left alone. Pages answer 400 with the error page, the API with its
  error shape.
- `ApiErrorShapeMiddleware` gives the API's error shape to the errors DRF never sees: an unknown
  /api/ URL, Django's own 400, 403, 405 and 500 answers.
- `ApplicationErrorMiddleware` shows a service's `ApplicationError` escaping a member page: a flash
  message and a redirect back after a form, the error page after a GET. The hierarchy itself lives
  in `smartcoop.errors`, which knows nothing of how it is shown; the admin shows it through
  `smartcoop.admin_site.admin_call`, the API through `smartcoop.api.exception_handler`.

The refusals speak the request's language: the NUL check sits after `LocaleMiddleware`, which has
chosen it from the language cookie (kept equal to a member's saved language) or the browser.
"""

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.response import Response

from smartcoop.api import error_body, is_api_request
from smartcoop.errors import ApplicationError, InvalidInput

GetResponse = Callable[[HttpRequest], HttpResponse]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Data URIs: the two-factor QR code, and the icons Swagger UI's style sheet embeds.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

NUL = "\x00"
# A NUL written as a JSON escape: `\u0000` after an even number of backslashes (`\\u0000` is text).
_JSON_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
NUL_REFUSED = gettext_lazy("Null characters are not allowed.")


def error_page(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """The page that says why a request cannot be carried out, with the error's status."""
    return render(request, "error.html", {"message": error.message}, status=error.status_code)


def refusal(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """An error answered outside any view: in the API's shape on /api/, as the error page elsewhere."""
    if is_api_request(request):
        return JsonResponse(error_body(error), status=error.status_code)
    return error_page(request, error)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        technical_page = settings.DEBUG and (response.status_code == 404 or response.status_code >= 500)
        if not technical_page:
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


def _has_nul(values: Iterator[str]) -> bool:
    return any(NUL in value for value in values)


def _first_field_with_nul(fields: MultiValueDict[str, Any]) -> str | None:
    for name, values in fields.lists():
        if NUL in name or _has_nul(value for value in values if isinstance(value, str)):
            return name
    return None


def _form(request: HttpRequest) -> tuple[QueryDict, MultiValueDict[str, Any]]:
    """The form fields and files of any method: Django parses a form body for POST only.

    Parsed once here, the same objects serve the view (Django's `request.POST`) and DRF, which
    falls back to them when the body has already been read.
    """
    if request.method == "POST":
        return request.POST, request.FILES
    method = request.method
    request.method = "POST"
    try:
        return request.POST, request.FILES
    finally:
        request.method = method


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _json_field_with_nul(body: bytes) -> str:
    """The top-level field that holds a NUL somewhere inside it; '' when none can be named."""
    try:
        document = json.loads(body)
    except ValueError:
        return ""
    if isinstance(document, dict):
        for name, value in document.items():
            if NUL in name or _holds_nul(value):
                return str(name)
    return ""


def _body_field_with_nul(request: HttpRequest) -> str | None:
    content_type = request.content_type or ""
    if content_type in _FORM_TYPES:
        fields, files = _form(request)
        named = _first_field_with_nul(fields)
        if named is not None:
            return named
        for name, uploads in files.lists():
            # The file's contents are not text; its name is.
            if NUL in name or _has_nul(str(upload.name or "") for upload in uploads):
                return name
        return None
    is_json = content_type == "application/json" or content_type.endswith("+json")
    if not (is_json or content_type.startswith("text/")):
        return None  # binary bodies are not text
    body = request.body
    if b"\x00" in body or (is_json and _JSON_NUL_ESCAPE.search(body)):
        return _json_field_with_nul(body) if is_json else ""
    return None


def field_with_nul(request: HttpRequest) -> str | None:
    """The input carrying a NUL: a field's name, '' for the path, headers or a body without names; None when clean."""
    if NUL in request.path_info:
        return ""
    named = _first_field_with_nul(request.GET)
    if named is not None:
        return named
    if _has_nul(iter(request.COOKIES)) or _has_nul(iter(request.COOKIES.values())):
        return ""
    if _has_nul(value for key, value in request.META.items() if key.startswith("HTTP_") and isinstance(value, str)):
        return ""
    return _body_field_with_nul(request)


class NulCharacterMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = field_with_nul(request)
        if field is None:
            return self.get_response(request)
        error = InvalidInput.on(field, NUL_REFUSED) if field else InvalidInput(NUL_REFUSED)
        return refusal(request, error)


# What DRF itself says for each status, so an error raised before DRF reads the same as one after.
_API_ERRORS: dict[int, type[exceptions.APIException]] = {
    exception.status_code: exception
    for exception in (
        exceptions.ParseError,
        exceptions.NotAuthenticated,
        exceptions.PermissionDenied,
        exceptions.NotFound,
        exceptions.NotAcceptable,
        exceptions.UnsupportedMediaType,
        exceptions.Throttled,
    )
}
# Headers a client needs to act on the error; the body and its type are replaced.
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After", "Vary", "Content-Language")


def _api_error_message(request: HttpRequest, status: int) -> str:
    if status == exceptions.MethodNotAllowed.status_code:
        return str(exceptions.MethodNotAllowed(request.method or "").detail)
    if status in _API_ERRORS:
        return str(_API_ERRORS[status].default_detail)
    if status >= 500:
        return str(exceptions.APIException.default_detail)
    return str(ApplicationError.default_message)


class ApiErrorShapeMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api_request(request)
            or isinstance(response, Response)  # DRF's own answers are already in shape (or the browsable API)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        shaped = JsonResponse(
            {"message": _api_error_message(request, response.status_code), "fields": {}},
            status=response.status_code,
        )
        for header in _KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        shaped.cookies = response.cookies
        return shaped


def _back(request: HttpRequest) -> str:
    referer = str(request.META.get("HTTP_REFERER", ""))
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    return request.path


class ApplicationErrorMiddleware:
    """Turns an ApplicationError escaping a member page into a flash message and a redirect back."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError) or is_api_request(request):
            return None
        if request.method == "GET":
            # Nothing to go back to: show the message on its own page, with the error's status.
            return error_page(request, exception)
        messages.error(request, str(exception.message))
        return HttpResponseRedirect(_back(request))

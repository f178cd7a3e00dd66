"""API base: one error format for every endpoint, and the default pagination.

Kept free of views and serializers: DRF imports this module while it is itself being imported
(DEFAULT_PAGINATION_CLASS), so importing generic views here would be circular.

Every error, whether raised by DRF (validation, authentication, throttling) or by a service
(`ApplicationError`), is answered as `{"message": "...", "fields": {"field": ["..."]}}` in the
language of the request.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from smartcoop.errors import ApplicationError, InvalidInput
from smartcoop.input_rules import read_whole_number


class Pagination(PageNumberPagination):
    """Pages of results; a page number or size that is not a plain number within bounds is a 400.

    DRF would read "1E2" or full-width digits as the default page size, silently: a client then
    pages through something other than what it asked for.
    """

    page_size_query_param = "page_size"
    max_page_size = 200
    # Far past any list's last page (which is a 404): the bound only keeps the number a number.
    max_page_number = 1_000_000

    def _whole(self, request: Request, name: str, maximum: int, maximum_message: Any) -> int | None:
        if name not in request.query_params:
            return None
        # Present but empty is refused like any other text that is not a number: "?page=" is a typo.
        given = request.query_params[name]
        try:
            return read_whole_number(given, minimum=1, maximum=maximum, maximum_message=maximum_message)
        except ValidationError as error:
            raise InvalidInput.on(name, error.messages[0]) from None

    def get_page_size(self, request: Request) -> int | None:
        # A size above the maximum is served as the maximum (DRF's rule, stated in the schema).
        size = self._whole(request, self.page_size_query_param, self.max_page_number, None)
        return min(size, self.max_page_size) if size else self.page_size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        from smartcoop.api_schema import page_parameters  # the schema module imports this one

        return page_parameters()

    def get_page_number(self, request: Request, paginator: Paginator[Any]) -> int | str:
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            return paginator.num_pages
        return self._whole(request, self.page_query_param, self.max_page_number, None) or 1


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for sub in detail for item in _flatten(sub)]
    if isinstance(detail, dict):
        return [str(item) for sub in detail.values() for item in _flatten(sub)]
    return [str(detail)]


API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    """Whether the request is answered in the API's error shape rather than with a page."""
    return request.path_info.startswith(API_PREFIX)


def error_body(error: ApplicationError) -> dict[str, Any]:
    """The API's one error shape, also written by the middleware that refuses requests before DRF sees them."""
    fields = {name: [str(m) for m in msgs] for name, msgs in error.fields.items()}
    return {"message": str(error.message), "fields": fields}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        detail: dict[Any, Any] = dict(exc.detail)  # the stubs allow int keys; DRF gives field names
        non_field = _flatten(detail.pop("non_field_errors", []))
        fields = {name: _flatten(value) for name, value in detail.items()}
        message = non_field[0] if non_field else _("Some fields are not valid.")
        response.data = {"message": message, "fields": fields}
    elif isinstance(exc, exceptions.ValidationError):
        messages = _flatten(exc.detail)
        response.data = {"message": messages[0] if messages else _("Some fields are not valid."), "fields": {}}
    elif isinstance(exc, exceptions.APIException):
        response.data = {"message": " ".join(_flatten(exc.detail)), "fields": {}}
    return response

"""Names each request for the audit trail and the logs, and echoes the name as `X-Request-ID`.

The id is always generated here: a client-sent id would let anyone make their requests look
like someone else's in the trail.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from smartcoop.audit.context import Origin, client_address, new_request_id, serving


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = Origin(
            request_id=new_request_id(),
            ip_address=client_address(request),
            path=f"{request.method} {request.path}"[:300],
            request=request,
        )
        with serving(origin):
            response = self.get_response(request)
        response["X-Request-ID"] = origin.request_id
        return response

"""What the invoicing API's topics share: the signed-in user, refusals named by their path, staff doors.

An invoice's lines are a list of objects; a value refused in one is named by its path,
`lines.2.vat_rate`, as the service names it (`invoicing.services.invoices`), so a client reads
one way of pointing at a field whichever check refused it.
"""

from collections.abc import Iterator
from typing import Any, cast

from django.db.models import Model
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.serializers import BaseSerializer

from members.models import User
from smartcoop.access import may
from smartcoop.errors import InvalidInput

NON_FIELD = "non_field_errors"


def user_of(request: Request) -> User:
    return cast(User, request.user)  # IsAuthenticated: never anonymous here


def _paths(detail: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Each message of a serializer's errors with the dotted path of the value it refuses."""
    if isinstance(detail, dict):
        for name, value in detail.items():
            path = prefix if name == NON_FIELD else (f"{prefix}.{name}" if prefix else str(name))
            yield from _paths(value, path)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                yield from _paths(item, f"{prefix}.{index}" if prefix else str(index))
            else:
                yield prefix, str(item)
    else:
        yield prefix, str(detail)


def validated(serializer: type[BaseSerializer[Any]], data: Any) -> dict[str, Any]:
    """The data read by `serializer`, or one InvalidInput naming every value refused by its path."""
    given = serializer(data=data)
    if given.is_valid():
        return cast(dict[str, Any], given.validated_data)
    fields: dict[str, list[Any]] = {}
    messages: list[str] = []
    for path, message in _paths(given.errors):
        messages.append(message)
        if path:
            fields.setdefault(path, []).append(message)
    raise InvalidInput(messages[0] if len(messages) == 1 else None, fields=fields)


class StaffReads(BasePermission):
    """The cooperative's own records (statements, the Peppol outbox): staff whose role reads them."""

    model: type[Model]
    message = gettext_lazy("Only advisors and accountants with two-factor authentication read these records.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return may(request.user, "view", self.model)

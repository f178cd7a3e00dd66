"""What the API's topics share: the signed-in user, money as a two-decimal string,
one page of rows, and the reason and payment date of a decision.
"""

from datetime import date
from typing import Any, cast

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from members.models import User
from smartcoop.api import Pagination
from smartcoop.input_rules import PAYMENT
from smartcoop.serializers import DateField, Serializer


def _user(request: Request) -> User:
    return cast(User, request.user)  # IsAuthenticated: never anonymous here


def _url(name: str, pk: int) -> str | None:
    """The URL of a file view served by the member pages (None until that view exists)."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


class ReasonSerializer(Serializer):
    reason = serializers.CharField(
        max_length=300,
        help_text="Why: the members concerned read it.",
        error_messages={"blank": gettext_lazy("A rejection needs a reason: the members concerned read it.")},
    )


class PaymentSerializer(Serializer):
    paid_on = DateField(
        window=PAYMENT,
        required=False,
        help_text="The day the money left the bank (not in the future, at most 3 years ago); today if not given.",
    )


def _page(
    request: Request, view: APIView, rows: QuerySet[Any], serializer: type[serializers.BaseSerializer[Any]]
) -> Response:
    """One page of `rows` (ordered by the caller), in the project's pagination."""
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def _paid_on(request: Request) -> date:
    given = PaymentSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    paid_on: date = given.validated_data.get("paid_on") or timezone.localdate()
    return paid_on

"""Transfers between Activities: a manager asks (under the Activity), an advisor of the paying
Activity's office approves (the money moves) or rejects.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from activities.api.permissions import CanDecideTransfers
from activities.api.shared import ReasonSerializer, _user, money
from activities.models import (
    ActivityTransfer,
    TransferKind,
)
from activities.services import (
    activity_transfer_approve,
    activity_transfer_reject,
)
from smartcoop.access import visible
from smartcoop.serializers import AmountField, Serializer


class TransferRequestSerializer(Serializer):
    destination_code = serializers.CharField(max_length=20, help_text="The code of the Activity receiving the money.")
    kind = serializers.ChoiceField(choices=TransferKind.choices)
    amount = AmountField(positive=True)
    description = serializers.CharField(max_length=200)


class TransferSerializer(serializers.ModelSerializer[ActivityTransfer]):
    source_code = serializers.CharField(source="source.code", read_only=True)
    destination_code = serializers.CharField(source="destination.code", read_only=True)
    amount = money(read_only=True)

    class Meta:
        model = ActivityTransfer
        fields = [
            "id",
            "source_code",
            "destination_code",
            "kind",
            "amount",
            "description",
            "status",
            "reason",
            "requested_at",
        ]


class TransferPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TransferSerializer(many=True)


class TransferViewSet(viewsets.GenericViewSet[ActivityTransfer]):
    """An advisor of the paying Activity's office approves a transfer (the money moves) or rejects it."""

    serializer_class = TransferSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [IsAuthenticated, CanDecideTransfers]

    def get_queryset(self) -> QuerySet[ActivityTransfer]:
        decided = visible(self.request.user, ActivityTransfer, "decide")
        return decided.select_related("source", "destination")

    def _answer(self, transfer: ActivityTransfer) -> Response:
        return Response(TransferSerializer(self.get_queryset().get(pk=transfer.pk)).data)

    @extend_schema(request=None, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Move the money (409, naming the paying Activity's balance, when it does not have it)."""
        transfer = self.get_object()
        activity_transfer_approve(transfer=transfer, actor=_user(request))
        return self._answer(transfer)

    @extend_schema(
        request=ReasonSerializer,
        responses={200: TransferSerializer},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        transfer = self.get_object()
        given = ReasonSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        activity_transfer_reject(transfer=transfer, reason=given.validated_data["reason"], actor=_user(request))
        return self._answer(transfer)

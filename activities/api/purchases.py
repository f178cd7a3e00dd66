"""Purchases (suppliers' invoices): an advisor with two-factor approves one, which charges the
Activity's budget (409 naming the balance when it falls short), rejects it, or marks it paid.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from activities.api.permissions import CanDecidePurchases
from activities.api.shared import PaymentSerializer, ReasonSerializer, _paid_on, _url, _user, money
from activities.models import (
    ExpenseCategory,
    Purchase,
    PurchasePayee,
)
from activities.services import (
    purchase_approve,
    purchase_pay,
    purchase_reject,
)
from members.forms import MAX_MEMBER_NUMBER, MEMBER_NUMBER_CEILING_MESSAGE
from smartcoop.access import visible
from smartcoop.input_rules import SPENDING, VALIDITY
from smartcoop.money import ZERO
from smartcoop.serializers import AmountField, DateField, Serializer, WholeNumberField


class PurchaseSerializer(serializers.ModelSerializer[Purchase]):
    activity = serializers.CharField(source="activity.code", read_only=True)
    supplier = serializers.IntegerField(source="supplier_id", read_only=True, help_text="The supplier's id.")
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    category = serializers.SlugRelatedField[ExpenseCategory](slug_field="code", read_only=True)
    amount = money(read_only=True, help_text="Incl. VAT.")
    vat = money(read_only=True)
    advanced_by = serializers.IntegerField(
        source="advanced_by.number",
        read_only=True,
        allow_null=True,
        help_text="The member number of the holder who advanced the payment (payee `member`).",
    )
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Purchase
        fields = [
            "id",
            "activity",
            "supplier",
            "supplier_name",
            "supplier_reference",
            "invoice_date",
            "due_date",
            "category",
            "description",
            "amount",
            "vat",
            "payee",
            "advanced_by",
            "status",
            "reason",
            "submitted_at",
            "decided_at",
            "paid_on",
            "file_url",
        ]

    def get_file_url(self, purchase: Purchase) -> str | None:
        return _url("activities:purchase_file", purchase.pk) if purchase.file else None


class PurchasePageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PurchaseSerializer(many=True)


ATTACH_THE_INVOICE = gettext_lazy("Attach the supplier's invoice (PDF, JPEG or PNG).")


class PurchaseCreateSerializer(Serializer):
    supplier = WholeNumberField(
        minimum=1, maximum=2**63 - 1, help_text="The id of one of the Activity's clients and suppliers."
    )
    supplier_reference = serializers.CharField(max_length=60, help_text="The supplier's invoice number.")
    invoice_date = DateField(window=SPENDING, help_text="Not in the future, at most 3 years ago.")
    due_date = DateField(window=VALIDITY, help_text="From 3 years ago to 5 years ahead.")
    category = serializers.SlugRelatedField[ExpenseCategory](
        slug_field="code", queryset=ExpenseCategory.objects.all(), help_text="An expense category's code."
    )
    description = serializers.CharField(max_length=200)
    amount = AmountField(positive=True, help_text="Incl. VAT.")
    vat = AmountField(required=False, default=ZERO)
    payee = serializers.ChoiceField(choices=PurchasePayee.choices, default=PurchasePayee.SUPPLIER)
    advanced_by = WholeNumberField(
        required=False,
        allow_null=True,
        minimum=1,
        maximum=MAX_MEMBER_NUMBER,
        maximum_message=MEMBER_NUMBER_CEILING_MESSAGE,
        help_text="With payee `member`: the member number of the holder who advanced the payment.",
    )
    file = serializers.FileField(
        help_text="The supplier's invoice: PDF, JPEG or PNG, at most 10 MB.",
        error_messages={"required": ATTACH_THE_INVOICE, "null": ATTACH_THE_INVOICE, "empty": ATTACH_THE_INVOICE},
    )


def _with_links(purchases: QuerySet[Purchase]) -> QuerySet[Purchase]:
    return purchases.select_related("activity", "supplier", "category", "advanced_by")


class PurchaseViewSet(viewsets.GenericViewSet[Purchase]):
    """An advisor approves a purchase (charged to the Activity's budget), rejects it, or marks it paid."""

    serializer_class = PurchaseSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [IsAuthenticated, CanDecidePurchases]

    def get_queryset(self) -> QuerySet[Purchase]:
        return _with_links(visible(self.request.user, Purchase, "decide"))

    def _answer(self, purchase: Purchase) -> Response:
        return Response(PurchaseSerializer(self.get_queryset().get(pk=purchase.pk)).data)

    @extend_schema(request=None, responses={200: PurchaseSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Charge the Activity now (409, naming its balance, when it does not have the money)."""
        purchase = self.get_object()
        purchase_approve(purchase=purchase, actor=_user(request))
        return self._answer(purchase)

    @extend_schema(
        request=ReasonSerializer,
        responses={200: PurchaseSerializer},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        purchase = self.get_object()
        given = ReasonSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        purchase_reject(purchase=purchase, reason=given.validated_data["reason"], actor=_user(request))
        return self._answer(purchase)

    @extend_schema(
        # JSON only: a form body is read as well, but one that does not parse would read as "no date".
        request={"application/json": PaymentSerializer},
        responses={200: PurchaseSerializer},
    )
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        """The supplier (or the holder who advanced it) was paid (once, however often it is retried)."""
        purchase = self.get_object()
        purchase_pay(purchase=purchase, paid_on=_paid_on(request), actor=_user(request))
        return self._answer(purchase)

"""Expense claims: a worker adds lines (a receipt, or kilometres at the rate of the day) and
submits; an advisor with two-factor approves, rejects or marks the claim reimbursed.
"""

from typing import Any

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from activities.api.permissions import CanDecideExpenses
from activities.api.shared import PaymentSerializer, ReasonSerializer, _paid_on, _url, _user, money
from activities.models import (
    ExpenseCategory,
    ExpenseClaim,
    ExpenseLine,
)
from activities.selectors import visible_claims
from activities.services import (
    MAX_TRIP_KILOMETRES,
    TRIP_CEILING_MESSAGE,
    ExpenseLineData,
    expense_claim_approve,
    expense_claim_reimburse,
    expense_claim_reject,
    expense_claim_submit,
    expense_line_add,
)
from smartcoop.input_rules import SPENDING
from smartcoop.money import ZERO
from smartcoop.serializers import AmountField, DateField, DecimalNumberField, Serializer


def _with_total(claims: QuerySet[ExpenseClaim]) -> QuerySet[ExpenseClaim]:
    lines = ExpenseLine.objects.filter(claim=OuterRef("pk")).values("claim").annotate(s=Sum("amount")).values("s")
    return claims.select_related("activity", "worker").annotate(
        total=Coalesce(Subquery(lines), Value(ZERO), output_field=DecimalField())
    )


class ExpenseLineSerializer(serializers.ModelSerializer[ExpenseLine]):
    category = serializers.SlugRelatedField[ExpenseCategory](slug_field="code", read_only=True)
    amount = money(read_only=True)
    vat = money(read_only=True)
    receipt_url = serializers.SerializerMethodField()

    class Meta:
        model = ExpenseLine
        fields = ["id", "spent_on", "category", "description", "amount", "vat", "kilometres", "rate", "receipt_url"]

    def get_receipt_url(self, line: ExpenseLine) -> str | None:
        return _url("activities:receipt", line.pk) if line.receipt else None


class ExpenseClaimSerializer(serializers.ModelSerializer[ExpenseClaim]):
    activity = serializers.CharField(source="activity.code", read_only=True)
    worker = serializers.IntegerField(source="worker.number", read_only=True, help_text="The worker's member number.")
    total = money(read_only=True, help_text="Sum of the lines, incl. VAT.")

    class Meta:
        model = ExpenseClaim
        fields = [
            "id",
            "activity",
            "worker",
            "title",
            "status",
            "reason",
            "total",
            "created_at",
            "submitted_at",
            "decided_at",
            "reimbursed_on",
        ]


class ExpenseClaimDetailSerializer(ExpenseClaimSerializer):
    lines = ExpenseLineSerializer(many=True, read_only=True)

    class Meta(ExpenseClaimSerializer.Meta):
        fields = [*ExpenseClaimSerializer.Meta.fields, "lines"]


class ExpenseClaimPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ExpenseClaimSerializer(many=True)


class ClaimCreateSerializer(Serializer):
    title = serializers.CharField(max_length=200)


class LineCreateSerializer(Serializer):
    spent_on = DateField(window=SPENDING, help_text="Not in the future, at most 3 years ago.")
    category = serializers.SlugRelatedField[ExpenseCategory](
        slug_field="code", queryset=ExpenseCategory.objects.all(), help_text="An expense category's code."
    )
    description = serializers.CharField(max_length=200)
    amount = AmountField(required=False, default=ZERO, help_text="Incl. VAT; not for a trip paid per km.")
    vat = AmountField(required=False, default=ZERO)
    kilometres = DecimalNumberField(
        places=1,
        maximum=MAX_TRIP_KILOMETRES,
        maximum_message=TRIP_CEILING_MESSAGE,
        required=False,
        allow_null=True,
        help_text="For a trip paid per km.",
    )
    receipt = serializers.FileField(required=False, allow_null=True, help_text="PDF, JPEG or PNG, at most 10 MB.")


class TripLineSerializer(LineCreateSerializer):
    """A line sent as JSON, which carries no file: a trip paid per km, for the schema."""

    receipt = None  # type: ignore[assignment]


@extend_schema_view(retrieve=extend_schema(responses={200: ExpenseClaimDetailSerializer}))
class ExpenseClaimViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[ExpenseClaim]):
    """An expense claim with its lines: its worker fills and submits it; an advisor decides."""

    serializer_class = ExpenseClaimDetailSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[ExpenseClaim]:
        claims = _with_total(visible_claims(self.request.user))
        if self.action == "retrieve":
            claims = claims.prefetch_related("lines__category")
        return claims

    def _answer(self, claim: ExpenseClaim) -> Response:
        fresh = self.get_queryset().prefetch_related("lines__category").get(pk=claim.pk)
        return Response(ExpenseClaimDetailSerializer(fresh).data)

    @extend_schema(
        request={"multipart/form-data": LineCreateSerializer, "application/json": TripLineSerializer},
        responses={201: ExpenseLineSerializer},
        description="An expense with its receipt (multipart), or a trip paid per km (the rate of its date).",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def lines(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        given = LineCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        line = expense_line_add(
            claim=claim,
            data=ExpenseLineData(
                spent_on=data["spent_on"],
                category=data["category"],
                description=data["description"],
                amount=data["amount"],
                vat=data["vat"],
                kilometres=data.get("kilometres"),
            ),
            receipt=data.get("receipt"),
            actor=_user(request),
        )
        return Response(ExpenseLineSerializer(line).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ExpenseClaimDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """The worker sends the claim to their advisor; it no longer changes."""
        claim = expense_claim_submit(claim=self.get_object(), actor=_user(request))
        return self._answer(claim)

    @extend_schema(request=None, responses={200: ExpenseClaimDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideExpenses])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Charge the Activity now (409, naming its balance, when it does not have the money)."""
        claim = self.get_object()
        expense_claim_approve(claim=claim, actor=_user(request))
        return self._answer(claim)

    @extend_schema(request=ReasonSerializer, responses={200: ExpenseClaimDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideExpenses])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        given = ReasonSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        expense_claim_reject(claim=claim, reason=given.validated_data["reason"], actor=_user(request))
        return self._answer(claim)

    @extend_schema(
        # JSON only: a form body is read as well, but one that does not parse would read as "no date".
        request={"application/json": PaymentSerializer},
        responses={200: ExpenseClaimDetailSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideExpenses])
    def reimburse(self, request: Request, pk: str | None = None) -> Response:
        """The worker was paid back (once, however often it is retried)."""
        claim = self.get_object()
        expense_claim_reimburse(claim=claim, paid_on=_paid_on(request), actor=_user(request))
        return self._answer(claim)

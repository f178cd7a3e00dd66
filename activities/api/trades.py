"""The trade register, public to every signed-in user: what may be practised in the
cooperative, and on which condition.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from activities.models import (
    Trade,
    TradeAdmission,
)
from smartcoop.errors import InvalidInput


class TradeSerializer(serializers.ModelSerializer[Trade]):
    name = serializers.CharField(read_only=True, help_text="In the language of the request.")
    reason = serializers.CharField(
        read_only=True, help_text="Why it is excluded or what an advisor checks; in the language of the request."
    )

    class Meta:
        model = Trade
        fields = ["code", "sector", "admission", "name", "reason"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "admission",
                str,
                enum=["", *TradeAdmission.values],
                description="Only trades admitted so (empty: all).",
            ),
        ],
        responses={200: TradeSerializer(many=True)},
    )
)
class TradeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Trade]):
    """The trade register: what may be practised in the cooperative, and on which condition."""

    serializer_class = TradeSerializer

    def get_queryset(self) -> QuerySet[Trade]:
        trades = Trade.objects.order_by("sector", "name_fr", "code")
        admission = self.request.query_params.get("admission", "")
        if admission:
            if admission not in TradeAdmission.values:
                message = _("Unknown admission: choose one of %(choices)s.") % {
                    "choices": ", ".join(TradeAdmission.values)
                }
                raise InvalidInput.on("admission", message)
            trades = trades.filter(admission=admission)
        return trades

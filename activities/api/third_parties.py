"""Clients and suppliers: those the signed-in member's Activities work with."""

from typing import cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from activities.api.shared import _user
from activities.models import (
    ThirdParty,
    ThirdPartyKind,
)
from activities.selectors import (
    third_parties_of,
)
from activities.services import MAX_PAYMENT_TERMS_DAYS, PAYMENT_TERMS_CEILING_MESSAGE
from smartcoop.serializers import Serializer, WholeNumberField


class ClientSerializer(serializers.ModelSerializer[ThirdParty]):
    class Meta:
        model = ThirdParty
        fields = [
            "id",
            "kind",
            "name",
            "street",
            "postal_code",
            "city",
            "country",
            "language",
            "email",
            "vat_number",
            "enterprise_number",
            "peppol_id",
            "payment_terms_days",
        ]


class ClientCreateSerializer(Serializer):
    """The fields of `ThirdPartyData`: a company known by its VAT number is the cooperative's one record."""

    kind = serializers.ChoiceField(choices=ThirdPartyKind.choices)
    name = serializers.CharField(max_length=200)
    street = serializers.CharField(max_length=200, help_text="Street and number.")
    postal_code = serializers.CharField(max_length=12)
    city = serializers.CharField(max_length=100)
    country = serializers.RegexField(r"^[A-Za-z]{2}$", max_length=2, default="BE", help_text="ISO 3166 code, e.g. BE.")
    language = serializers.ChoiceField(
        choices=cast(list[tuple[str, str]], ThirdParty._meta.get_field("language").choices),
        help_text="The language of its invoices and reminders.",
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="", help_text="E-mail for invoices.")
    vat_number = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for a Belgian company (BE0123.456.789); ignored for a private person.",
    )
    payment_terms_days = WholeNumberField(
        minimum=0, maximum=MAX_PAYMENT_TERMS_DAYS, maximum_message=PAYMENT_TERMS_CEILING_MESSAGE, default=30
    )


@extend_schema_view(list=extend_schema(responses={200: ClientSerializer(many=True)}))
class ClientViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[ThirdParty]):
    """The clients and suppliers the signed-in member's Activities work with."""

    serializer_class = ClientSerializer

    def get_queryset(self) -> QuerySet[ThirdParty]:
        return third_parties_of(_user(self.request)).order_by("name", "pk")

"""Member-facing API endpoints."""

from typing import Any, cast

from django.db.models import F, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from members.models import Member, MemberCategory, MemberStatus, Office, ShareOperation, User
from members.selectors import members_matching, with_holding
from smartcoop.access import may, visible
from smartcoop.api_schema import PAGE_PARAMETERS
from smartcoop.errors import InvalidInput, NotFoundError


class MeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    language = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """The signed-in user: who they are, their language and their roles."""

    @extend_schema(responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)  # IsAuthenticated: never anonymous here
        data = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.get_full_name(),
            "language": user.language,
            "roles": sorted(g.name for g in user.groups.all()),
        }
        return Response(MeSerializer(data).data)


class OfficeSerializer(serializers.ModelSerializer[Office]):
    class Meta:
        model = Office
        fields = ["code", "name", "postal_code", "city", "email"]


class OfficeViewSet(viewsets.ReadOnlyModelViewSet[Office]):
    """The cooperative's offices, where members meet their advisors."""

    queryset = Office.objects.order_by("name")
    serializer_class = OfficeSerializer
    lookup_field = "code"


# --- Members: a member's own record, and the advisors' list -------------------------------------


def _own_member(request: Request) -> Member:
    """The signed-in user's member record; never anyone else's, whatever the request says."""
    try:
        return Member.objects.select_related("office", "user").get(user=cast(User, request.user))
    except Member.DoesNotExist:
        raise NotFoundError(_("You have no member record.")) from None


def masked_iban(iban: str) -> str:
    return "*" * max(len(iban) - 4, 0) + iban[-4:]


class AddressSerializer(serializers.Serializer[Any]):
    street = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()


class MemberProfileSerializer(serializers.ModelSerializer[Member]):
    name = serializers.CharField(source="display_name")
    office = OfficeSerializer()
    address = AddressSerializer(source="*")
    iban = serializers.SerializerMethodField(help_text="The account for refunds, masked but for its last 4 characters.")
    language = serializers.CharField(source="user.language")

    class Meta:
        model = Member
        fields = [
            "number",
            "name",
            "category",
            "status",
            "office",
            "applied_on",
            "admitted_on",
            "left_on",
            "address",
            "iban",
            "language",
        ]

    def get_iban(self, member: Member) -> str:
        return masked_iban(member.iban)


class MyMemberView(APIView):
    """The signed-in member's record: membership, office, address; the IBAN masked."""

    @extend_schema(responses={200: MemberProfileSerializer})
    def get(self, request: Request) -> Response:
        return Response(MemberProfileSerializer(_own_member(request)).data)


class ShareOperationSerializer(serializers.ModelSerializer[ShareOperation]):
    # A share's class is the member category it was issued in: one name, one enum in the schema.
    category = serializers.ChoiceField(source="share_class", choices=MemberCategory.choices)
    counterpart = serializers.IntegerField(
        source="counterpart.number", allow_null=True, help_text="The other member's number, for a transfer."
    )
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = ShareOperation
        fields = [
            "number",
            "operation_date",
            "kind",
            "category",
            "quantity",
            "unit_value",
            "amount",
            "counterpart",
            "reason",
        ]


class HoldingSerializer(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=MemberCategory.choices)
    shares = serializers.IntegerField()


class MySharesSerializer(serializers.Serializer[Any]):
    """What the member holds now, by class, and a page of their register lines, newest first."""

    holdings = HoldingSerializer(many=True)
    total = serializers.IntegerField()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ShareOperationSerializer(many=True)


class MySharesView(GenericAPIView[ShareOperation]):
    """The signed-in member's shares: the holding by class and their lines of the share register."""

    serializer_class = ShareOperationSerializer

    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: MySharesSerializer},
    )
    def get(self, request: Request) -> Response:
        member = _own_member(request)
        operations = member.share_operations.select_related("counterpart").order_by("-number")
        page = self.paginate_queryset(operations)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        by_class = (
            member.share_operations.values(category=F("share_class")).annotate(shares=Sum("delta")).order_by("category")
        )
        holdings = [row for row in by_class if row["shares"]]
        response.data = {
            "holdings": holdings,
            "total": sum(row["shares"] for row in holdings),
            **response.data,
        }
        return response


class MemberListSerializer(serializers.ModelSerializer[Member]):
    name = serializers.CharField(source="display_name")
    office = serializers.SlugRelatedField[Office](slug_field="code", read_only=True)
    advisor = serializers.SerializerMethodField()
    holding = serializers.IntegerField(help_text="Shares held now.")

    class Meta:
        model = Member
        fields = [
            "number",
            "name",
            "category",
            "status",
            "office",
            "advisor",
            "applied_on",
            "admitted_on",
            "left_on",
            "holding",
        ]

    def get_advisor(self, member: Member) -> str | None:
        return str(member.advisor) if member.advisor else None


class CanListMembers(BasePermission):
    message = gettext_lazy("Only advisors and accountants can list members.")

    def has_permission(self, request: Request, view: Any) -> bool:
        # The advisors' list, as in the admin: staff without two-factor read no one, whatever their token.
        return may(request.user, "view", Member)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, enum=["", *MemberStatus.values], description="Only members in this status (empty: all)."
            ),
            OpenApiParameter("q", str, description="A name, or a member, national register or enterprise number."),
        ],
        responses={200: MemberListSerializer(many=True)},
    )
)
class MemberViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Member]):
    """Members for advisors: those of their own office (every office with `view_all_offices`)."""

    serializer_class = MemberListSerializer
    permission_classes = [IsAuthenticated, CanListMembers]

    def get_queryset(self) -> QuerySet[Member]:
        params = self.request.query_params
        members = visible(self.request.user, Member.objects.select_related("office", "advisor"))
        status = params.get("status", "")
        if status:
            if status not in MemberStatus.values:
                raise InvalidInput.on(
                    "status",
                    _("Unknown status: choose one of %(choices)s.") % {"choices": ", ".join(MemberStatus.values)},
                )
            members = members.filter(status=status)
        term = params.get("q", "").strip()
        if term:
            members = members_matching(members, term)
        return with_holding(members).order_by("number")

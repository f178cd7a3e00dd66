"""Member-facing API endpoints."""

from typing import Any, cast

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from members.models import Office, User
from smartcoop.errors import InvalidInput


class ErrorSerializer(serializers.Serializer[Any]):
    """The one error format (see smartcoop.api), for the schema."""

    message = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # A declared attribute named `fields` would shadow Serializer.fields itself.
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
        return fields


class MeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    language = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """The signed-in user: who they are, their language and their roles."""

    @extend_schema(responses={200: MeSerializer, 401: ErrorSerializer, 403: ErrorSerializer})
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


class TokenRequestSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()


class TokenView(APIView):
    """Exchange e-mail and password for an API token (sent as `Authorization: Token <key>`)."""

    authentication_classes = ()
    permission_classes = ()
    throttle_scope = "token"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer, 400: ErrorSerializer})
    def post(self, request: Request) -> Response:
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=given.validated_data["email"], password=given.validated_data["password"]
        )
        if user is None or not user.is_active:
            raise InvalidInput(_("The e-mail address or the password is not right."))
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class OfficeSerializer(serializers.ModelSerializer[Office]):
    class Meta:
        model = Office
        fields = ["code", "name", "postal_code", "city", "email"]


class OfficeViewSet(viewsets.ReadOnlyModelViewSet[Office]):
    """The cooperative's offices, where members meet their advisors."""

    queryset = Office.objects.order_by("name")
    serializer_class = OfficeSerializer
    lookup_field = "code"

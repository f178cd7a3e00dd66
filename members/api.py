"""Member-facing API endpoints."""

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from members.models import User


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

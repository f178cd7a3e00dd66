"""API tokens over the API: obtain one with e-mail and password (and code), list yours, revoke one.

The rules (limits, two-factor, lifetime, what ends a token) live in members.tokens.
"""

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from members.models import ApiToken, User
from members.tokens import api_sign_in, api_token_issue, api_token_revoke, api_tokens_of
from smartcoop.api_schema import ErrorSerializer
from smartcoop.serializers import Serializer


class TokenRequestSerializer(Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The code of the authenticator app (or a recovery code), for accounts with two-factor.",
    )


class IssuedTokenSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="What `DELETE /api/tokens/{id}/` takes to revoke it.")
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`. Shown this once only.")
    expires_at = serializers.DateTimeField()


class TokenView(APIView):
    """Exchange e-mail and password (and the authenticator's code) for a new API token.

    Each call issues a new token, valid for `API_TOKEN_LIFETIME_DAYS` days or until the password
    changes or the token is revoked. Failed attempts count against the same limits as the login
    form: 429 once they are spent.
    """

    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: IssuedTokenSerializer, 429: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        user = api_sign_in(
            request=request._request,
            email=given.validated_data["email"],
            password=given.validated_data["password"],
            code=given.validated_data.get("code", ""),
        )
        token, key = api_token_issue(actor=user)
        body = {"id": token.pk, "token": key, "expires_at": token.expires_at}
        return Response(IssuedTokenSerializer(body).data)


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    current = serializers.SerializerMethodField(help_text="Whether this request was made with this token.")

    class Meta:
        model = ApiToken
        fields = ["id", "hint", "created_at", "expires_at", "last_used_at", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        return bool(self.context["request"].auth == token)


@extend_schema_view(
    list=extend_schema(
        description="Your API tokens that still work, newest first (never their keys).",
        responses={200: ApiTokenSerializer(many=True)},
    ),
    destroy=extend_schema(
        description="Revoke one of your tokens: it stops working at once. Anyone else's token is not found.",
        responses={204: None},
    ),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[ApiToken]):
    """Your API tokens that still work (never their keys), and revoking one of them."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn without a user
            return ApiToken.objects.none()
        return api_tokens_of(cast(User, self.request.user))  # IsAuthenticated: never anonymous here

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = self.get_object()  # 404 for a token that is not the user's
        api_token_revoke(token_id=token.pk, actor=cast(User, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)

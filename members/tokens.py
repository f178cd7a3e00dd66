"""API tokens: issued after the sign-in page's own checks and limits, kept as digests, and short-lived.

Obtaining a token is signing in by other means, so it goes through the same gate as the login form:
allauth's adapter authenticates (and counts failures per account, then per address, in
`ACCOUNT_RATE_LIMITS["login_failed"]`), allauth's two-factor form checks the authenticator's code
(same counter, same replay guard), and every attempt counts against the per-address `login` limit.
There is no second limiter to keep in step: an attacker who spreads guesses over the form and the
API spends one allowance.

A token's key is shown once, at issue; only its SHA-256 digest is stored (the key is 256 random
bits, so a plain digest is as good as a password hash and costs one index lookup). A token ends:
- at `expires_at`, `API_TOKEN_LIFETIME_DAYS` after issue;
- when its owner revokes it (`api_token_revoke`);
- when its owner's password changes, by whatever path (reset link, change form, the admin,
  `manage.py changepassword`): each token keeps a digest of the password hash it was issued under
  (`password_stamp`) and stops matching once the hash changes, as Django's sessions do.

Authentication lives here, apart from the API views: DRF imports its authentication classes while
`rest_framework.views` is itself being imported, so this module must not import views.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import ratelimit
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from members.models import ApiToken, User
from smartcoop.access import require, visible
from smartcoop.errors import InvalidInput, NotFoundError, PermissionDeniedError, TooManyAttempts

# A token in use is written to at most this often: the owner sees roughly when it last served.
LAST_USE_PRECISION = timedelta(minutes=5)
HINT_LENGTH = 6


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _password_stamp(user: User) -> str:
    # The hash changes with every new password (each has its own salt). It also changes when Django
    # strengthens its hashing at a sign-in: tokens then end, as the user's other sessions do.
    return hashlib.sha256(user.password.encode()).hexdigest()


def _is_live(token: ApiToken, *, now: datetime) -> bool:
    return token.expires_at > now and secrets.compare_digest(token.password_stamp, _password_stamp(token.user))


# --- signing in for a token -------------------------------------------------------------------


def api_sign_in(*, request: HttpRequest, email: str, password: str, code: str) -> User:
    """The user these credentials open, under the login form's limits; refused as the form would."""
    adapter = get_account_adapter(request)
    # allauth's own wording, as on the login form, already in the request's language.
    too_many = adapter.error_messages["too_many_login_attempts"]
    if not ratelimit.consume(request, action="login"):
        raise TooManyAttempts(too_many)
    try:
        user: User | None = adapter.authenticate(request, email=email, password=password)
    except forms.ValidationError:  # the only refusal the adapter raises: too many failures
        raise TooManyAttempts(too_many) from None
    if user is None or not user.is_active:
        raise InvalidInput(_("The e-mail address or the password is not right."))
    # A token must not be a way around two-factor: staff need it to reach members' data at all.
    if is_mfa_enabled(user):
        second_factor = AuthenticateForm(user=user, data={"code": code.strip()})
        if not second_factor.is_valid():
            if second_factor.has_error("code", "too_many_login_attempts"):
                raise TooManyAttempts(too_many)
            raise InvalidInput.on("code", _("Enter the code shown by your authenticator app."))
    elif user.is_staff:
        raise PermissionDeniedError(_("Staff accounts need two-factor authentication: set it up first."))
    return user


# --- services ---------------------------------------------------------------------------------


@transaction.atomic
def api_token_issue(*, actor: User) -> tuple[ApiToken, str]:
    """A new token for the actor, and its key (shown this once, never stored)."""
    now = timezone.now()
    # The actor's tokens that ended are of no use to anyone: they go rather than pile up.
    ApiToken.objects.filter(user=actor).exclude(pk__in=api_tokens_of(actor)).delete()
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        digest=_digest(key),
        hint=key[:HINT_LENGTH],
        password_stamp=_password_stamp(actor),
        expires_at=now + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS),
    )
    return token, key


def api_token_revoke(*, token_id: int, actor: User) -> None:
    """End one of the actor's own tokens; anyone else's is as unknown as one that never existed."""
    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None:
        raise NotFoundError()
    require(actor, "revoke", token)
    token.delete()


def _api_token_used(*, token: ApiToken, now: datetime) -> None:
    if token.last_used_at is None or token.last_used_at < now - LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- selectors --------------------------------------------------------------------------------


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still open the API, newest first."""
    live = ApiToken.objects.filter(expires_at__gt=timezone.now(), password_stamp=_password_stamp(user))
    return visible(user, live, "view")


# --- authentication ---------------------------------------------------------------------------


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, for tokens that have not ended."""

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(digest=_digest(key)).first()
        now = timezone.now()
        if token is None or not _is_live(token, now=now) or not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("This token is unknown, revoked, expired or ended by a password change: ask for a new one.")
            )
        _api_token_used(token=token, now=now)
        return token.user, token

"""allauth hooks: a new account joins the member group and keeps the language it signed up in.

allauth's e-mails (address confirmation, password reset, the notices of account changes) greet
with the site's name and put it in the subject. The platform runs without `django.contrib.sites`,
so allauth would take the host name for it ("Hello from localhost:8000!"): here the site's name is
the cooperative's, from its entity, and the address stays the host the reader used. Each e-mail is
written in the language of the account it goes to, whoever's browser asked for it; an address no
account holds is written to in the language of the request.
"""

from dataclasses import dataclass
from typing import Any

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.contrib.auth.models import Group
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.utils import translation
from django.utils.encoding import force_str

from members.models import Role, User
from smartcoop.models import CooperativeEntity


@dataclass(frozen=True)
class CooperativeSite:
    """What allauth's e-mail templates read as `current_site`."""

    name: str
    domain: str


def cooperative_name() -> str | None:
    return CooperativeEntity.objects.filter(country="BE").values_list("name", flat=True).first()


def _language_of(email: str) -> str | None:
    found: str | None = (
        EmailAddress.objects.filter(email__iexact=email).values_list("user__language", flat=True).first()
        or User.objects.filter(email__iexact=email).values_list("language", flat=True).first()
    )
    return found


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no type hints
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> User:
        language = translation.get_language() or "fr"
        user.language = language[:2] if language[:2] in {"fr", "nl", "en"} else "fr"
        saved: User = super().save_user(request, user, form, commit=commit)
        if commit:
            saved.groups.add(Group.objects.get(name=Role.MEMBER.value))
        return saved

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        site = get_current_site(allauth_context.request)
        named = CooperativeSite(name=cooperative_name() or site.name, domain=site.domain)
        with translation.override(_language_of(email) or translation.get_language()):
            super().send_mail(template_prefix, email, {**context, "current_site": named})

    def format_email_subject(self, subject: str) -> str:
        prefix = app_settings.EMAIL_SUBJECT_PREFIX
        if prefix is None:
            prefix = f"[{cooperative_name() or get_current_site(allauth_context.request).name}] "
        return f"{prefix}{force_str(subject)}"

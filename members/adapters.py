"""allauth hooks: a new account joins the member group and keeps the language it signed up in."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils import translation

from members.models import Role, User


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no type hints
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> User:
        language = translation.get_language() or "fr"
        user.language = language[:2] if language[:2] in {"fr", "nl", "en"} else "fr"
        saved: User = super().save_user(request, user, form, commit=commit)
        if commit:
            saved.groups.add(Group.objects.get(name=Role.MEMBER.value))
        return saved

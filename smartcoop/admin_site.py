"""The Django admin for advisors and accountants: staff enter only with two-factor authentication.

Login goes through allauth (so failed logins are throttled and the TOTP step is asked); a staff
member without an authenticator is sent to set one up before the admin opens.
"""

from typing import Any
from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AdminSite(admin.AdminSite):
    site_header = _("SmartCoop administration")
    site_title = _("SmartCoop")
    index_title = _("Advisors' desk")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and is_mfa_enabled(user))

    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not is_mfa_enabled(user):
            messages.warning(request, gettext("Set up two-factor authentication to enter the administration."))
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        if user.is_authenticated and not user.is_staff:
            messages.error(request, gettext("Your account has no access to the administration."))
            return HttpResponseRedirect(reverse("members:dashboard"))
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    """What the services wrote, shown on the parent's page; changed only through them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

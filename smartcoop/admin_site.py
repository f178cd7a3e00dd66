"""The Django admin for advisors and accountants: staff enter only with two-factor authentication.

Login goes through allauth (so failed logins are throttled and the TOTP step is asked); a staff
member without an authenticator is sent to set one up before the admin opens.

Which rows a page lists and which object it opens are the access policy's answers
(`smartcoop.access`), through `PolicyAdmin`: an object the user may not see is as absent from the
admin as from the API and the member pages.

Admin actions run services through `admin_call`, which shows a refusal (`ApplicationError`) as the
admin's error message, as the member pages and the API show the same error their own way.
"""

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smartcoop.access import may, standing, visible
from smartcoop.errors import ApplicationError

M = TypeVar("M", bound=Model)
T = TypeVar("T")


class AdminSite(admin.AdminSite):
    site_header = _("SmartCoop administration")
    site_title = _("SmartCoop")
    index_title = _("Advisors' desk")

    def has_permission(self, request: HttpRequest) -> bool:
        return standing(request.user).staff

    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not standing(user).staff:
            messages.warning(request, gettext("Set up two-factor authentication to enter the administration."))
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        if user.is_authenticated and not user.is_staff:
            messages.error(request, gettext("Your account has no access to the administration."))
            return HttpResponseRedirect(reverse("members:dashboard"))
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


class PolicyAdmin(admin.ModelAdmin[M]):
    """A model's admin whose rows and objects are the access policy's: "view" and "change" are asked of it.

    The list, the search, the filters, the object pages and autocomplete all read `get_queryset`,
    so a row the policy hides is as absent as one that never existed. What the admin calls changing
    is, for a queue, the policy's "decide" (`change_action`).
    """

    change_action = "change"

    def get_queryset(self, request: HttpRequest) -> QuerySet[M]:
        return visible(request.user, super().get_queryset(request))

    def has_view_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return may(request.user, "view", obj if obj is not None else self.model)

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return may(request.user, self.change_action, obj if obj is not None else self.model)


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


def admin_call(request: HttpRequest, service: Callable[[], T], *, success: str | None = None) -> T | None:
    """Run a service from an admin action; its ApplicationError becomes the admin's error message."""
    try:
        result = service()
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return None
    if success:
        messages.success(request, success)
    return result

"""Espace membre pages: the dashboard and the language switcher."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "roles": sorted(g.name for g in user.groups.all()),
        "mfa_enabled": is_mfa_enabled(user),
    }
    return render(request, "members/dashboard.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's switcher, plus the choice saved on the account so it follows the member."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response

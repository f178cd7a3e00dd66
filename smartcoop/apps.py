from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class SmartcoopConfig(AppConfig):
    default = True
    name = "smartcoop"
    verbose_name = _("Cooperative")


class AdminConfig(admin_apps.AdminConfig):
    default = False
    """The Django admin, on a site that requires two-factor authentication for staff."""

    default_site = "smartcoop.admin_site.AdminSite"

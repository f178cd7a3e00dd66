"""Advisors handle applications and capital calls; accountants and administrators read them."""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

GRANTS = {
    "advisor": ["view_membershipapplication", "change_membershipapplication", "view_capitalcall", "change_capitalcall"],
    "accountant": ["view_membershipapplication", "view_capitalcall"],
    "administrator": [
        "view_membershipapplication",
        "change_membershipapplication",
        "view_capitalcall",
        "change_capitalcall",
    ],
}


def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    members = apps.get_app_config("members")
    members.models_module = True  # type: ignore[assignment]
    create_permissions(members, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.add(
            *Permission.objects.filter(content_type__app_label="members", codename__in=codenames)
        )


def revoke(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.remove(
            *Permission.objects.filter(content_type__app_label="members", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("members", "0006_applications_and_capital_calls")]
    operations = [migrations.RunPython(grant, revoke)]

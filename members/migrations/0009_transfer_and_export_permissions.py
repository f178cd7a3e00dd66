"""Advisors decide transfer requests and read assignments; register PDFs for those who see all offices."""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

GRANTS = {
    "advisor": ["view_sharetransferrequest", "change_sharetransferrequest", "view_memberassignment"],
    "accountant": [
        "view_sharetransferrequest",
        "view_memberassignment",
        "view_registerexport",
        "add_registerexport",
    ],
    "administrator": [
        "view_sharetransferrequest",
        "change_sharetransferrequest",
        "view_memberassignment",
        "view_registerexport",
        "add_registerexport",
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
    dependencies = [("members", "0008_assignments_transfer_requests_register_exports")]
    operations = [migrations.RunPython(grant, revoke)]

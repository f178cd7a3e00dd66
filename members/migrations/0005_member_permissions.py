"""Who may read and correct members, and who sees beyond their own office.

Advisors read and correct the members of their office and read its share register; accountants
read them. `view_all_offices` lifts the office limit: accountants and administrators keep the
books of the whole cooperative, so they hold it; an advisor receives it only one by one.
"""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

READ = ["view_member", "view_shareoperation", "view_office"]
GRANTS = {
    "advisor": [*READ, "change_member"],
    "accountant": [*READ, "view_all_offices"],
    "administrator": [*READ, "change_member", "view_all_offices"],
}


def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Permissions are normally created after all migrations; create the members' now to grant them.
    members = apps.get_app_config("members")
    members.models_module = True  # type: ignore[assignment]
    create_permissions(members, apps=apps, verbosity=0)
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    member_type = ContentType.objects.get(app_label="members", model="member")
    Permission.objects.get_or_create(
        content_type=member_type, codename="view_all_offices", defaults={"name": "Can see members of every office"}
    )
    for role, codenames in GRANTS.items():
        group = Group.objects.get(name=role)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="members", codename__in=codenames))


def revoke(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        group = Group.objects.get(name=role)
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="members", codename__in=codenames))
    Permission.objects.filter(content_type__app_label="members", codename="view_all_offices").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_register_rules"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(grant, revoke)]

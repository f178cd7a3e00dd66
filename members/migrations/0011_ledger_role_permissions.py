"""The roles' rights on the ledger: everyone on staff reads it, accountants and administrators export it.

Granted from here because the roles are the members app's; the ledger knows no domain.
"""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

READ = ["view_account", "view_analyticaccount", "view_transaction", "view_leg"]
GRANTS = {
    "advisor": READ,
    "accountant": [*READ, "export_journal"],
    "administrator": [*READ, "export_journal"],
}


def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Permissions are normally created after all migrations; create the ledger's now to grant them.
    ledger = apps.get_app_config("ledger")
    ledger.models_module = True  # type: ignore[assignment]
    create_permissions(ledger, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.add(
            *Permission.objects.filter(content_type__app_label="ledger", codename__in=codenames)
        )


def revoke(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.remove(
            *Permission.objects.filter(content_type__app_label="ledger", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("members", "0010_api_tokens"), ("ledger", "0004_journal_index_and_permission")]
    operations = [migrations.RunPython(grant, revoke)]

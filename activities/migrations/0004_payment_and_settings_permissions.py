"""Accountants read purchases without deciding them; administrators keep the cooperative's settings.

Approving a purchase charges an Activity's budget: an advisor's act, as for expense claims and
transfers. Administrators maintain the entity's legal identity and rates and the mileage allowance
(advisors read the allowance, which expense claims apply).
"""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

SETTINGS_GRANTS = {
    "administrator": [
        "view_cooperativeentity", "change_cooperativeentity", "view_mileagerate", "add_mileagerate",
        "change_mileagerate",
    ],
    "advisor": ["view_cooperativeentity", "view_mileagerate"],
    "accountant": ["view_cooperativeentity", "view_mileagerate"],
}  # fmt: skip


def regrant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    smartcoop = apps.get_app_config("smartcoop")
    smartcoop.models_module = True  # type: ignore[assignment]
    create_permissions(smartcoop, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name="accountant").permissions.remove(
        *Permission.objects.filter(content_type__app_label="activities", codename="change_purchase")
    )
    for role, codenames in SETTINGS_GRANTS.items():
        Group.objects.get(name=role).permissions.add(
            *Permission.objects.filter(content_type__app_label="smartcoop", codename__in=codenames)
        )


def undo(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name="accountant").permissions.add(
        *Permission.objects.filter(content_type__app_label="activities", codename="change_purchase")
    )
    for role, codenames in SETTINGS_GRANTS.items():
        Group.objects.get(name=role).permissions.remove(
            *Permission.objects.filter(content_type__app_label="smartcoop", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_trade_register_expense_categories_permissions"),
        ("smartcoop", "0002_mileage_rates"),
    ]
    operations = [migrations.RunPython(regrant, undo)]

"""The mileage allowance becomes the activities app's, its rows kept.

The model enters this app's state on the platform's table, which is then renamed to this app's
name. Its content type follows, so the permissions the roles hold on it and the admin's history stay
attached to it. The roles are granted the allowance again here (as in 0004): on a new database the
platform may have let the model go before 0004 ran, and then 0004 found nothing to grant.
"""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

GRANTS = {
    "administrator": ["view_mileagerate", "add_mileagerate", "change_mileagerate"],
    "advisor": ["view_mileagerate"],
    "accountant": ["view_mileagerate"],
}


def _move_content_type(apps: Apps, *, source: str, destination: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=destination, model="mileagerate").exists():
        ContentType.objects.filter(app_label=source, model="mileagerate").update(app_label=destination)


def take_over_mileage_rates(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move_content_type(apps, source="smartcoop", destination="activities")
    activities = apps.get_app_config("activities")
    activities.models_module = True  # type: ignore[assignment]
    create_permissions(activities, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.add(
            *Permission.objects.filter(content_type__app_label="activities", codename__in=codenames)
        )


def give_back_mileage_rates(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move_content_type(apps, source="activities", destination="smartcoop")


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0004_payment_and_settings_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("smartcoop", "0004_mileage_rates_and_salary_terms_leave_the_platform"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MileageRate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("valid_from", models.DateField(verbose_name="valid from")),
                        (
                            "rate",
                            models.DecimalField(
                                decimal_places=4,
                                max_digits=6,
                                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                                verbose_name="allowance per km",
                            ),
                        ),
                        (
                            "entity",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="mileage_rates",
                                to="smartcoop.cooperativeentity",
                                verbose_name="cooperative entity",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "mileage allowance",
                        "verbose_name_plural": "mileage allowances",
                        "ordering": ["entity", "-valid_from"],
                        "constraints": [
                            models.UniqueConstraint(fields=("entity", "valid_from"), name="mileage_rate_one_per_date")
                        ],
                        "db_table": "smartcoop_mileagerate",
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="mileagerate", table=None),
        migrations.RunPython(take_over_mileage_rates, give_back_mileage_rates),
    ]

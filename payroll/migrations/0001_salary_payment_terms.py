"""The salary payment term per country entity, moved from two fields of the platform's entity.

Runs before the platform drops those fields (smartcoop 0004) so each entity's rule and days are
copied first. Administrators keep the term, as they kept the entity's fields; advisors and
accountants read it.
"""

import django.db.models.deletion
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

GRANTS = {
    "administrator": ["view_salarypaymentterm", "add_salarypaymentterm", "change_salarypaymentterm"],
    "advisor": ["view_salarypaymentterm"],
    "accountant": ["view_salarypaymentterm"],
}


def copy_terms(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    CooperativeEntity = apps.get_model("smartcoop", "CooperativeEntity")
    SalaryPaymentTerm = apps.get_model("payroll", "SalaryPaymentTerm")
    for entity in CooperativeEntity.objects.order_by("pk"):
        SalaryPaymentTerm.objects.create(
            entity=entity, rule=entity.salary_payment_rule, days=entity.salary_payment_days
        )


def copy_terms_back(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    CooperativeEntity = apps.get_model("smartcoop", "CooperativeEntity")
    SalaryPaymentTerm = apps.get_model("payroll", "SalaryPaymentTerm")
    for term in SalaryPaymentTerm.objects.order_by("pk"):
        CooperativeEntity.objects.filter(pk=term.entity_id).update(
            salary_payment_rule=term.rule, salary_payment_days=term.days
        )


def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Permissions are normally created after all migrations; create payroll's now to grant them.
    payroll = apps.get_app_config("payroll")
    payroll.models_module = True  # type: ignore[assignment]
    create_permissions(payroll, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.add(
            *Permission.objects.filter(content_type__app_label="payroll", codename__in=codenames)
        )


def revoke(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.remove(
            *Permission.objects.filter(content_type__app_label="payroll", codename__in=codenames)
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("smartcoop", "0003_notifications"),
        ("members", "0002_roles"),
    ]
    run_before = [
        ("smartcoop", "0004_mileage_rates_and_salary_terms_leave_the_platform"),
    ]

    operations = [
        migrations.CreateModel(
            name="SalaryPaymentTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "rule",
                    models.CharField(
                        choices=[
                            ("days_after_end", "A number of calendar days after the end of the performance"),
                            ("day_of_next_month", "A day of the month following the performance"),
                            ("end_of_month", "The last day of the month of the performance"),
                        ],
                        max_length=20,
                        verbose_name="salary payment rule",
                    ),
                ),
                (
                    "days",
                    models.PositiveSmallIntegerField(
                        default=7, verbose_name="days (or day of month) of the salary payment rule"
                    ),
                ),
                (
                    "entity",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="salary_payment_term",
                        to="smartcoop.cooperativeentity",
                        verbose_name="cooperative entity",
                    ),
                ),
            ],
            options={
                "verbose_name": "salary payment term",
                "verbose_name_plural": "salary payment terms",
            },
        ),
        migrations.RunPython(copy_terms, copy_terms_back),
        migrations.RunPython(grant, revoke),
    ]

"""The account a written-off receivable is charged to, and what each role may do with invoices.

Advisors follow their office's invoices (dispute, write off, record a payment), allocate bank
lines from the review queue and watch the Peppol outbox; accountants read all of it and import
statements; administrators everything. Members reach their Activities' invoices through the
access policy, not through permissions.
"""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# (code, French, Dutch, English, type): PCMN 642, loss on the realisation of trade receivables.
ACCOUNTS = [
    (
        "642",
        "Moins-values sur réalisation de créances commerciales",
        "Minderwaarden op de realisatie van handelsvorderingen",
        "Losses on trade receivables",
        "expense",
    ),
]

VIEW = [
    "view_invoice",
    "view_invoiceline",
    "view_invoicepayment",
    "view_bankstatement",
    "view_bankstatementline",
    "view_peppoldocument",
]
GRANTS = {
    "advisor": [*VIEW, "change_invoice", "add_invoicepayment", "change_bankstatementline", "change_peppoldocument"],
    "accountant": [*VIEW, "add_bankstatement"],
    "administrator": [
        *VIEW, "change_invoice", "add_invoicepayment", "add_bankstatement", "change_bankstatementline",
        "change_peppoldocument",
    ],
}  # fmt: skip


def forward(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Account = apps.get_model("ledger", "Account")
    for code, name_fr, name_nl, name_en, kind in ACCOUNTS:
        Account.objects.update_or_create(
            code=code, defaults={"name_fr": name_fr, "name_nl": name_nl, "name_en": name_en, "type": kind}
        )
    invoicing = apps.get_app_config("invoicing")
    invoicing.models_module = True  # type: ignore[assignment]
    create_permissions(invoicing, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.add(
            *Permission.objects.filter(content_type__app_label="invoicing", codename__in=codenames)
        )


def backward(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.remove(
            *Permission.objects.filter(content_type__app_label="invoicing", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0001_initial"),
        ("members", "0013_application_trades_from_the_register"),
        ("ledger", "0010_analytic_movements_index"),
    ]
    operations = [migrations.RunPython(forward, backward)]

"""The trade register, the expense categories, the numbering of Activity codes and the roles' rights.

The trade register is read from `activities.trade_catalogue` (plain data, stable codes), so a later
migration that changes the catalogue re-runs `seed_trades` and updates the rows in place.
"""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# (code, French, Dutch, English, ledger account, VAT recoverable, mileage)
EXPENSE_CATEGORIES = [
    ("supplies", "Fournitures et petit matériel", "Benodigdheden en klein materiaal", "Supplies and small equipment",
     "6120", True, False),
    ("raw-materials", "Matières premières", "Grondstoffen", "Raw materials", "600", True, False),
    ("telecom", "Téléphone et internet", "Telefoon en internet", "Telephone and internet", "6121", True, False),
    ("advertising", "Publicité et communication", "Reclame en communicatie", "Advertising and communication",
     "6140", True, False),
    ("travel", "Transport (train, bus, parking)", "Vervoer (trein, bus, parking)", "Transport (train, bus, parking)",
     "6150", True, False),
    ("accommodation", "Hébergement", "Logies", "Accommodation", "6150", True, False),
    ("mileage", "Déplacements avec son véhicule (km)", "Verplaatsingen met eigen voertuig (km)",
     "Trips with one's own vehicle (km)", "6151", False, True),
    ("training", "Formation et documentation", "Opleiding en documentatie", "Training and documentation",
     "6160", True, False),
    # Belgian VAT on restaurant meals and hospitality is not deductible: charged in full.
    ("meals", "Repas et réception", "Maaltijden en receptie", "Meals and hospitality", "6170", False, False),
    ("subcontracting", "Sous-traitance et honoraires", "Onderaanneming en erelonen", "Subcontracting and fees",
     "613", True, False),
    ("rent", "Location de locaux ou de matériel", "Huur van ruimte of materiaal", "Rent of premises or equipment",
     "6100", True, False),
]  # fmt: skip

GRANTS = {
    "advisor": [
        "view_activity", "view_activityevent", "change_activity", "view_activityholder", "add_activityholder", "change_activityholder",
        "view_activitytrade", "change_activitytrade", "view_trade", "view_thirdparty", "change_thirdparty",
        "view_activitythirdparty", "view_expenseclaim", "change_expenseclaim", "view_expenseline",
        "view_expensecategory", "view_purchase", "change_purchase", "view_activitytransfer",
        "change_activitytransfer",
    ],
    "accountant": [
        "view_activity", "view_activityevent", "view_activityholder", "view_activitytrade", "view_trade", "view_thirdparty",
        "view_activitythirdparty", "view_expenseclaim", "view_expenseline", "view_expensecategory",
        "view_purchase", "change_purchase", "view_activitytransfer",
    ],
    "administrator": [
        "view_activity", "view_activityevent", "change_activity", "view_activityholder", "add_activityholder", "change_activityholder",
        "view_activitytrade", "change_activitytrade", "view_trade", "change_trade", "add_trade", "view_thirdparty",
        "change_thirdparty", "view_activitythirdparty", "view_expenseclaim", "change_expenseclaim",
        "view_expenseline", "view_expensecategory", "change_expensecategory", "add_expensecategory",
        "view_purchase", "change_purchase", "view_activitytransfer", "change_activitytransfer",
    ],
}  # fmt: skip


def seed_trades(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from activities.trade_catalogue import TRADES

    Trade = apps.get_model("activities", "Trade")
    for entry in TRADES:
        Trade.objects.update_or_create(
            code=entry.code,
            defaults={
                "sector": entry.sector,
                "admission": entry.admission,
                "name_fr": entry.name_fr,
                "name_nl": entry.name_nl,
                "name_en": entry.name_en,
                "reason_fr": entry.reason_fr,
                "reason_nl": entry.reason_nl,
                "reason_en": entry.reason_en,
            },
        )


def seed_expense_categories(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ExpenseCategory = apps.get_model("activities", "ExpenseCategory")
    for code, name_fr, name_nl, name_en, account, recoverable, mileage in EXPENSE_CATEGORIES:
        ExpenseCategory.objects.update_or_create(
            code=code,
            defaults={
                "name_fr": name_fr,
                "name_nl": name_nl,
                "name_en": name_en,
                "account_code": account,
                "vat_recoverable": recoverable,
                "is_mileage": mileage,
            },
        )


def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    activities = apps.get_app_config("activities")
    activities.models_module = True  # type: ignore[assignment]
    create_permissions(activities, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.add(
            *Permission.objects.filter(content_type__app_label="activities", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0002_activity_events"),
        ("members", "0009_transfer_and_export_permissions"),
        ("ledger", "0010_analytic_movements_index"),
    ]
    operations = [
        migrations.RunPython(seed_trades, migrations.RunPython.noop),
        migrations.RunPython(seed_expense_categories, migrations.RunPython.noop),
        migrations.RunSQL(
            # Activity codes come from a sequence: unique, never reused, no counter row to lock.
            "CREATE SEQUENCE activities_activity_code_seq START 1",
            "DROP SEQUENCE activities_activity_code_seq",
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]

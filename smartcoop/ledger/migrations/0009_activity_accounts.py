"""Sub-accounts the Activities post to: expense categories, transfers between Activities, contributions.

Transfers between Activities and the cooperative contribution are charges of one Activity and income
of another Activity (or of the cooperative): the pairs 618x/748x and 6190/7490 cancel out in the
cooperative's own result, and each Activity's books still show them.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# (code, French, Dutch, English, type)
ACCOUNTS = [
    ("6100", "Loyers et charges locatives", "Huur en huurlasten", "Rent and service charges", "expense"),
    (
        "6120",
        "Fournitures et petit matériel",
        "Benodigdheden en klein materiaal",
        "Supplies and small equipment",
        "expense",
    ),
    ("6121", "Téléphone et internet", "Telefoon en internet", "Telephone and internet", "expense"),
    ("6140", "Publicité et communication", "Reclame en communicatie", "Advertising and communication", "expense"),
    ("6150", "Frais de déplacement et de séjour", "Reis- en verblijfkosten", "Travel and accommodation", "expense"),
    ("6151", "Indemnités kilométriques", "Kilometervergoedingen", "Mileage allowances", "expense"),
    ("6160", "Formation et documentation", "Opleiding en documentatie", "Training and documentation", "expense"),
    ("6170", "Frais de réception et repas", "Receptie- en maaltijdkosten", "Hospitality and meals", "expense"),
    (
        "6180",
        "Prestations reçues d'autres Activités",
        "Prestaties ontvangen van andere Activiteiten",
        "Services received from other Activities",
        "expense",
    ),
    (
        "6181",
        "Budget cédé à d'autres Activités",
        "Budget overgedragen aan andere Activiteiten",
        "Budget shared with other Activities",
        "expense",
    ),
    ("6190", "Contribution mutualisée", "Coöperatieve bijdrage", "Cooperative contribution", "expense"),
    (
        "7480",
        "Prestations fournies à d'autres Activités",
        "Prestaties geleverd aan andere Activiteiten",
        "Services provided to other Activities",
        "income",
    ),
    (
        "7481",
        "Budget reçu d'autres Activités",
        "Budget ontvangen van andere Activiteiten",
        "Budget received from other Activities",
        "income",
    ),
    (
        "7490",
        "Contributions mutualisées des Activités",
        "Coöperatieve bijdragen van de Activiteiten",
        "Cooperative contributions from Activities",
        "income",
    ),
]


def create_accounts(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Account = apps.get_model("ledger", "Account")
    for code, name_fr, name_nl, name_en, kind in ACCOUNTS:
        Account.objects.update_or_create(
            code=code, defaults={"name_fr": name_fr, "name_nl": name_nl, "name_en": name_en, "type": kind}
        )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_maintain_account_daily_movements")]
    # Reversing leaves the accounts: they may already carry legs.
    operations = [migrations.RunPython(create_accounts, migrations.RunPython.noop)]

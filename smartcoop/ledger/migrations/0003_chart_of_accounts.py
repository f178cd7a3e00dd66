"""The accounts of the Belgian minimum chart (PCMN / MAR) the platform posts to.

Names follow the chart's wording in French and Dutch; later capabilities add accounts by migration.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# (code, French, Dutch, English, type)
ACCOUNTS = [
    ("100", "Capital souscrit", "Geplaatst kapitaal", "Subscribed capital", "equity"),
    ("101", "Capital non appelé", "Niet-opgevraagd kapitaal", "Uncalled capital", "equity"),
    ("130", "Réserve légale", "Wettelijke reserve", "Legal reserve", "equity"),
    ("140", "Bénéfice reporté", "Overgedragen winst", "Profit carried forward", "equity"),
    ("400", "Clients", "Handelsdebiteuren", "Trade debtors", "asset"),
    ("404", "Produits à recevoir", "Te innen opbrengsten", "Income receivable", "asset"),
    ("407", "Créances douteuses", "Dubieuze debiteuren", "Doubtful debtors", "asset"),
    ("411", "TVA à récupérer", "Terug te vorderen btw", "VAT recoverable", "asset"),
    ("416", "Créances diverses", "Diverse vorderingen", "Other receivables", "asset"),
    ("440", "Fournisseurs", "Leveranciers", "Suppliers", "liability"),
    ("444", "Factures à recevoir", "Te ontvangen facturen", "Invoices to be received", "liability"),
    ("451", "TVA à payer", "Te betalen btw", "VAT payable", "liability"),
    ("453", "Précomptes retenus", "Ingehouden voorheffingen", "Withholding taxes", "liability"),
    (
        "454",
        "Office national de sécurité sociale",
        "Rijksdienst voor Sociale Zekerheid",
        "Social security (ONSS)",
        "liability",
    ),
    ("455", "Rémunérations", "Bezoldigingen", "Salaries payable", "liability"),
    ("456", "Pécules de vacances", "Vakantiegeld", "Holiday pay", "liability"),
    ("459", "Autres dettes sociales", "Andere sociale schulden", "Other social liabilities", "liability"),
    ("489", "Autres dettes diverses", "Andere diverse schulden", "Other liabilities", "liability"),
    ("499", "Comptes d'attente", "Wachtrekeningen", "Suspense account", "asset"),
    ("550", "Établissements de crédit : comptes courants", "Kredietinstellingen: rekeningen-courant", "Bank", "asset"),
    ("570", "Caisses-espèces", "Kassen-contanten", "Cash", "asset"),
    ("580", "Virements internes", "Interne overboekingen", "Internal transfers", "asset"),
    ("600", "Achats de matières premières", "Aankopen van grondstoffen", "Purchases of raw materials", "expense"),
    ("604", "Achats de marchandises", "Aankopen van handelsgoederen", "Purchases of goods for resale", "expense"),
    ("610", "Services et biens divers", "Diensten en diverse goederen", "Services and other goods", "expense"),
    ("613", "Rétributions de tiers", "Vergoedingen aan derden", "Fees paid to third parties", "expense"),
    (
        "620",
        "Rémunérations et avantages sociaux directs",
        "Bezoldigingen en rechtstreekse sociale voordelen",
        "Remuneration and direct social benefits",
        "expense",
    ),
    (
        "621",
        "Cotisations patronales d'assurances sociales",
        "Werkgeversbijdragen voor sociale verzekeringen",
        "Employer's social security contributions",
        "expense",
    ),
    ("623", "Autres frais de personnel", "Andere personeelskosten", "Other personnel costs", "expense"),
    ("640", "Charges fiscales d'exploitation", "Bedrijfsbelastingen", "Operating taxes", "expense"),
    ("643", "Charges d'exploitation diverses", "Diverse bedrijfskosten", "Other operating charges", "expense"),
    ("650", "Charges des dettes", "Kosten van schulden", "Interest charges", "expense"),
    ("657", "Charges financières diverses", "Diverse financiële kosten", "Other financial charges", "expense"),
    ("700", "Ventes et prestations de services", "Verkopen en dienstprestaties", "Sales and services", "income"),
    ("740", "Subsides d'exploitation", "Bedrijfssubsidies", "Operating subsidies", "income"),
    ("743", "Produits d'exploitation divers", "Diverse bedrijfsopbrengsten", "Other operating income", "income"),
    (
        "751",
        "Produits des actifs circulants",
        "Opbrengsten uit vlottende activa",
        "Income from current assets",
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
    dependencies = [("ledger", "0002_database_rules")]
    # Reversing leaves the accounts: they may already carry legs.
    operations = [migrations.RunPython(create_accounts, migrations.RunPython.noop)]

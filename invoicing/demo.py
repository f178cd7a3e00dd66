"""Demo invoices: the three demo Activities invoice clients of every kind, and a bank statement pays some.

Run by `seed_demo` after the Activities' seed (INSTALLED_APPS order), on its three Activities:

- Amélie Dubois's illustration workshop invoices a Liège theatre (21 %), her publisher (illustrations
  as a copyright cession at 6 % with layout work at 21 %), a French publisher for original plates
  (goods to an EU company: intra-Community supply, K), a Swiss gallery (export, G) and a private
  client (21 %, by e-mail);
- Pieter Janssens's studio invoices a Dutch studio (services to an EU company: reverse charge, AE),
  an Antwerp festival for his concert (exempt, article 44 §2 8°, E), a Ghent arts centre (disputed by
  the client) and a Kortrijk cultural centre;
- Emma Walsh's food photography invoices a Brussels brasserie (overdue), Les Halles Gourmandes
  (partly credited by a credit note for a cancelled shoot day), a New York magazine (prints shipped:
  export, G), and keeps one draft to issue.

Belgian companies are reached over Peppol (their `0208:` identifier is set when they are added),
the others by e-mail. Dates count back from the day the seed runs, so the demo always shows invoices
overdue, not yet due, partly paid and paid; they are issued in date order, so numbers follow dates.

Then a CODA statement of the cooperative's account, written with the CODA writer and imported by the
accountant like any bank file (`statement_import`), pays five invoices in full by their structured
communication (one of them what the credit note left to pay), one in part, and carries one payment
whose communication was typed by hand with a wrong check digit: it waits in the advisors' review
queue, the invoice it was meant for suggested.

Everything goes through the services: the member drafts, issues and credits; the advisor records
the dispute; the statement's import records the payments. Running the seed again changes nothing:
each invoice is found by its Activity and buyer reference (BT-10, which Peppol asks for anyway), the
credit note by the invoice it credits, the statement by its file's name (a later run writes other
dates, so another file, which must not be imported a second time). Delivery (PDF, then Peppol or
e-mail) is queued on commit, as for any issued invoice: the worker renders the PDFs, not the seed.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from activities.demo import ATELIER
from activities.models import Activity, HolderRole, ThirdParty, ThirdPartyKind
from activities.services import ThirdPartyData, third_party_add
from invoicing.bank.coda import coda_write
from invoicing.bank.data import LineData as StatementLine
from invoicing.bank.data import StatementData
from invoicing.bank.references import reference_digits
from invoicing.bank.statements import statement_import
from invoicing.issuers import activity_issuer
from invoicing.models import BankStatement, Invoice, InvoiceKind, InvoiceStatus, SupplyKind
from invoicing.services.invoices import (
    InvoiceData,
    LineData,
    credit_note_create,
    invoice_dispute,
    invoice_draft_create,
    invoice_issue,
)
from members.models import Member, User
from smartcoop.demo import Demo
from smartcoop.models import CooperativeEntity


@dataclass(frozen=True)
class Client:
    kind: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    language: str
    vat_number: str = ""
    iban: str = ""  # the account they pay from, as the bank statement shows it


# Fictitious clients; VAT numbers and IBANs valid by python-stdnum's rules (the services check them).
# "perron", "fabrique", "noord", "sint-pieters" and "halles" are the Activities' seed's companies.
CLIENTS: dict[str, Client] = {
    "theatre-ourthe": Client(
        ThirdPartyKind.COMPANY, "Théâtre de l'Ourthe ASBL", "Quai de l'Ourthe 32", "4020", "Liège", "BE", "fr",
        "BE0421357706", "BE59068241753026",
    ),
    "perron": Client(
        ThirdPartyKind.COMPANY, "Éditions du Perron SRL", "Rue du Perron 12", "4000", "Liège", "BE", "fr",
        "BE0456789034", "BE34001445512790",
    ),
    "fabrique": Client(
        ThirdPartyKind.COMPANY, "Éditions La Fabrique SAS", "Rue Esquermoise 21", "59000", "Lille", "FR", "fr",
        "FR19812345676",
    ),
    "carouge": Client(
        ThirdPartyKind.COMPANY, "Galerie du Vieux-Carouge Sàrl", "Rue Saint-Joseph 14", "1227", "Carouge", "CH",
        "fr",
    ),
    "ramaekers": Client(
        ThirdPartyKind.PERSON, "Hélène Ramaekers", "Rue Hors-Château 21", "4000", "Liège", "BE", "fr",
        iban="BE17363182736421",
    ),
    "noord": Client(
        ThirdPartyKind.COMPANY, "Studio Noord BV", "Noordermarkt 14", "1015 MV", "Amsterdam", "NL", "nl",
        "NL812345678B01", "NL17INGB0007581234",
    ),
    "scheldeoevers": Client(
        ThirdPartyKind.COMPANY, "Kunstenfestival Scheldeoevers vzw", "Rijnkaai 10", "2000", "Antwerpen", "BE", "nl",
        "BE0537842135", "BE73735402198360",
    ),
    "sint-pieters": Client(
        ThirdPartyKind.COMPANY, "Kunstencentrum Sint-Pieters vzw", "Sint-Pietersnieuwstraat 23", "9000", "Gent",
        "BE", "nl", "BE0689123434",
    ),
    "leiewerf": Client(
        ThirdPartyKind.COMPANY, "Cultuurcentrum De Leiewerf vzw", "Handelskaai 5", "8500", "Kortrijk", "BE", "nl",
        "BE0642991818",
    ),
    "comptoir": Client(
        ThirdPartyKind.COMPANY, "Brasserie Le Comptoir des Arts SRL", "Rue de Flandre 46", "1000", "Bruxelles",
        "BE", "fr", "BE0802466350",
    ),
    "halles": Client(
        ThirdPartyKind.COMPANY, "Les Halles Gourmandes SRL", "Rue des Halles 8", "1000", "Bruxelles", "BE", "en",
        "BE0412398765", "BE80310778841277",
    ),
    "hudson": Client(
        ThirdPartyKind.COMPANY, "Hudson Table Magazine LLC", "148 West 24th Street", "10011", "New York", "US", "en",
    ),
}  # fmt: skip


def client_data(key: str) -> ThirdPartyData:
    client = CLIENTS[key]
    return ThirdPartyData(
        kind=client.kind, name=client.name, street=client.street, postal_code=client.postal_code, city=client.city,
        country=client.country, language=client.language, vat_number=client.vat_number,
        email=f"factures@{key}.example" if client.language == "fr" else
        f"facturen@{key}.example" if client.language == "nl" else f"accounts@{key}.example",
    )  # fmt: skip


def _line(
    description: str, quantity: str, price: str, category: str = "S", rate: str = "21", *, unit: str = "C62"
) -> LineData:
    return LineData(
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        vat_category=category,
        vat_rate=Decimal(rate),
        unit=unit,
    )


@dataclass(frozen=True)
class DemoInvoice:
    reference: str  # the buyer reference (BT-10): how the seed finds the invoice again
    activity: str  # "atelier", "studio" or "kitchen"
    client: str  # a key of CLIENTS
    days_ago: int  # issued that many days before the seed runs
    lines: tuple[LineData, ...]
    supply_kind: str = SupplyKind.SERVICES
    exemption_basis: str = ""
    note: str = ""
    draft: bool = False  # kept as a draft for the member to issue


INVOICES: tuple[DemoInvoice, ...] = (
    DemoInvoice(
        "BC-2231", "kitchen", "comptoir", 95,
        (_line("Menu photography: shoot at the brasserie", "1", "680.00", unit="DAY"),
         _line("Retouched images for the menu and the website", "24", "15.00")),
    ),
    DemoInvoice(
        "LF-CMD-0871", "atelier", "fabrique", 80,
        (_line("Planche originale « Le Chant du héron » (encre et aquarelle, 32 \N{MULTIPLICATION SIGN} 45 cm)",
               "12", "180.00", "K", "0"),
         _line("Emballage et expédition des originaux vers Lille", "1", "65.00", "K", "0", unit="LS")),
        supply_kind=SupplyKind.GOODS,
    ),
    DemoInvoice(
        "KSP-VOORST-STILTE", "studio", "sint-pieters", 70,
        (_line("Geluidstechniek voorstelling « Stilte » (opbouw, repetities, première)", "3", "380.00", unit="DAY"),
         _line("Huur draadloze microfoons", "3", "45.00", unit="DAY")),
    ),
    DemoInvoice(
        "FSO-PROG-114", "studio", "scheldeoevers", 62,
        (_line("Concert « Lage Landen » op het festival, 14 augustus", "1", "1200.00", "E", "0"),
         _line("Soundcheck en repetitie met de festivaltechnici", "1", "150.00", "E", "0")),
        exemption_basis="art44-2-8",
        note="Optreden van een uitvoerend kunstenaar voor een organisator.",
    ),
    DemoInvoice(
        "EP-OISEAUX-MEUSE", "atelier", "perron", 48,
        (_line("Illustrations de l'album « Les Oiseaux de Meuse » (cession de droits d'auteur)", "24", "120.00",
               rate="6"),
         _line("Mise en page et préparation des fichiers d'impression", "8", "55.00", unit="HUR")),
    ),
    DemoInvoice(
        "HG-AUTUMN-MENU", "kitchen", "halles", 41,
        (_line("Autumn menu food photography: shoot day", "2", "650.00", unit="DAY"),
         _line("Retouched images, web and print", "40", "12.00")),
    ),
    DemoInvoice(
        "SN-2026-0412", "studio", "noord", 36,
        (_line("Mixing of the album « Lage Landen », ten tracks", "8", "450.00", "AE", "0", unit="DAY"),
         _line("Mastering for streaming and vinyl", "2", "450.00", "AE", "0", unit="DAY")),
    ),
    DemoInvoice(
        "TO-SAISON-AFFICHE", "atelier", "theatre-ourthe", 30,
        (_line("Affiche et programme de la saison (conception graphique)", "1", "1450.00", unit="LS"),
         _line("Déclinaisons pour les réseaux sociaux", "6", "85.00")),
    ),
    DemoInvoice(
        "PORTRAIT-RAMAEKERS", "atelier", "ramaekers", 24,
        (_line("Portrait de famille à l'aquarelle, sur commande", "1", "320.00"),),
    ),
    DemoInvoice(
        "LW-TECH-NOV", "studio", "leiewerf", 14,
        (_line("Klankontwerp en live-mixage theatervoorstelling", "2", "410.00", unit="DAY"),
         _line("Verplaatsing Gent-Kortrijk en terug", "180", "0.45", unit="KMT")),
    ),
    DemoInvoice(
        "HTM-PRINTS-19", "kitchen", "hudson", 10,
        (_line("Fine-art prints of the autumn series, signed (40 \N{MULTIPLICATION SIGN} 50 cm)", "6", "220.00",
               "G", "0"),
         _line("Packing and shipping to New York", "1", "95.00", "G", "0", unit="LS")),
        supply_kind=SupplyKind.GOODS,
    ),
    DemoInvoice(
        "GVC-EXPO-HIVER", "atelier", "carouge", 6,
        (_line("Dessins originaux encadrés pour l'exposition d'hiver", "4", "350.00", "G", "0"),
         _line("Emballage et transport vers Carouge", "1", "120.00", "G", "0", unit="LS")),
        supply_kind=SupplyKind.GOODS,
    ),
    DemoInvoice(
        "HG-WINTER-MENU", "kitchen", "halles", 0,
        (_line("Winter menu food photography: shoot day", "1", "650.00", unit="DAY"),),
        draft=True,
    ),
)  # fmt: skip

# The credit note: one of the two autumn shoot days was cancelled by the client.
CREDITED = "HG-AUTUMN-MENU"
CREDIT_DAYS_AGO = 35
CREDIT_REASON = "Second shoot day cancelled by Les Halles Gourmandes"
CREDIT_LINES = (_line("Autumn menu food photography: shoot day (cancelled)", "1", "650.00", unit="DAY"),)

# The Ghent arts centre contests the days invoiced: the advisor records it.
DISPUTED = "KSP-VOORST-STILTE"
DISPUTE_REASON = "The client says two days were agreed, not three; the advisor is checking the order."

ACTIVITIES = {"atelier": ("member_fr", ATELIER), "studio": ("member_nl", "Geluidsstudio Janssens"),
              "kitchen": ("member_en", "Walsh Kitchen Stories")}  # fmt: skip


def _activity(demo: Demo, slug: str) -> tuple[Activity, User]:
    user_key, name = ACTIVITIES[slug]
    manager = Member.objects.get(user=demo.users[user_key])
    activity = Activity.objects.get(name=name, holders__member=manager, holders__role=HolderRole.MANAGER)
    return activity, demo.users[user_key]


def _client(activity: Activity, key: str, actor: User) -> ThirdParty:
    return third_party_add(activity=activity, data=client_data(key), actor=actor)


def _invoice(demo: Demo, wanted: DemoInvoice, today: date) -> Invoice:
    activity, manager = _activity(demo, wanted.activity)
    invoice = Invoice.objects.filter(
        activity=activity, kind=InvoiceKind.INVOICE, buyer_reference=wanted.reference
    ).first()
    if invoice is None:
        invoice = invoice_draft_create(
            issuer=activity_issuer(activity),
            data=InvoiceData(
                client=_client(activity, wanted.client, manager), lines=wanted.lines, supply_kind=wanted.supply_kind,
                buyer_reference=wanted.reference, exemption_basis=wanted.exemption_basis, note=wanted.note,
            ),
            actor=manager,
        )  # fmt: skip
    if not wanted.draft and invoice.status == InvoiceStatus.DRAFT:
        invoice = invoice_issue(invoice=invoice, actor=manager, on=today - timedelta(days=wanted.days_ago))
    return invoice


def _credit(invoice: Invoice, *, manager: User, on: date) -> Invoice:
    note = Invoice.objects.filter(credited_invoice=invoice, kind=InvoiceKind.CREDIT_NOTE).first()
    if note is None:
        note = credit_note_create(invoice=invoice, reason=CREDIT_REASON, actor=manager, lines=CREDIT_LINES)
    if note.status == InvoiceStatus.DRAFT:
        note = invoice_issue(invoice=note, actor=manager, on=on)
    return note


def seed_invoices(demo: Demo, *, today: date) -> dict[str, Invoice]:
    """Every demo invoice, drafted and issued by its Activity's manager in date order; by buyer reference."""
    invoices: dict[str, Invoice] = {}
    credit_on = today - timedelta(days=CREDIT_DAYS_AGO)
    for wanted in sorted(INVOICES, key=lambda wanted: (wanted.draft, -wanted.days_ago)):
        # The credit note takes its number between the invoices issued before and after its date.
        if CREDITED in invoices and wanted.days_ago < CREDIT_DAYS_AGO and "credit" not in invoices:
            invoices["credit"] = _credit(invoices[CREDITED], manager=_activity(demo, "kitchen")[1], on=credit_on)
        invoices[wanted.reference] = _invoice(demo, wanted, today)
    disputed = invoices[DISPUTED]
    if disputed.status in (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID) and not disputed.status_reason:
        invoices[DISPUTED] = invoice_dispute(invoice=disputed, reason=DISPUTE_REASON, actor=demo.users["advisor"])
    return invoices


# --- the bank statement -----------------------------------------------------------------------------

STATEMENT_FILE = "demo-coda-statement.cod"
STATEMENT_DAYS_AGO = 1
# The cooperative's account before these payments: a figure, the statement holds only the demo's lines.
OPENING_BALANCE = Decimal("182417.36")


@dataclass(frozen=True)
class Paid:
    reference: str  # the invoice's buyer reference
    days_ago: int  # booked that many days before the seed runs
    amount: str = ""  # "": what the invoice still expects
    slip: bool = False  # the payer typed the communication by hand, with a wrong check digit


PAYMENTS = (
    Paid("FSO-PROG-114", 9),
    Paid("SN-2026-0412", 7),
    Paid("EP-OISEAUX-MEUSE", 6, amount="2000.00"),
    Paid("HG-AUTUMN-MENU", 5),
    Paid("TO-SAISON-AFFICHE", 3),
    Paid("PORTRAIT-RAMAEKERS", 2, slip=True),
    Paid("LW-TECH-NOV", 1),
)


def mistyped(reference: str) -> str:
    """The communication with its check digits off by one: a slip the bank does not catch in free text."""
    digits = reference_digits(reference)
    # Check digits run 01 to 97 and each ten digits have one: the next one along is always wrong.
    wrong = int(digits[10:]) % 97 + 1
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:10]}{wrong:02d}+++"


def demo_statement(invoices: dict[str, Invoice], *, today: date) -> StatementData:
    """The cooperative's account statement carrying the demo clients' payments, oldest first."""
    entity = CooperativeEntity.objects.get(country="BE")
    day = today - timedelta(days=STATEMENT_DAYS_AGO)
    lines = []
    for number, paid in enumerate(PAYMENTS, start=1):
        invoice = invoices[paid.reference]
        invoice.refresh_from_db()
        client = CLIENTS[_client_key(paid.reference)]
        reference = invoice.reference or ""
        lines.append(
            StatementLine(
                amount=Decimal(paid.amount) if paid.amount else invoice.amount_open,
                counterparty_name=client.name.upper(),  # as banks print it
                counterparty_iban=client.iban,
                # By hand in the free text, as a private payer does; a company's bank sends it structured.
                communication=f"{mistyped(reference)} portrait" if paid.slip else reference,
                structured=not paid.slip,
                booking_date=today - timedelta(days=paid.days_ago),
                value_date=today - timedelta(days=paid.days_ago),
                bank_reference=f"{day:%y%m%d}{number:04d}DEMO",
            )
        )
    return StatementData(
        account_iban=entity.iban,
        statement_id=f"{day.year}-{day.timetuple().tm_yday:03d}",  # CODA numbers statements within the year
        date=day,
        opening_balance=OPENING_BALANCE,
        lines=lines,
        account_holder=entity.name,
        bic=entity.bic,
        enterprise_number=entity.enterprise_number,
    )


def _client_key(reference: str) -> str:
    return next(wanted.client for wanted in INVOICES if wanted.reference == reference)


def seed_statement(demo: Demo, invoices: dict[str, Invoice], *, today: date) -> BankStatement:
    """The demo's CODA file, written and imported once by the accountant, as any bank file is."""
    entity = CooperativeEntity.objects.get(country="BE")
    # Found by its file name, not its content: on a later day the same seed writes other dates.
    imported = BankStatement.objects.filter(account_iban=entity.iban, file_name=STATEMENT_FILE).first()
    if imported is not None:
        return imported
    content = coda_write(demo_statement(invoices, today=today))
    return statement_import(content=content, file_name=STATEMENT_FILE, actor=demo.users["accountant"]).statement


def seed(demo: Demo) -> None:
    today = timezone.localdate()
    invoices = seed_invoices(demo, today=today)
    seed_statement(demo, invoices, today=today)

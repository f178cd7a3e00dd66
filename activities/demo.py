"""Demo Activities: a year of money in and out for the three demo members, with something waiting.

- Amélie Dubois's illustration workshop (`ATELIER`): a subsidy and a prize received, sales of
  originals with their contribution, a Belgian and a French client, an expense claim with a trip
  and a receipt approved and reimbursed, another claim waiting for the advisor, supplies bought and
  paid (one advanced by Amélie), a printer's invoice waiting, and a transfer paying Pieter's studio.
- Pieter Janssens's "Geluidsstudio Janssens": a project subsidy, recording sessions paid at the
  door, the studio's rent every month, microphones he advanced, and Amélie's transfer received.
- Emma Walsh's "Walsh Kitchen Stories": catering waiting for an advisor's approval (the trade
  register asks for the food agency's registration), supper clubs, and a transfer she asked for.

The demo has one advisor, Sophie Lambert in Brussels: the three Activities are followed from her
office so that every waiting item is hers to decide. Everything goes through the services, with
fixed dates in 2026 (nothing dated after the day the seed runs), so the balance chart has a shape.
Running the seed again changes nothing: Activities, claims, purchases and transfers are looked up
before they are created, and every posting has a stable key.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from activities.models import (
    Activity,
    ActivityTransfer,
    ClaimStatus,
    ExpenseCategory,
    ExpenseClaim,
    HolderRole,
    MileageRate,
    Purchase,
    PurchasePayee,
    PurchaseStatus,
    ThirdParty,
    ThirdPartyKind,
    Trade,
    TransferKind,
    TransferStatus,
)
from activities.services import (
    ExpenseLineData,
    PurchaseData,
    ThirdPartyData,
    activity_create,
    activity_income_record,
    activity_transfer_approve,
    activity_transfer_request,
    contribution_post_turnover,
    expense_claim_approve,
    expense_claim_create,
    expense_claim_reimburse,
    expense_claim_submit,
    expense_line_add,
    purchase_approve,
    purchase_pay,
    purchase_submit,
    third_party_add,
)
from members.models import Member, Office, User
from smartcoop.demo import Demo
from smartcoop.models import CooperativeEntity

ATELIER = "Atelier Dubois \N{EN DASH} illustration"  # the name Amélie chose, typographic dash included


def pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII), small and valid, for the demo's receipts and invoices."""
    stream = f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf(text), content_type="application/pdf")


# (name, street, postal code, city, country, language, VAT number): fictitious, but valid by
# python-stdnum's rules for their country, as the service checks them.
COMPANIES = {
    "perron": ("Éditions du Perron SRL", "Rue du Perron 12", "4000", "Liège", "BE", "fr", "BE0456789034"),
    "fabrique": ("Éditions La Fabrique SAS", "Rue Esquermoise 21", "59000", "Lille", "FR", "fr", "FR19812345676"),
    "papeterie": ("Papeterie Lambermont SRL", "Rue Lambert-le-Bègue 3", "4000", "Liège", "BE", "fr", "BE0812345603"),
    "imprimerie": ("Imprimerie Mosane SRL", "Quai de la Boverie 40", "4020", "Liège", "BE", "fr", "BE0731204509"),
    "noord": ("Studio Noord BV", "Noordermarkt 14", "1015 MV", "Amsterdam", "NL", "nl", "NL812345678B01"),
    "sint-pieters": ("Kunstencentrum Sint-Pieters vzw", "Sint-Pietersnieuwstraat 23", "9000", "Gent", "BE", "nl",
                     "BE0689123434"),
    "dok": ("Dok Studio's BV", "Koopvaardijlaan 13", "9000", "Gent", "BE", "nl", "BE0543219893"),
    "audiohuis": ("Audiohuis Gent BV", "Brabantdam 88", "9000", "Gent", "BE", "nl", "BE1001234592"),
    "halles": ("Les Halles Gourmandes SRL", "Rue des Halles 8", "1000", "Bruxelles", "BE", "en", "BE0412398765"),
    "primeurs": ("Primeurs du Marché SRL", "Place du Jeu de Balle 2", "1000", "Bruxelles", "BE", "fr", "BE0765432146"),
    "sablon": ("Location Photo Sablon SRL", "Rue Lebeau 51", "1000", "Bruxelles", "BE", "fr", "BE0887654324"),
}  # fmt: skip


def company(key: str) -> ThirdPartyData:
    name, street, postal_code, city, country, language, vat_number = COMPANIES[key]
    return ThirdPartyData(
        kind=ThirdPartyKind.COMPANY, name=name, street=street, postal_code=postal_code, city=city, country=country,
        language=language, vat_number=vat_number, email=f"factures@{key}.example",
    )  # fmt: skip


@dataclass(frozen=True)
class Income:
    day: date
    source: str  # "subsidy" (740) or "other" (743)
    amount: str
    memo: str
    contribution: bool = False  # a sale: the cooperative's contribution on turnover is charged on it


@dataclass(frozen=True)
class Line:
    day: date
    category: str
    description: str
    amount: str = "0"
    vat: str = "0"
    kilometres: str | None = None  # a trip: paid per km at the rate of its date, no receipt needed


@dataclass(frozen=True)
class Bought:
    supplier: str  # a key of COMPANIES
    reference: str
    day: date
    category: str
    description: str
    amount: str
    vat: str
    paid_on: date | None  # None: approved, not paid yet
    approve: bool = True  # False: waits for the advisor
    advanced: bool = False  # the holder paid it and is reimbursed


class Seeder:
    """One demo Activity and its manager, with the helpers that create each thing once."""

    def __init__(self, *, slug: str, activity: Activity, manager: Member, advisor: User, today: date) -> None:
        self.slug, self.activity, self.manager, self.advisor, self.today = slug, activity, manager, advisor, today

    def incomes(self, incomes: list[Income]) -> None:
        for number, income in enumerate(incomes, start=1):
            if income.day > self.today:
                continue
            key = f"demo:{self.slug}:income:{number}"
            activity_income_record(
                activity=self.activity, amount=Decimal(income.amount), source=income.source, memo=income.memo,
                received_on=income.day, key=key, actor=self.advisor,
            )  # fmt: skip
            if income.contribution:
                contribution_post_turnover(
                    activity=self.activity, turnover_excl_vat=Decimal(income.amount), booked_on=income.day,
                    key=f"{key}:contribution", actor=self.advisor,
                )  # fmt: skip

    def third_parties(self, *companies: ThirdPartyData) -> list[ThirdParty]:
        return [third_party_add(activity=self.activity, data=data, actor=self.manager.user) for data in companies]

    def claim(self, title: str, lines: list[Line], *, approve: bool, reimburse: bool) -> ExpenseClaim | None:
        if any(line.day > self.today for line in lines):
            return None
        claim = ExpenseClaim.objects.filter(activity=self.activity, title=title).first()
        if claim is None:
            worker = self.manager.user
            claim = expense_claim_create(activity=self.activity, title=title, actor=worker)
            for number, line in enumerate(lines, start=1):
                category = ExpenseCategory.objects.get(code=line.category)
                data = ExpenseLineData(
                    spent_on=line.day, category=category, description=line.description, amount=Decimal(line.amount),
                    vat=Decimal(line.vat), kilometres=Decimal(line.kilometres) if line.kilometres else None,
                )  # fmt: skip
                receipt = None if category.is_mileage else _upload(f"ticket-{number}.pdf", f"Ticket: {line.amount} EUR")
                expense_line_add(claim=claim, data=data, receipt=receipt, actor=worker)
            expense_claim_submit(claim=claim, actor=worker)
        if approve and claim.status == ClaimStatus.SUBMITTED:
            expense_claim_approve(claim=claim, actor=self.advisor)
        if reimburse and claim.status == ClaimStatus.APPROVED:
            expense_claim_reimburse(claim=claim, paid_on=self.today, actor=self.advisor)
        return claim

    def purchases(self, purchases: list[Bought]) -> None:
        for bought in purchases:
            if bought.day > self.today:
                continue
            (supplier,) = self.third_parties(company(bought.supplier))
            purchase = Purchase.objects.filter(supplier=supplier, supplier_reference=bought.reference).first()
            if purchase is None:
                purchase = purchase_submit(
                    activity=self.activity,
                    supplier=supplier,
                    data=PurchaseData(
                        supplier_reference=bought.reference, invoice_date=bought.day,
                        due_date=bought.day + timedelta(days=30),
                        category=ExpenseCategory.objects.get(code=bought.category), description=bought.description,
                        amount=Decimal(bought.amount), vat=Decimal(bought.vat),
                        payee=PurchasePayee.MEMBER if bought.advanced else PurchasePayee.SUPPLIER,
                        advanced_by=self.manager if bought.advanced else None,
                    ),
                    file=_upload(f"{bought.reference}.pdf", f"Invoice {bought.reference}: {bought.amount} EUR"),
                    actor=self.manager.user,
                )  # fmt: skip
            if bought.approve and purchase.status == PurchaseStatus.SUBMITTED:
                purchase_approve(purchase=purchase, actor=self.advisor)
            paid_on = bought.paid_on
            if paid_on is not None and paid_on <= self.today and purchase.status == PurchaseStatus.APPROVED:
                purchase_pay(purchase=purchase, paid_on=paid_on, actor=self.advisor)

    def transfer(self, *, to: Activity, kind: str, amount: str, description: str, approve: bool) -> None:
        transfer = ActivityTransfer.objects.filter(
            source=self.activity, destination=to, description=description
        ).first() or activity_transfer_request(
            source=self.activity, destination_code=to.code, kind=kind, amount=Decimal(amount),
            description=description, actor=self.manager.user,
        )  # fmt: skip
        if approve and transfer.status == TransferStatus.SUBMITTED:
            activity_transfer_approve(transfer=transfer, actor=self.advisor)


def _activity(*, name: str, manager: Member, trades: list[str], description: str) -> Activity:
    existing = Activity.objects.filter(name=name, holders__member=manager, holders__role=HolderRole.MANAGER).first()
    if existing is not None:
        return existing
    # The member opens it; followed by the Brussels office, whose advisor is the demo's only one.
    return activity_create(
        name=name, holder=manager, trades=[Trade.objects.get(code=code) for code in trades], actor=manager.user,
        description=description, office=Office.objects.get(code="bruxelles"),
    )  # fmt: skip


def _monthly_rent(today: date) -> list[Bought]:
    """The studio's rent, invoiced on the 5th and paid on the 15th of every month of 2026 so far."""
    rents = []
    for month in range(1, 13):
        rent = Bought(
            "dok", f"DOK-2026-{month:02d}", date(2026, month, 5), "rent", f"Huur opnamestudio {month:02d}/2026",
            "544.50", "94.50", paid_on=date(2026, month, 15),
        )  # fmt: skip
        if rent.day <= today:
            rents.append(rent)
    return rents


def seed(demo: Demo) -> None:
    # The annual ceiling from 1 July 2025 to 30 June 2026 (0.4449 EUR/km; Belgian payroll
    # bureaus' publication of the federal rate); advisors enter the next one in the admin.
    entity = CooperativeEntity.objects.get(country="BE")
    MileageRate.objects.get_or_create(entity=entity, valid_from=date(2025, 7, 1), defaults={"rate": Decimal("0.4449")})
    advisor = demo.users["advisor"]
    today = timezone.localdate()
    amelie, pieter, emma = (Member.objects.get(user=demo.users[key]) for key in ("member_fr", "member_nl", "member_en"))

    atelier = Seeder(
        slug="atelier-dubois",
        activity=_activity(
            name=ATELIER, manager=amelie, trades=["illustrator", "graphic-designer"],
            description="Illustration jeunesse et bande dessinée, affiches et identités visuelles.",
        ),
        manager=amelie, advisor=advisor, today=today,
    )  # fmt: skip
    studio = Seeder(
        slug="geluidsstudio-janssens",
        activity=_activity(
            name="Geluidsstudio Janssens", manager=pieter, trades=["sound-engineer", "musician"],
            description="Opname, mixage en mastering voor muzikanten, theater en podcasts.",
        ),
        manager=pieter, advisor=advisor, today=today,
    )  # fmt: skip
    kitchen = Seeder(
        slug="walsh-kitchen-stories",
        activity=_activity(
            name="Walsh Kitchen Stories", manager=emma, trades=["photographer", "caterer"],
            description="Food photography for restaurants and supper clubs around Brussels.",
        ),
        manager=emma, advisor=advisor, today=today,
    )  # fmt: skip

    # Money in first: every approval below is checked against what the Activity has.
    atelier.incomes([
        Income(date(2026, 2, 16), "subsidy", "4500.00",
               "Fédération Wallonie-Bruxelles: bourse d'aide à la création (illustration)"),
        Income(date(2026, 4, 24), "other", "1200.00", "Prix du jury: Festival BD de Liège 2026"),
        Income(date(2026, 6, 13), "other", "860.00", "Vente d'originaux au Salon de Namur (déclaration de recette)",
               contribution=True),
        Income(date(2026, 9, 19), "other", "640.00", "Vente d'originaux: Parcours d'artistes (déclaration de recette)",
               contribution=True),
    ])  # fmt: skip
    studio.incomes([
        Income(date(2026, 1, 3), "other", "1200.00", "Nieuwjaarsconcert opname: kassa-opbrengst", contribution=True),
        Income(date(2026, 1, 24), "other", "950.00", "Live-sessie opname: kassa-opbrengst", contribution=True),
        Income(date(2026, 3, 2), "subsidy", "6000.00", "Vlaamse overheid: projectsubsidie Kunstendecreet (opnames)"),
        Income(date(2026, 3, 28), "other", "780.00", "Podcastopnames maart: kassa-opbrengst", contribution=True),
        Income(date(2026, 5, 30), "other", "1240.00", "Live-sessie opname: kassa-opbrengst", contribution=True),
        Income(date(2026, 7, 18), "other", "1100.00", "Zomerfestival: registratie concert", contribution=True),
        Income(date(2026, 10, 3), "other", "890.00", "Podcastopnames september: kassa-opbrengst",
               contribution=True),
    ])  # fmt: skip
    kitchen.incomes([
        Income(date(2026, 4, 7), "subsidy", "2500.00", "hub.brussels: start-up grant for creative food projects"),
        Income(date(2026, 5, 23), "other", "620.00", "Supper club #1: tickets sold at the door", contribution=True),
        Income(date(2026, 8, 29), "other", "780.00", "Supper club #2: tickets sold at the door", contribution=True),
        Income(date(2026, 10, 17), "other", "1500.00", "Sponsorship: Les Halles Gourmandes (autumn menu shoot)"),
    ])  # fmt: skip

    atelier.third_parties(company("perron"), company("fabrique"))
    studio.third_parties(company("noord"), company("sint-pieters"))
    kitchen.third_parties(company("halles"))

    atelier.purchases([
        Bought("papeterie", "PL-2026-0142", date(2026, 3, 5), "supplies", "Papier aquarelle 300 g et encres",
               "363.00", "63.00", paid_on=date(2026, 3, 20)),
        Bought("papeterie", "PL-2026-0388", date(2026, 5, 12), "supplies", "Tablette graphique (avancée par Amélie)",
               "1089.00", "189.00", paid_on=date(2026, 5, 22), advanced=True),
        Bought("imprimerie", "IM-26-1107", date(2026, 10, 28), "advertising", "Impression de 50 tirages d'art signés",
               "605.00", "105.00", paid_on=None, approve=False),
        # Approved, to be paid at its due date: what the Activity has committed.
        Bought("papeterie", "PL-2026-1112", date(2026, 11, 12), "supplies", "Encres pigmentaires et papier chiffon",
               "242.00", "42.00", paid_on=None),
    ])  # fmt: skip
    studio.purchases([
        *_monthly_rent(today),
        Bought("audiohuis", "AH-26-0415", date(2026, 4, 8), "supplies", "Twee condensatormicrofoons (voorgeschoten)",
               "2420.00", "420.00", paid_on=date(2026, 4, 20), advanced=True),
    ])  # fmt: skip
    kitchen.purchases([
        Bought("sablon", "LPS-0526", date(2026, 5, 18), "rent", "Macro lens and lights, one week's hire",
               "302.50", "52.50", paid_on=date(2026, 5, 29)),
        Bought("primeurs", "PM-2026-0831", date(2026, 8, 27), "raw-materials", "Vegetables and spices, supper club #2",
               "212.00", "12.00", paid_on=date(2026, 9, 4)),
    ])  # fmt: skip

    atelier.claim(
        "Rencontre Éditions du Perron (Bruxelles)",
        [
            Line(date(2026, 3, 18), "mileage", "Liège-Bruxelles aller-retour", kilometres="196"),
            Line(date(2026, 3, 18), "supplies", "Carnets et feutres pour le rendez-vous", "48.40", "8.40"),
        ],
        approve=True, reimburse=True,
    )  # fmt: skip
    atelier.claim(
        "Fête de la BD de Bruxelles",
        [
            Line(date(2026, 10, 24), "accommodation", "Hôtel, deux nuits", "212.00", "12.00"),
            Line(date(2026, 10, 25), "meals", "Repas avec l'éditrice", "38.50", "4.13"),
        ],
        approve=False, reimburse=False,
    )  # fmt: skip
    kitchen.claim(
        "Supper club #1: shopping and trips",
        [
            Line(date(2026, 5, 21), "raw-materials", "Market shopping for the tasting menu", "64.20", "3.63"),
            Line(date(2026, 5, 21), "mileage", "Brussels-Halle and back, farm produce", kilometres="42"),
        ],
        approve=True, reimburse=True,
    )  # fmt: skip

    atelier.transfer(
        to=studio.activity, kind=TransferKind.SERVICE, amount="750.00", approve=True,
        description="Mixage de la bande-son du livre animé « Les Oiseaux de Meuse »",
    )  # fmt: skip
    kitchen.transfer(
        to=atelier.activity, kind=TransferKind.SERVICE, amount="400.00", approve=False,
        description="Illustrations for the supper club menus",
    )  # fmt: skip

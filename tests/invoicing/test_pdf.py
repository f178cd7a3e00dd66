"""The invoice's PDF, read back as a client reads it: real WeasyPrint PDFs opened with pypdf, the EPC
QR code decoded from the rendered page (pdftoppm, then zxing-cpp), in the client's language.

Words are asserted in English only where the invoice is in English; a French or Dutch invoice is
checked by what no catalogue changes (names, numbers, dates) and by its number format (1 234,56 in
French, 1.234,56 in Dutch). A mention of the VAT code is compared with its catalogue's own text in
the invoice's language, so the tests hold once the catalogues are translated.
"""

import io
import subprocess
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from django.conf import LazySettings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import override_settings
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image
from pypdf import PdfReader

from activities.models import Activity, ThirdParty
from activities.services import third_party_add
from activities.services.third_parties import ThirdPartyData
from invoicing import vat
from invoicing.documents import (
    invoice_payment_details,
    invoice_pdf_build,
    invoice_pdf_bytes,
    invoice_pdf_html,
    invoice_pdf_render,
    invoice_qr_svg,
)
from invoicing.models import Invoice
from invoicing.services.invoices import credit_note_create, invoice_issue
from invoicing.services.payments import invoice_payment_record
from members.models import CapitalCall, Member, User
from members.services import capital_call_issue, capital_call_payment
from smartcoop.epc import epc_payload
from smartcoop.errors import ConflictError
from smartcoop.models import CooperativeEntity
from tests.invoicing.conftest import ISSUED_ON, MakeInvoice, line

pytestmark = pytest.mark.django_db

NBSP = "\xa0"


@pytest.fixture(autouse=True)
def _media(settings: LazySettings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # the PDFs of a test land in its own directory


@pytest.fixture(autouse=True)
def _legal_identity(cooperative: CooperativeEntity) -> None:
    # The mentions of the Code of companies and associations the test entity lacks.
    cooperative.legal_form = "SC"
    cooperative.register_court = "RPM Bruxelles"
    cooperative.save(update_fields=["legal_form", "register_court"])


@pytest.fixture
def client_nl(activity: Activity, holder: Member) -> ThirdParty:
    data = ThirdPartyData(
        kind="company",
        name="Muziekcentrum De Kreun vzw",
        street="Conservatoriumplein 1",
        postal_code="8500",
        city="Kortrijk",
        country="BE",
        language="nl",
        email="facturen@example.be",
        vat_number="BE0456789034",
    )
    return third_party_add(activity=activity, data=data, actor=holder.user)


# --- reading a PDF back -----------------------------------------------------------------------------


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text, spaces normalised (a non-breaking space groups thousands in French)."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().replace(NBSP, " ").replace("\u202f", " ").split()) for page in reader.pages]


def pdf_text(pdf: bytes) -> str:
    return " ".join(pdf_pages(pdf))


def flat(text: str) -> str:
    return " ".join(text.replace(NBSP, " ").split())


def qr_payloads(pdf: bytes, page: int, tmp_path: Path) -> list[str]:
    """The QR codes on `page` (1-based), decoded from the page rendered at 150 dpi as a phone would see it."""
    source = tmp_path / "scan.pdf"
    source.write_bytes(pdf)
    for old in tmp_path.glob("scan-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), str(source), str(tmp_path / "scan")],
        check=True,
    )
    (image_path,) = tmp_path.glob("scan-*.png")
    with Image.open(image_path) as image:
        return [result.text for result in zxingcpp.read_barcodes(image)]


def in_language(language: str, text: object) -> str:
    with translation.override(language):
        return flat(str(text))


# --- what every invoice prints ----------------------------------------------------------------------


def test_domestic_invoice_prints_every_legal_mention_in_belgian_french(
    make_invoice: MakeInvoice, client_be: ThirdParty, activity: Activity, tmp_path: Path
) -> None:
    activity.terms_of_sale = "Paiement à 30 jours. Tout litige relève des tribunaux de Bruxelles."
    activity.save(update_fields=["terms_of_sale"])
    invoice = make_invoice(
        client_be,
        line("Concert du 28 février", "1", "1234.56"),
        buyer_reference="Saison 2026",
        purchase_order="BC-4471",
    )
    assert invoice.language == "fr"

    pdf, pages = invoice_pdf_render(invoice)
    assert pages == 1
    text = pdf_text(pdf)
    # The cooperative: name, legal form, seat, enterprise number, register and court, VAT, account.
    for printed in ("SmartCoop SC", "Rue de la Coopération 1, 1060 Saint-Gilles", "0754.316.243", "RPM Bruxelles"):
        assert printed in text, printed
    assert "BE 0754.316.243" in text
    assert "BE36 0682 0000 0081" in text and "GKCCBEBB" in text
    # The Activity's trade name and terms of sale; the client as copied at issue, with their VAT number.
    assert "Studio Dubois" in text
    assert flat(activity.terms_of_sale) in text
    assert "Théâtre de la Balsamine" in text and "Rue Haute 12" in text and "1000 Bruxelles" in text
    assert "BE 0403.019.261" in text
    # Number, issue date, date of supply, due date (30 days), the buyer's references.
    assert "F2026-000001" in text
    assert "10/03/2026" in text and "09/04/2026" in text
    assert "Saison 2026" in text and "BC-4471" in text
    # The line, its unit price and rate, the totals and what is due, as a Belgian French reader writes them.
    assert "Concert du 28 février" in text
    assert "1 234,56" in text and "21 %" in text
    assert "259,26 EUR" in text  # VAT
    assert "1 493,82 EUR" in text  # total incl. VAT, and due
    assert invoice.reference and invoice.reference in text


def test_mixed_rates_are_totalled_per_rate_in_belgian_dutch(make_invoice: MakeInvoice, client_nl: ThirdParty) -> None:
    invoice = make_invoice(
        client_nl,
        line("Optreden", "2", "750"),
        line("Affiches", "100", "12.15", rate="6"),
        line("Programmaboekjes", "3", "0.3333", rate="6"),
    )
    assert invoice.language == "nl"
    figures = vat.totals(
        [vat.LineAmount(li.quantity, li.unit_price, li.vat_category, li.vat_rate) for li in invoice.lines.all()]
    )
    assert [(g.rate, g.base, g.vat) for g in figures.groups] == [
        (Decimal("21.00"), Decimal("1500.00"), Decimal("315.00")),
        (Decimal("6.00"), Decimal("1216.00"), Decimal("72.96")),
    ]

    text = pdf_text(invoice_pdf_render(invoice)[0])
    # Each rate's base and VAT, and the totals, in the Dutch grouping; a four-decimal price as given.
    for printed in ("1.500,00 EUR", "315,00 EUR", "1.216,00 EUR", "72,96 EUR", "2.716,00 EUR", "387,96 EUR"):
        assert printed in text, printed
    assert "3.103,96 EUR" in text
    assert "0,3333" in text and "12,15" in text and "6 %" in text and "21 %" in text
    assert "Muziekcentrum De Kreun vzw" in text and "BE 0456.789.034" in text


def test_reverse_charge_to_a_french_business_prints_the_mention_and_no_vat(
    make_invoice: MakeInvoice, client_fr: ThirdParty
) -> None:
    invoice = make_invoice(client_fr, line("Conception lumière", "3", "400", category="AE", rate="0"))
    assert invoice.total_vat == Decimal("0.00")

    text = pdf_text(invoice_pdf_render(invoice)[0])
    assert in_language("fr", vat.REVERSE_CHARGE.mention) in text
    assert "Atelier Lumière SARL" in text and "75002 Paris" in text and "FR" in text
    assert "FR 403 032 650 45" in text  # the client's VAT number, which the reverse charge needs
    assert "0 % (AE)" in text
    assert "1 200,00 EUR" in text and "0,00 EUR" in text


def test_exempt_supply_prints_its_legal_basis(make_invoice: MakeInvoice, client_be: ThirdParty) -> None:
    invoice = make_invoice(
        client_be, line("Récital", "1", "800", category="E", rate="0"), exemption_basis="art44-2-8", language="en"
    )

    text = pdf_text(invoice_pdf_render(invoice)[0])
    assert in_language("en", vat.EXEMPTIONS["art44-2-8"].mention) in text
    assert "Exempt" in text or "exempt" in text
    assert "800.00 EUR" in text  # English: 1,089.00


def test_export_of_goods_to_the_united_states_reads_in_english(
    make_invoice: MakeInvoice, client_us: ThirdParty
) -> None:
    invoice = make_invoice(
        client_us,
        line("Hand-built guitar amplifier", "2", "1450", category="G", rate="0"),
        supply_kind="goods",
        supply_date=date(2026, 3, 6),
    )
    assert invoice.language == "en"

    with translation.override("en"):
        text = pdf_text(invoice_pdf_render(invoice)[0])
        assert "Invoice F2026-000001" in text
        assert in_language("en", vat.EXPORT.mention) in text
        assert "Date of delivery 06/03/2026" in text  # goods: delivery, day first
        assert "Due date 09/04/2026" in text
        assert "Brooklyn Sound Inc." in text and "11249 New York" in text and "US" in text
        assert "Total incl. VAT 2,900.00 EUR" in text
        assert "Amount due 2,900.00 EUR" in text
        assert "Page 1/1" in text


def test_credit_note_names_the_invoice_it_corrects_and_asks_for_no_payment(
    make_invoice: MakeInvoice, client_be: ThirdParty, holder: Member, tmp_path: Path
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"), language="en")
    note = credit_note_create(
        invoice=invoice, reason="Second set cancelled", actor=holder.user, lines=[line("Concert", "1", "400")]
    )
    note = invoice_issue(invoice=note, actor=holder.user, on=ISSUED_ON)

    pdf, _pages = invoice_pdf_render(note)
    text = pdf_text(pdf)
    assert "Credit note NC2026-000001" in text
    assert "This credit note corrects invoice F2026-000001 of 10/03/2026." in text
    assert "Second set cancelled" in text
    assert "VAT to be repaid to the State insofar as it was initially deducted." in text
    assert "484.00 EUR" in text
    # Nothing to pay: no transfer asked, no QR code, no due date.
    assert "Please pay" not in text and "Due date" not in text and str(invoice.reference) not in text
    assert qr_payloads(pdf, 1, tmp_path) == []
    assert invoice_qr_svg(note) == ""


# --- the transfer and its QR code -------------------------------------------------------------------


def test_qr_code_on_the_pdf_carries_the_transfer_the_invoice_asks_for(
    make_invoice: MakeInvoice, client_be: ThirdParty, tmp_path: Path
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1020.30"))
    assert invoice.total_incl_vat == Decimal("1234.56")

    pdf, _pages = invoice_pdf_render(invoice)
    (payload,) = qr_payloads(pdf, 1, tmp_path)
    fields = payload.split("\n")
    assert fields[:4] == ["BCD", "002", "1", "SCT"]  # service tag, version 002, UTF-8, SEPA credit transfer
    assert fields[4] == "GKCCBEBB"
    assert fields[5] == "SmartCoop"
    assert fields[6] == "BE36068200000081"
    assert fields[7] == "EUR1234.56"
    assert fields[8:10] == ["", ""]  # no purpose; no ISO 11649 reference
    assert fields[10] == invoice.reference  # the structured communication, in the remittance text
    with translation.override(invoice.language):
        information = gettext("Invoice %(number)s") % {"number": invoice.number}
    assert fields[11] == information  # shown to the payer, in the client's language
    assert len(payload.encode()) <= 331
    # The page's QR code and the PDF's carry one payload, from one source.
    assert payload == epc_payload(invoice_payment_details(invoice), information=information)
    assert invoice_qr_svg(invoice).startswith("<svg")


def test_partly_paid_invoice_asks_for_what_is_left_and_a_paid_one_for_nothing(
    make_invoice: MakeInvoice,
    client_be: ThirdParty,
    advisor: User,
    tmp_path: Path,
) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"), language="en")
    invoice_payment_record(
        invoice=invoice, amount=Decimal("210.00"), paid_on=date(2026, 3, 20), key="t:1", actor=advisor
    )
    invoice.refresh_from_db()

    pdf, _pages = invoice_pdf_render(invoice)
    text = pdf_text(pdf)
    assert "Already paid \u2212 210.00 EUR" in text
    assert "Amount due 1,000.00 EUR" in text
    assert qr_payloads(pdf, 1, tmp_path)[0].split("\n")[7] == "EUR1000.00"

    invoice_payment_record(
        invoice=invoice, amount=Decimal("1000.00"), paid_on=date(2026, 3, 21), key="t:2", actor=advisor
    )
    invoice.refresh_from_db()
    pdf, _pages = invoice_pdf_render(invoice)
    assert qr_payloads(pdf, 1, tmp_path) == []
    assert "Please pay" not in pdf_text(pdf)
    assert invoice_qr_svg(invoice) == ""


def test_capital_calls_and_invoices_draw_their_qr_code_from_one_payload(
    make_invoice: MakeInvoice, client_be: ThirdParty, holder: Member
) -> None:
    call: CapitalCall = capital_call_issue(member=holder, quantity=3, on=ISSUED_ON, actor=None)
    fields = epc_payload(capital_call_payment(call=call)).split("\n")
    assert fields == [
        "BCD",
        "002",
        "1",
        "SCT",
        "GKCCBEBB",
        "SmartCoop",
        "BE36068200000081",
        "EUR90.00",
        "",
        "",
        call.reference,
    ]


# --- pages, logo, storage ---------------------------------------------------------------------------


def test_a_long_invoice_runs_over_pages_with_its_header_and_page_numbers(
    make_invoice: MakeInvoice, client_us: ThirdParty, tmp_path: Path
) -> None:
    lines = [line(f"Session {n:02d}: rehearsal and recording", "1.5", "85") for n in range(1, 81)]
    invoice = make_invoice(client_us, *lines)

    pdf, pages = invoice_pdf_render(invoice)
    assert pages >= 2
    texts = pdf_pages(pdf)
    assert len(texts) == pages
    for number, text in enumerate(texts, start=1):
        assert f"Page {number}/{pages}" in text  # the client reads English
        assert "Description" in text and "Amount excl. VAT" in text, f"page {number} repeats the table's header"
    assert "Session 01" in texts[0] and "Session 80" in texts[-1]
    assert "10,200.00 EUR" in texts[-1] and "12,342.00 EUR" in texts[-1]
    # The QR code is with the payment details, after the totals on the last page.
    (payload,) = qr_payloads(pdf, pages, tmp_path)
    assert payload.split("\n")[7] == "EUR12342.00"


def test_the_activitys_logo_is_printed_from_storage(
    make_invoice: MakeInvoice, client_be: ThirdParty, activity: Activity
) -> None:
    buffer = io.BytesIO()
    Image.effect_noise((1200, 1200), 64).convert("RGB").save(buffer, format="PNG")  # a heavy upload
    assert len(buffer.getvalue()) > 1_000_000
    activity.logo.save("logo.png", ContentFile(buffer.getvalue()), save=True)
    invoice = make_invoice(client_be)
    assert invoice.logo

    pdf, _pages = invoice_pdf_render(invoice)
    (image,) = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert image.image is not None and max(image.image.size) <= 600  # scaled down, not copied whole into every invoice

    default_storage.delete(invoice.logo)  # a logo gone from storage: the invoice still prints, without it
    invoice.logo = "activities/gone/logo-missing.png"
    assert len(PdfReader(io.BytesIO(invoice_pdf_render(invoice)[0])).pages[0].images) == 0


def test_building_twice_renders_once(make_invoice: MakeInvoice, client_be: ThirdParty, settings: LazySettings) -> None:
    invoice = make_invoice(client_be)

    assert invoice_pdf_build(invoice_id=invoice.pk) == 1
    invoice.refresh_from_db()
    stored = invoice.pdf.name
    assert stored == "invoices/2026/F2026-000001.pdf" and invoice.pdf_pages == 1

    assert invoice_pdf_build(invoice_id=invoice.pk) == 1
    invoice.refresh_from_db()
    assert invoice.pdf.name == stored
    assert [p.name for p in (Path(settings.MEDIA_ROOT) / "invoices" / "2026").iterdir()] == ["F2026-000001.pdf"]
    assert invoice_pdf_bytes(invoice) == (Path(settings.MEDIA_ROOT) / stored).read_bytes()


def test_the_stored_pdf_is_built_when_first_asked_for(make_invoice: MakeInvoice, client_be: ThirdParty) -> None:
    invoice = make_invoice(client_be)
    assert not invoice.pdf

    data = invoice_pdf_bytes(invoice)
    assert "F2026-000001" in pdf_text(data)
    assert Invoice.objects.get(pk=invoice.pk).pdf.name == "invoices/2026/F2026-000001.pdf"


def test_a_draft_has_no_pdf(make_invoice: MakeInvoice, client_be: ThirdParty) -> None:
    draft = make_invoice(client_be, issue=False)
    with pytest.raises(ConflictError):
        invoice_pdf_build(invoice_id=draft.pk)
    with pytest.raises(ConflictError):
        invoice_pdf_html(draft)
    assert not Invoice.objects.get(pk=draft.pk).pdf


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_store_one_pdf(
    make_invoice: MakeInvoice, client_be: ThirdParty, settings: LazySettings
) -> None:
    invoice = make_invoice(client_be)
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def build() -> None:
        try:
            start.wait()
            results.append(invoice_pdf_build(invoice_id=invoice.pk))
        except BaseException as error:  # noqa: BLE001 -- reported by the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and results == [1, 1]
    assert [p.name for p in (Path(settings.MEDIA_ROOT) / "invoices" / "2026").iterdir()] == ["F2026-000001.pdf"]


# --- manage.py invoice_pdf --------------------------------------------------------------------------


def test_command_writes_the_pdf_of_an_issued_invoice(
    make_invoice: MakeInvoice, client_be: ThirdParty, tmp_path: Path
) -> None:
    invoice = make_invoice(client_be)
    target = tmp_path / "out" / "invoice.pdf"
    target.parent.mkdir()

    call_command("invoice_pdf", invoice.number, str(target), stdout=io.StringIO())
    assert "F2026-000001" in pdf_text(target.read_bytes())
    assert target.read_bytes() == invoice_pdf_bytes(Invoice.objects.get(pk=invoice.pk))


def test_command_refuses_an_unknown_number_and_a_draft(
    make_invoice: MakeInvoice, client_be: ThirdParty, tmp_path: Path
) -> None:
    draft = make_invoice(client_be, issue=False)
    with pytest.raises(CommandError, match="F2026-000042"):
        call_command("invoice_pdf", "F2026-000042", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="draft"):
        call_command("invoice_pdf", str(draft.pk), str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


@override_settings(LANGUAGE_CODE="en")
def test_html_is_in_the_clients_language_whatever_the_readers(make_invoice: MakeInvoice, client_nl: ThirdParty) -> None:
    invoice = make_invoice(client_nl, line("Optreden", "1", "1089"))
    with translation.override("en"):
        html = invoice_pdf_html(invoice)
    assert '<html lang="nl">' in html
    assert "1.317,69 EUR" in html.replace(NBSP, " ")
    assert translation.get_language() == "en"

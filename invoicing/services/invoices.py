"""Drafting, issuing and correcting invoices and credit notes.

A draft is written whole by `invoice_draft_save` (the member's form sends every line each time,
so there is no half-edited state); `invoice_issue` then makes it a legal document in one
transaction: the invoice row is locked, then its series' counter (always in that order, so two
issuers never deadlock), the number is the counter's next, the client's details are copied, the
totals stored, the structured communication given, and the ledger posted under the key
`invoice:<id>:issue`. Whatever fails rolls the counter back with the rest: no gap, no duplicate.

A credit note is a draft that names the invoice it credits; on issue it may not exceed, per VAT
category and rate, what remains of the invoice's base once the earlier credit notes are deducted.
It is set off against the invoice's open amount (`amount_credited`); what the client had already
paid beyond that is theirs to be refunded (left to an advisor).

Postings (PCMN). An Activity's books read 400 on its analytic account as what clients owe it
excl. VAT (`activities.selectors.BOOKS`), so the receivable is split: the part excl. VAT carries
the analytic account, the VAT part does not (VAT is the cooperative's business with the State).
Issue: 400 (analytic, excl.) + 400 (VAT) to 700 (analytic) and 451. Available money does not move
until the client pays (`invoicing.services.payments`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from activities.models import ActivityStatus, ThirdParty
from activities.services.third_parties import clean_vat_number
from invoicing import vat as vat_rules
from invoicing.access import invoice_notify_users
from invoicing.issuers import Issuer
from invoicing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    SupplyKind,
)
from members.identity import structured_communication
from members.models import User
from smartcoop.access import require
from smartcoop.audit.services import audit_record, changes, name_actions, snapshot
from smartcoop.errors import ConflictError, InvalidInput, Refusals
from smartcoop.ledger.models import Transaction
from smartcoop.ledger.services import LegSpec, books_memo, credit, debit, ledger_post
from smartcoop.models import CooperativeEntity
from smartcoop.money import MAX_AMOUNT, ZERO, amount_text
from smartcoop.notifications import notify

RECEIVABLE, VAT_PAYABLE, TURNOVER, WRITE_OFF = "400", "451", "700", "642"
SERIES = {InvoiceKind.INVOICE: "F", InvoiceKind.CREDIT_NOTE: "NC"}
MAX_LINES = 200
# Structured communications of invoices start with 1, capital calls' (members) with 0: unique across both.
REFERENCE_BASE = 1_000_000_000

name_actions(
    {
        "invoice.draft_saved": gettext_lazy("Invoice draft saved"),
        "invoice.issued": gettext_lazy("Invoice issued"),
        "invoice.credit_note_issued": gettext_lazy("Credit note issued"),
        "invoice.credited": gettext_lazy("Invoice credited"),
        "invoice.disputed": gettext_lazy("Invoice disputed"),
        "invoice.dispute_closed": gettext_lazy("Dispute closed"),
        "invoice.written_off": gettext_lazy("Invoice written off"),
        "invoice.draft_deleted": gettext_lazy("Invoice draft deleted"),
    }
)


@dataclass(frozen=True)
class LineData:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_category: str
    vat_rate: Decimal
    unit: str = "C62"


@dataclass(frozen=True)
class InvoiceData:
    client: ThirdParty
    lines: Sequence[LineData]
    language: str = ""  # the client's by default
    supply_kind: str = SupplyKind.SERVICES
    supply_date: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    due_date: date | None = None
    buyer_reference: str = ""
    purchase_order: str = ""
    exemption_basis: str = ""
    note: str = ""


# --- checks ---------------------------------------------------------------------------------------


def _decimal(value: object, *, field: str, refusals: Refusals) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        refusals.add(field, _("Enter a number."))
        return None
    if not number.is_finite():
        refusals.add(field, _("Enter a number."))
        return None
    return number


def _check_lines(lines: Sequence[LineData], *, refusals: Refusals) -> list[LineData]:
    if not lines:
        refusals.add("lines", _("Add at least one line."))
        return []
    if len(lines) > MAX_LINES:
        refusals.add("lines", _("An invoice has at most %(count)s lines.") % {"count": MAX_LINES})
        return []
    cleaned: list[LineData] = []
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        number = index + 1
        description = line.description.strip()
        if not description:
            refusals.add(f"{prefix}.description", _("Line %(n)s: describe what is invoiced.") % {"n": number})
        quantity = _decimal(line.quantity, field=f"{prefix}.quantity", refusals=refusals)
        price = _decimal(line.unit_price, field=f"{prefix}.unit_price", refusals=refusals)
        rate = _decimal(line.vat_rate, field=f"{prefix}.vat_rate", refusals=refusals)
        if quantity is not None and (quantity <= 0 or quantity != quantity.quantize(Decimal("0.001"))):
            refusals.add(
                f"{prefix}.quantity",
                _("Line %(n)s: the quantity is a positive number with at most three decimals.") % {"n": number},
            )
        if price is not None and (price < 0 or price != price.quantize(Decimal("0.0001")) or price > MAX_AMOUNT):
            refusals.add(
                f"{prefix}.unit_price",
                _("Line %(n)s: the unit price is zero or more, with at most four decimals.") % {"n": number},
            )
        if line.unit not in vat_rules.UNITS:
            refusals.add(f"{prefix}.unit", _("Line %(n)s: choose a unit from the list.") % {"n": number})
        if line.vat_category not in vat_rules.CATEGORIES:
            refusals.add(f"{prefix}.vat_category", _("Line %(n)s: choose a VAT treatment.") % {"n": number})
        elif rate is not None and vat_rules.to_rate(rate) not in vat_rules.rates_for(line.vat_category):
            allowed = ", ".join(f"{r.normalize():f} %" for r in vat_rules.rates_for(line.vat_category))
            refusals.add(
                f"{prefix}.vat_rate",
                _("Line %(n)s: a VAT rate of %(rate)s %% does not exist here; choose %(allowed)s.")
                % {"n": number, "rate": rate.normalize(), "allowed": allowed},
            )
        if description and quantity is not None and price is not None and rate is not None:
            cleaned.append(
                LineData(
                    description=description[:300],
                    quantity=quantity,
                    unit_price=price,
                    vat_category=line.vat_category,
                    vat_rate=vat_rules.to_rate(rate),
                    unit=line.unit,
                )
            )
    return cleaned


def _check_vat_treatment(
    *, client: ThirdParty, lines: Sequence[LineData], supply_kind: str, exemption_basis: str, refusals: Refusals
) -> None:
    """The rules a Belgian invoice's VAT must follow, each refusal naming the rule a member can act on."""
    categories = {line.vat_category for line in lines}
    country = client.country.upper()
    needs_vat = categories & vat_rules.NEEDS_CLIENT_VAT
    if needs_vat:
        if not client.vat_number:
            refusals.add(
                "client",
                _("Reverse charge and intra-Community supplies need the client's VAT number: add it to the client."),
            )
        else:
            try:
                clean_vat_number(country=country, number=client.vat_number)
            except InvalidInput:
                refusals.add("client", _("The client's VAT number is not valid for their country."))
        if country == "BE" or country not in vat_rules.EU_COUNTRIES:
            refusals.add(
                "client",
                _("Reverse charge and intra-Community supplies are for clients established in another EU country."),
            )
    if "K" in categories and supply_kind != SupplyKind.GOODS:
        refusals.add("supply_kind", _("An intra-Community supply is a supply of goods."))
    if "G" in categories and country in vat_rules.EU_COUNTRIES:
        refusals.add("client", _("An export is to a client outside the European Union."))
    if "E" in categories and exemption_basis not in vat_rules.EXEMPTIONS:
        refusals.add("exemption_basis", _("Choose the legal basis of the exemption."))
    if "O" in categories and len(categories) > 1:
        # BR-O-11..14: a document outside the scope of VAT has no other VAT category.
        refusals.add("lines", _("A supply outside the scope of VAT cannot be invoiced with other VAT treatments."))


def _check_dates(data: InvoiceData, refusals: Refusals) -> None:
    if data.period_start and data.period_end and data.period_start > data.period_end:
        refusals.add("period_end", _("The period ends before it starts."))
    if bool(data.period_start) != bool(data.period_end):
        refusals.add("period_end", _("Give both ends of the period, or neither."))


# --- drafts -----------------------------------------------------------------------------------------


def _check_draft(data: InvoiceData) -> list[LineData]:
    refusals = Refusals()
    lines = _check_lines(data.lines, refusals=refusals)
    if data.supply_kind not in SupplyKind.values:
        refusals.add("supply_kind", _("Choose services or goods."))
    if data.language and data.language not in ("fr", "nl", "en"):
        refusals.add("language", _("Choose a language."))
    for name, text, limit in (
        ("buyer_reference", data.buyer_reference, 100),
        ("purchase_order", data.purchase_order, 100),
    ):
        if len(text.strip()) > limit:
            refusals.add(name, _("At most %(count)s characters.") % {"count": limit})
    _check_vat_treatment(
        client=data.client,
        lines=lines,
        supply_kind=data.supply_kind,
        exemption_basis=data.exemption_basis,
        refusals=refusals,
    )
    _check_dates(data, refusals)
    if lines and not refusals.fields:
        figures = vat_rules.totals([_amounts(line) for line in lines])
        if figures.total_incl_vat <= 0:
            refusals.add("lines", _("The total must be greater than zero."))
        elif figures.total_incl_vat > MAX_AMOUNT:
            refusals.add("lines", _("The total is too large."))
    refusals.raise_any()
    return lines


def _amounts(line: LineData | InvoiceLine) -> vat_rules.LineAmount:
    return vat_rules.LineAmount(
        quantity=line.quantity, unit_price=line.unit_price, vat_category=line.vat_category, vat_rate=line.vat_rate
    )


def _write_lines(invoice: Invoice, lines: Sequence[LineData]) -> vat_rules.Totals:
    figures = vat_rules.totals([_amounts(line) for line in lines])
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            vat_category=line.vat_category,
            vat_rate=line.vat_rate,
            net_amount=net,
        )
        for position, (line, net) in enumerate(zip(lines, figures.lines_net, strict=True), start=1)
    )
    invoice.total_excl_vat = figures.total_excl_vat
    invoice.total_vat = figures.total_vat
    invoice.total_incl_vat = figures.total_incl_vat
    return figures


def _apply(invoice: Invoice, data: InvoiceData) -> None:
    invoice.client = data.client
    invoice.language = data.language or data.client.language or "fr"
    invoice.supply_kind = data.supply_kind
    invoice.supply_date = data.supply_date
    invoice.period_start = data.period_start
    invoice.period_end = data.period_end
    invoice.due_date = data.due_date
    invoice.buyer_reference = data.buyer_reference.strip()
    invoice.purchase_order = data.purchase_order.strip()
    invoice.exemption_basis = data.exemption_basis if any(line.vat_category == "E" for line in data.lines) else ""
    invoice.note = data.note.strip()


def invoice_draft_create(*, issuer: Issuer, data: InvoiceData, actor: User) -> Invoice:
    """A new draft invoice for `issuer` (for an Activity: `invoicing.issuers.activity_issuer`)."""
    if issuer.activity is not None:
        require(
            actor, "invoice", issuer.activity, message=_("Only a manager or co-holder of the Activity can invoice.")
        )
        if issuer.activity.status != ActivityStatus.OPEN:
            raise ConflictError(_("The Activity %(code)s is not open.") % {"code": issuer.activity.code})
    lines = _check_draft(data)
    with transaction.atomic():
        invoice = Invoice(
            kind=InvoiceKind.INVOICE,
            entity=_entity(),
            analytic=issuer.analytic,
            office_id=issuer.office_id,
            activity=issuer.activity,
            trade_name=issuer.presentation.trade_name,
            logo=issuer.presentation.logo,
            terms_of_sale=issuer.presentation.terms_of_sale,
            contribution_rate=issuer.contribution_rate,
            created_by=actor,
        )
        _apply(invoice, data)
        invoice.save()
        _write_lines(invoice, lines)
        invoice.save(update_fields=["total_excl_vat", "total_vat", "total_incl_vat"])
        audit_record(actor=actor, action="invoice.draft_saved", target=invoice, total=invoice.total_incl_vat)
    return invoice


def invoice_draft_update(*, invoice: Invoice, data: InvoiceData, actor: User) -> Invoice:
    require(actor, "edit", invoice)
    lines = _check_draft(data)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != InvoiceStatus.DRAFT:
            raise ConflictError(_("This invoice is issued: correct it with a credit note."))
        if locked.is_credit_note and data.client.pk != locked.client_id:
            raise InvalidInput.on("client", _("A credit note is for the client of the invoice it credits."))
        _apply(locked, data)
        _write_lines(locked, lines)
        locked.save()
        audit_record(actor=actor, action="invoice.draft_saved", target=locked, total=locked.total_incl_vat)
    return locked


def invoice_draft_delete(*, invoice: Invoice, actor: User) -> None:
    require(actor, "edit", invoice)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != InvoiceStatus.DRAFT:
            raise ConflictError(_("This invoice is issued: correct it with a credit note."))
        audit_record(actor=actor, action="invoice.draft_deleted", target=locked, client=locked.client.name)
        locked.delete()


def credit_note_create(
    *, invoice: Invoice, reason: str, actor: User, lines: Sequence[LineData] | None = None
) -> Invoice:
    """A draft credit note for `invoice`: its whole remainder, or the `lines` given."""
    require(actor, "credit", invoice)
    if invoice.is_credit_note or invoice.status == InvoiceStatus.DRAFT:
        raise ConflictError(_("Only an issued invoice can be credited."))
    reason = reason.strip()
    if not reason:
        raise InvalidInput.on("reason", _("Say why the invoice is credited; the client reads it."))
    if lines is None:
        lines = _remainder_lines(invoice)
        if not lines:
            raise ConflictError(_("This invoice is already credited in full."))
    data = InvoiceData(
        client=invoice.client,
        lines=lines,
        language=invoice.language,
        supply_kind=invoice.supply_kind,
        supply_date=invoice.supply_date,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        buyer_reference=invoice.buyer_reference,
        purchase_order=invoice.purchase_order,
        exemption_basis=invoice.exemption_basis,
    )
    checked = _check_draft(data)
    _check_within_credit(invoice, checked)
    with transaction.atomic():
        note = Invoice(
            kind=InvoiceKind.CREDIT_NOTE,
            entity_id=invoice.entity_id,
            analytic_id=invoice.analytic_id,
            office_id=invoice.office_id,
            activity_id=invoice.activity_id,
            trade_name=invoice.trade_name,
            logo=invoice.logo,
            terms_of_sale=invoice.terms_of_sale,
            contribution_rate=invoice.contribution_rate,
            credited_invoice=invoice,
            credit_reason=reason[:300],
            created_by=actor,
        )
        _apply(note, data)
        note.save()
        _write_lines(note, checked)
        note.save(update_fields=["total_excl_vat", "total_vat", "total_incl_vat"])
        audit_record(actor=actor, action="invoice.draft_saved", target=note, credits=invoice.number)
    return note


def _credited_bases(invoice: Invoice, *, excluding: int | None = None) -> dict[tuple[str, Decimal], Decimal]:
    """Per VAT category and rate, the base the issued credit notes of `invoice` already took back."""
    credited: dict[tuple[str, Decimal], Decimal] = {}
    notes = InvoiceLine.objects.filter(
        invoice__credited_invoice=invoice, invoice__kind=InvoiceKind.CREDIT_NOTE
    ).exclude(invoice__status=InvoiceStatus.DRAFT)
    if excluding is not None:
        notes = notes.exclude(invoice_id=excluding)
    for category, rate, net in notes.values_list("vat_category", "vat_rate", "net_amount"):
        key = (category, vat_rules.to_rate(rate))
        credited[key] = credited.get(key, ZERO) + net
    return credited


def _invoice_bases(invoice: Invoice) -> dict[tuple[str, Decimal], Decimal]:
    figures = vat_rules.totals([_amounts(line) for line in invoice.lines.all()])
    return {(group.category, group.rate): group.base for group in figures.groups}


def _remainder_lines(invoice: Invoice) -> list[LineData]:
    credited = _credited_bases(invoice)
    lines = []
    for (category, rate), base in _invoice_bases(invoice).items():
        left = base - credited.get((category, rate), ZERO)
        if left > 0:
            lines.append(
                LineData(
                    description=_("Credit of invoice %(number)s") % {"number": invoice.number},
                    quantity=Decimal(1),
                    unit_price=left,
                    vat_category=category,
                    vat_rate=rate,
                    unit="LS",
                )
            )
    return lines


def _check_within_credit(invoice: Invoice, lines: Sequence[LineData], *, excluding: int | None = None) -> None:
    """A credit note never takes back more than the invoice charged, per VAT category and rate."""
    bases = _invoice_bases(invoice)
    credited = _credited_bases(invoice, excluding=excluding)
    asked = vat_rules.totals([_amounts(line) for line in lines])
    for group in asked.groups:
        key = (group.category, group.rate)
        left = bases.get(key, ZERO) - credited.get(key, ZERO)
        if group.base > left:
            raise InvalidInput.on(
                "lines",
                _(
                    "This credit note takes back %(asked)s excl. VAT at %(rate)s %%, but only %(left)s is left to"
                    " credit on invoice %(number)s."
                )
                % {
                    "asked": amount_text(group.base),
                    "rate": group.rate.normalize(),
                    "left": amount_text(max(left, ZERO)),
                    "number": invoice.number,
                },
            )


# --- issuing ----------------------------------------------------------------------------------------


def _entity() -> CooperativeEntity:
    return CooperativeEntity.objects.get(country="BE")


def _next_number(invoice: Invoice, year: int) -> tuple[str, int]:
    """The next number of the invoice's series and year, under the counter's row lock."""
    series = SERIES[InvoiceKind(invoice.kind)]
    with connection.cursor() as cursor:
        # Created on first use; ON CONFLICT makes two first issuers of a year share one row.
        cursor.execute(
            "INSERT INTO invoicing_invoicecounter (entity_id, series, year, last) VALUES (%s, %s, %s, 0)"
            " ON CONFLICT (entity_id, series, year) DO NOTHING",
            [invoice.entity_id, series, year],
        )
        cursor.execute(
            "UPDATE invoicing_invoicecounter SET last = last + 1"
            " WHERE entity_id = %s AND series = %s AND year = %s RETURNING last",
            [invoice.entity_id, series, year],
        )
        (sequence,) = cursor.fetchone() or (None,)
    if sequence is None:  # pragma: no cover -- the row was inserted just above
        raise RuntimeError("invoice counter missing")
    return series, sequence


def invoice_number_text(series: str, year: int, sequence: int) -> str:
    return f"{series}{year}-{sequence:06d}"


def invoice_due_date(invoice: Invoice, issued_on: date) -> date:
    """The due date an invoice gets when issued on `issued_on`: the one chosen, else the client's terms."""
    if invoice.due_date is not None and invoice.due_date >= issued_on:
        return invoice.due_date
    return issued_on + timedelta(days=invoice.client.payment_terms_days)


def _copy_client(invoice: Invoice) -> None:
    client = invoice.client
    invoice.client_name = client.name
    invoice.client_street = client.street
    invoice.client_postal_code = client.postal_code
    invoice.client_city = client.city
    invoice.client_country = client.country
    invoice.client_vat_number = client.vat_number
    invoice.client_enterprise_number = client.enterprise_number
    invoice.client_peppol_id = client.peppol_id
    invoice.client_email = client.email


def _issue_legs(invoice: Invoice) -> list[LegSpec]:
    excl, vat = invoice.total_excl_vat, invoice.total_vat
    analytic = invoice.analytic
    legs = [debit(RECEIVABLE, excl, analytic), credit(TURNOVER, excl, analytic)]
    if vat > 0:
        legs += [debit(RECEIVABLE, vat), credit(VAT_PAYABLE, vat)]
    if invoice.is_credit_note:
        legs = [
            credit(leg.account, leg.debit, leg.analytic) if leg.debit else debit(leg.account, leg.credit, leg.analytic)
            for leg in legs
        ]
    return legs


def invoice_issue(*, invoice: Invoice, actor: User, on: date | None = None) -> Invoice:
    """Number, freeze and post a draft invoice or credit note; once, whatever is retried."""
    require(actor, "issue", invoice)
    issued_on = on or timezone.localdate()
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().select_related("client", "analytic").get(pk=invoice.pk)
        if locked.status != InvoiceStatus.DRAFT:
            return locked  # issued already: a retried request changes nothing
        lines = [
            LineData(
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                vat_category=line.vat_category,
                vat_rate=line.vat_rate,
                unit=line.unit,
            )
            for line in locked.lines.all()
        ]
        data = InvoiceData(
            client=locked.client,
            lines=lines,
            supply_kind=locked.supply_kind,
            exemption_basis=locked.exemption_basis,
            period_start=locked.period_start,
            period_end=locked.period_end,
        )
        _check_draft(data)  # the client may have changed since the draft
        credited: Invoice | None = None
        if locked.credited_invoice_id is not None:
            credited = Invoice.objects.select_for_update().get(pk=locked.credited_invoice_id)
            _check_within_credit(credited, lines, excluding=locked.pk)
        if locked.activity is not None and locked.activity.status != ActivityStatus.OPEN:
            raise ConflictError(_("The Activity %(code)s is not open.") % {"code": locked.activity.code})
        series, sequence = _next_number(locked, issued_on.year)
        _copy_client(locked)
        _write_lines(locked, lines)
        locked.series, locked.year, locked.sequence = series, issued_on.year, sequence
        locked.number = invoice_number_text(series, issued_on.year, sequence)
        locked.issue_date = issued_on
        locked.due_date = issued_on if locked.is_credit_note else invoice_due_date(locked, issued_on)
        if locked.supply_date is None and locked.period_start is None:
            locked.supply_date = issued_on
        locked.reference = structured_communication(REFERENCE_BASE + locked.pk)
        locked.status = InvoiceStatus.ISSUED
        locked.issued_at = timezone.now()
        locked.issued_by = actor
        locked.save()
        posting = ledger_post(
            key=f"invoice:{locked.pk}:issue",
            date=issued_on,
            memo=books_memo(
                lambda: (
                    (
                        _("Credit note %(number)s to %(client)s")
                        if locked.is_credit_note
                        else _("Invoice %(number)s to %(client)s")
                    )
                    % {"number": locked.number, "client": locked.client_name}
                )
            ),
            legs=_issue_legs(locked),
            actor=actor,
        )
        if credited is not None:
            _set_off_credit_note(invoice=credited, note=locked, actor=actor)
        audit_record(
            actor=actor,
            action="invoice.credit_note_issued" if locked.is_credit_note else "invoice.issued",
            target=locked,
            after=snapshot(
                locked, ["number", "issue_date", "due_date", "total_excl_vat", "total_vat", "total_incl_vat"]
            ),
            posting=posting.key,
        )
        _queue_after_issue(locked)
    return locked


def _queue_after_issue(invoice: Invoice) -> None:
    # The PDF, then the sending (Peppol or e-mail), run on a worker once the issue is committed.
    from invoicing import tasks

    transaction.on_commit(lambda: tasks.invoice_deliver.delay(invoice.pk))


def _set_off_credit_note(*, invoice: Invoice, note: Invoice, actor: User) -> None:
    """The credit note reduces what the client owes on the invoice, down to zero; the rest is to refund."""
    set_off = min(note.total_incl_vat, max(invoice.amount_open, ZERO))
    before = snapshot(invoice, ["status", "amount_credited"])
    invoice.amount_credited += set_off
    invoice.excl_settled = min(invoice.excl_settled + note.total_excl_vat, invoice.total_excl_vat)
    note.amount_paid = set_off  # the credit note is settled by the set-off
    note.status = InvoiceStatus.PAID if set_off == note.total_incl_vat else InvoiceStatus.ISSUED
    note.save(update_fields=["amount_paid", "status"])
    invoice.status = invoice_status_after(invoice)
    invoice.save(update_fields=["amount_credited", "excl_settled", "status"])
    before, after = changes(before, invoice, ["status", "amount_credited"])
    if before != after:
        audit_record(actor=actor, action="invoice.credited", target=invoice, before=before, after=after, by=note.number)


def invoice_status_after(invoice: Invoice) -> str:
    """The status an issued invoice takes from what it still expects (disputes stay until closed)."""
    if invoice.status in (InvoiceStatus.DISPUTED, InvoiceStatus.DRAFT):
        return invoice.status
    settled = invoice.amount_paid + invoice.amount_credited + invoice.amount_written_off
    if settled < invoice.total_incl_vat:
        return InvoiceStatus.PARTLY_PAID if invoice.amount_paid > 0 else InvoiceStatus.ISSUED
    if invoice.amount_written_off > 0:
        return InvoiceStatus.WRITTEN_OFF
    # Credited only when a credit note settled all of it; what the client paid, even after a partial
    # credit note, makes it paid.
    if invoice.amount_paid > 0:
        return InvoiceStatus.PAID
    return InvoiceStatus.CREDITED


# --- disputes and write-offs (advisors) -------------------------------------------------------------


def invoice_dispute(*, invoice: Invoice, reason: str, actor: User) -> Invoice:
    """The client contests the invoice: it leaves the reminders' way until an advisor closes the dispute."""
    require(actor, "decide", invoice)
    reason = reason.strip()
    if not reason:
        raise InvalidInput.on("reason", _("Say what the client contests."))
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.is_credit_note or locked.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID):
            raise ConflictError(_("Only an invoice still awaiting payment can be disputed."))
        stored = snapshot(locked, ["status", "status_reason"])
        locked.status = InvoiceStatus.DISPUTED
        locked.status_reason = reason[:300]
        locked.save(update_fields=["status", "status_reason"])
        before, after = changes(stored, locked, ["status", "status_reason"])
        audit_record(actor=actor, action="invoice.disputed", target=locked, before=before, after=after)
        _tell_holders(locked, "disputed", gettext_noop("Invoice %(number)s is disputed by the client"))
    return locked


def invoice_dispute_close(*, invoice: Invoice, actor: User) -> Invoice:
    require(actor, "decide", invoice)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != InvoiceStatus.DISPUTED:
            raise ConflictError(_("This invoice is not disputed."))
        locked.status = InvoiceStatus.ISSUED  # then what its payments make it: invoice_status_after keeps a dispute
        locked.status = invoice_status_after(locked)
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="invoice.dispute_closed",
            target=locked,
            before={"status": InvoiceStatus.DISPUTED},
            after={"status": locked.status},
        )
    return locked


def invoice_write_off(*, invoice: Invoice, reason: str, actor: User, on: date | None = None) -> Transaction:
    """The client will not pay what is left: a loss on the Activity's books, and the VAT on it recovered."""
    require(actor, "decide", invoice)
    reason = reason.strip()
    if not reason:
        raise InvalidInput.on("reason", _("Say why the invoice is written off."))
    booked_on = on or timezone.localdate()
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().select_related("analytic").get(pk=invoice.pk)
        key = f"invoice:{locked.pk}:write-off"
        if locked.status == InvoiceStatus.WRITTEN_OFF:
            return Transaction.objects.get(key=key)
        if locked.is_credit_note or locked.amount_open <= 0:
            raise ConflictError(_("Nothing is left to write off on this invoice."))
        left = locked.amount_open
        excl_left = locked.total_excl_vat - locked.excl_settled
        vat_left = left - excl_left
        legs = [debit(WRITE_OFF, excl_left, locked.analytic), credit(RECEIVABLE, excl_left, locked.analytic)]
        if vat_left > 0:
            legs += [debit(VAT_PAYABLE, vat_left), credit(RECEIVABLE, vat_left)]
        legs = [leg for leg in legs if (leg.debit or leg.credit) > 0]
        posting = ledger_post(
            key=key,
            date=booked_on,
            memo=books_memo(lambda: _("Invoice %(number)s written off") % {"number": locked.number}),
            legs=legs,
            actor=actor,
        )
        stored = snapshot(locked, ["status", "amount_written_off"])
        locked.amount_written_off += left
        locked.excl_settled = locked.total_excl_vat
        locked.status_reason = reason[:300]
        locked.status = InvoiceStatus.WRITTEN_OFF
        locked.save(update_fields=["amount_written_off", "excl_settled", "status", "status_reason"])
        before, after = changes(stored, locked, ["status", "amount_written_off"])
        audit_record(
            actor=actor, action="invoice.written_off", target=locked, before=before, after=after, posting=posting.key
        )
    return posting


def _tell_holders(invoice: Invoice, decision: str, subject: str) -> None:
    link = reverse("invoicing:invoice", args=[invoice.pk])
    for user in invoice_notify_users(invoice):
        notify(
            user=user,
            key=f"invoice:{invoice.pk}:{decision}:{user.pk}",
            subject=subject,
            template=f"invoice_{decision}",
            context={"number": invoice.number or "", "client": invoice.client_name, "reason": invoice.status_reason},
            link=link,
        )

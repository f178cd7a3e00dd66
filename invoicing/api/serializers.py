"""What the invoicing API reads and writes: invoices with their lines, payments, statements, Peppol documents.

Amounts go out as strings with two decimals, quantities with three, unit prices with four and
rates with two, as the columns keep them; they come in as strings too (`smartcoop.serializers`:
a JSON number would have passed through a float). A draft is sent whole, every line each time,
as the service keeps it (`invoice_draft_update`): there is no half-edited state to merge.

The request serializers only read the form of each value (a number, a date in its window, a
choice of the list); what an invoice may hold (a rate that exists for its category, a VAT number
for reverse charge, a period that ends after it starts) is the service's to judge, so the API and
the member pages refuse the same invoice with the same message, naming the same field
(`lines.0.vat_rate`).
"""

from decimal import Decimal
from typing import Any, cast

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from activities.models import ThirdParty
from invoicing import vat as vat_rules
from invoicing.models import (
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceState,
    PeppolDocument,
    SupplyKind,
    VatCategory,
)
from invoicing.services.invoices import MAX_LINES, LineData
from smartcoop.input_rules import MAX_TYPED_AMOUNT, PAYMENT, VALIDITY
from smartcoop.serializers import AmountField, DateField, DecimalNumberField, Serializer, WholeNumberField

# The widest quantity the line's column holds (12 digits, 3 decimals).
MAX_QUANTITY = Decimal("999999999.999")
MAX_ID = 2**63 - 1
# The languages an invoice is written in: those a client reads (one choice set in the schema).
CLIENT_LANGUAGES = cast(list[tuple[str, str]], ThirdParty._meta.get_field("language").choices)


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, read_only=True, **kwargs)


# --- reading ------------------------------------------------------------------------------------


class LineSerializer(serializers.ModelSerializer[InvoiceLine]):
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, read_only=True)
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=4, read_only=True, help_text="Excl. VAT, up to four decimals."
    )
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True, help_text="A percentage.")
    net_amount = money(help_text="Quantity x unit price, rounded to the cent (excl. VAT).")

    class Meta:
        model = InvoiceLine
        fields = ["position", "description", "quantity", "unit", "unit_price", "vat_category", "vat_rate", "net_amount"]


class VatGroupSerializer(serializers.Serializer[Any]):
    """One line of the VAT breakdown: a category at one rate, its base and the VAT on it."""

    category = serializers.CharField(read_only=True)
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    base = money()
    vat = money()
    exemption = serializers.CharField(
        read_only=True, allow_null=True, help_text="The legal mention printed when no VAT is charged."
    )


class InvoiceSerializer(serializers.ModelSerializer[Invoice]):
    activity = serializers.CharField(source="activity.code", read_only=True, allow_null=True)
    client = serializers.IntegerField(source="client_id", read_only=True, help_text="The client's id.")
    client_name = serializers.SerializerMethodField()
    state = serializers.ChoiceField(
        choices=InvoiceState.choices,
        read_only=True,
        help_text="The status, or `overdue` for an open invoice past its due date today.",
    )
    credited_invoice = serializers.IntegerField(source="credited_invoice_id", read_only=True, allow_null=True)
    total_excl_vat = money()
    total_vat = money()
    total_incl_vat = money()
    amount_paid = money()
    amount_credited = money()
    amount_written_off = money()
    amount_open = money(help_text="What the client still owes (a credit note: what is still owed to them).")

    class Meta:
        model = Invoice
        fields = [
            "id",
            "kind",
            "number",
            "state",
            "status",
            "activity",
            "client",
            "client_name",
            "credited_invoice",
            "issue_date",
            "due_date",
            "reference",
            "total_excl_vat",
            "total_vat",
            "total_incl_vat",
            "amount_paid",
            "amount_credited",
            "amount_written_off",
            "amount_open",
        ]

    def get_client_name(self, invoice: Invoice) -> str:
        # Issued: the name as it was printed; a draft still follows the client's record.
        return invoice.client_name or invoice.client.name


class InvoiceDetailSerializer(InvoiceSerializer):
    language = serializers.ChoiceField(choices=CLIENT_LANGUAGES, read_only=True)
    lines = LineSerializer(many=True, read_only=True)
    vat_breakdown = serializers.SerializerMethodField()
    credit_notes = serializers.SerializerMethodField(help_text="The ids of the credit notes of this invoice.")

    class Meta(InvoiceSerializer.Meta):
        fields = [
            *InvoiceSerializer.Meta.fields,
            "language",
            "supply_kind",
            "supply_date",
            "period_start",
            "period_end",
            "buyer_reference",
            "purchase_order",
            "exemption_basis",
            "note",
            "credit_reason",
            "status_reason",
            "trade_name",
            "client_vat_number",
            "client_peppol_id",
            "lines",
            "vat_breakdown",
            "credit_notes",
            "created_at",
            "issued_at",
        ]

    @extend_schema_field(VatGroupSerializer(many=True))
    def get_vat_breakdown(self, invoice: Invoice) -> list[dict[str, Any]]:
        lines = list(invoice.lines.all())
        figures = vat_rules.totals(
            [
                vat_rules.LineAmount(
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    vat_category=line.vat_category,
                    vat_rate=line.vat_rate,
                )
                for line in lines
            ]
        )
        groups = []
        for group in figures.groups:
            exemption = vat_rules.exemption_for(group.category, invoice.exemption_basis)
            groups.append(
                {
                    "category": group.category,
                    "rate": group.rate,
                    "base": group.base,
                    "vat": group.vat,
                    "exemption": str(exemption.mention) if exemption is not None else None,
                }
            )
        return list(VatGroupSerializer(groups, many=True).data)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_credit_notes(self, invoice: Invoice) -> list[int]:
        return [note.pk for note in invoice.credit_notes.all()]


class InvoicePageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = InvoiceSerializer(many=True)


class PaymentSerializer(serializers.ModelSerializer[InvoicePayment]):
    amount = money()
    statement_line = serializers.IntegerField(source="statement_line_id", read_only=True, allow_null=True)

    class Meta:
        model = InvoicePayment
        fields = ["id", "amount", "paid_on", "source", "statement_line", "recorded_at"]


class VatProposalSerializer(serializers.Serializer[Any]):
    """What to write in a line's `vat_category` and `vat_rate` for this client, and why."""

    vat_category = serializers.ChoiceField(choices=VatCategory.choices, read_only=True)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    reason = serializers.CharField(read_only=True, help_text="Why this treatment, in the request's language.")
    exemption = serializers.CharField(
        read_only=True, allow_null=True, help_text="The legal mention printed when no VAT is charged."
    )


class BankStatementSerializer(serializers.ModelSerializer[BankStatement]):
    opening_balance = money()
    closing_balance = money()
    lines = serializers.IntegerField(source="line_count", read_only=True, help_text="Its number of lines.")
    to_review = serializers.IntegerField(
        source="review_count", read_only=True, help_text="Its lines waiting for an advisor."
    )

    class Meta:
        model = BankStatement
        fields = [
            "id",
            "format",
            "account_iban",
            "statement_id",
            "statement_date",
            "opening_balance",
            "closing_balance",
            "file_name",
            "imported_at",
            "lines",
            "to_review",
        ]


class SuggestionSerializer(serializers.ModelSerializer[Invoice]):
    amount_open = money()

    class Meta:
        model = Invoice
        fields = ["id", "number", "client_name", "due_date", "amount_open"]


class StatementLineSerializer(serializers.ModelSerializer[BankStatementLine]):
    statement = serializers.IntegerField(source="statement_id", read_only=True)
    amount = money(help_text="Positive for money received.")
    unallocated = money(help_text="What is not allocated to an invoice yet.")
    suggested_invoices = SuggestionSerializer(many=True, read_only=True)

    class Meta:
        model = BankStatementLine
        fields = [
            "id",
            "statement",
            "sequence",
            "booking_date",
            "value_date",
            "amount",
            "counterparty_name",
            "counterparty_iban",
            "communication",
            "structured",
            "status",
            "match_note",
            "unallocated",
            "suggested_invoices",
        ]


class PeppolDocumentSerializer(serializers.ModelSerializer[PeppolDocument]):
    invoice = serializers.IntegerField(source="invoice_id", read_only=True, allow_null=True)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, allow_null=True, default=None)
    purchase = serializers.IntegerField(source="purchase_id", read_only=True, allow_null=True)

    class Meta:
        model = PeppolDocument
        fields = [
            "id",
            "direction",
            "status",
            "invoice",
            "invoice_number",
            "purchase",
            "sender_id",
            "receiver_id",
            "document_number",
            "file_name",
            "errors",
            "transmission_id",
            "attempts",
            "created_at",
            "done_at",
        ]


# --- writing ------------------------------------------------------------------------------------


class LineInputSerializer(Serializer):
    description = serializers.CharField(max_length=300, help_text="What is invoiced.")
    quantity = DecimalNumberField(
        places=3, maximum=MAX_QUANTITY, help_text="Greater than zero, three decimals at most."
    )
    unit = serializers.ChoiceField(
        choices=list(vat_rules.UNITS), default="C62", help_text="A UN/ECE Recommendation 20 code."
    )
    unit_price = DecimalNumberField(places=4, maximum=MAX_TYPED_AMOUNT, help_text="Excl. VAT, four decimals at most.")
    vat_category = serializers.ChoiceField(
        choices=VatCategory.choices, help_text="EN 16931 VAT category (see `/api/invoices/vat-proposal/`)."
    )
    vat_rate = DecimalNumberField(
        places=2, maximum=Decimal(100), help_text="A percentage: 21, 12 or 6 for S; 0 for the others."
    )

    def to_line(self, data: dict[str, Any]) -> LineData:
        return LineData(
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            vat_category=data["vat_category"],
            vat_rate=data["vat_rate"],
            unit=data["unit"],
        )


def lines_of(validated: list[dict[str, Any]]) -> list[LineData]:
    return [LineInputSerializer().to_line(line) for line in validated]


class DraftSerializer(Serializer):
    """A draft invoice, whole: every line each time."""

    client = WholeNumberField(
        minimum=1, maximum=MAX_ID, help_text="The id of one of the Activity's clients (`/api/clients/`)."
    )
    lines: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=LineInputSerializer(), max_length=MAX_LINES
    )
    language = serializers.ChoiceField(
        choices=CLIENT_LANGUAGES, required=False, allow_blank=True, default="", help_text="The client's if not given."
    )
    supply_kind = serializers.ChoiceField(choices=SupplyKind.choices, default=SupplyKind.SERVICES)
    supply_date = DateField(window=VALIDITY, required=False, allow_null=True, default=None)
    period_start = DateField(window=VALIDITY, required=False, allow_null=True, default=None)
    period_end = DateField(window=VALIDITY, required=False, allow_null=True, default=None)
    due_date = DateField(
        window=VALIDITY,
        required=False,
        allow_null=True,
        default=None,
        help_text="From the client's payment terms if not given.",
    )
    buyer_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    purchase_order = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    exemption_basis = serializers.ChoiceField(
        choices=[("", "-"), *((key, str(exemption.mention)) for key, exemption in vat_rules.EXEMPTIONS.items())],
        required=False,
        allow_blank=True,
        default="",
        help_text="The legal basis of an exempt supply (category E).",
    )
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", style={"base_template": "textarea.html"}
    )


class InvoiceCreateSerializer(DraftSerializer):
    activity = serializers.RegexField(
        r"^[A-Za-z0-9]+$", max_length=20, help_text="The code of the Activity that invoices (A000123)."
    )


class CreditNoteSerializer(Serializer):
    reason = serializers.CharField(
        max_length=300,
        help_text="Why the invoice is credited: the client reads it.",
        error_messages={"blank": gettext_lazy("Say why the invoice is credited; the client reads it.")},
    )
    lines: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=LineInputSerializer(),
        max_length=MAX_LINES,
        required=False,
        help_text="What is credited; without lines, whatever is left of the invoice.",
    )


class DecisionReasonSerializer(Serializer):
    reason = serializers.CharField(
        max_length=300,
        help_text="Why: the Activity's holders read it.",
        error_messages={"blank": gettext_lazy("Give a reason: the Activity's holders read it.")},
    )


class PaymentInputSerializer(Serializer):
    amount = AmountField(positive=True, help_text="What the client paid, at most what the invoice still expects.")
    paid_on = DateField(
        window=PAYMENT,
        required=False,
        help_text="The day the money reached the bank (not in the future, at most 3 years ago); today if not given.",
    )
    key = serializers.RegexField(
        r"^[A-Za-z0-9._:-]+$",
        max_length=100,
        help_text="The payment's idempotency key, chosen by the client: sent again, the payment is recorded once.",
    )


class StatementUploadSerializer(Serializer):
    file = serializers.FileField(help_text="A CODA or camt.053 statement of the cooperative's account.")

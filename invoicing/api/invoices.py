"""Invoices and credit notes in the API: a holder drafts, issues and credits; advisors follow them up.

The rows are the access policy's (`invoicing.access`): an Activity's managers and co-holders see
its invoices, staff with two-factor those of their office (every office for who sees them all); any
other invoice is answered 404, as if it did not exist. Every write is one service call, which asks
the policy again: an accountant reads but is refused (403) what would change an invoice, and a
holder is refused the advisors' decisions (payment, dispute, write-off).

Retries are safe: issuing an issued invoice answers it as it is; a payment carries the client's
idempotency key (`key`), so the same payment sent twice is recorded once; a write-off is posted
once. The PDF and the UBL document are those the client receives (`invoicing.documents`,
`invoicing.ubl`); a draft has neither.
"""

from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from activities.models import Activity, ThirdParty
from invoicing import vat as vat_rules
from invoicing.api.serializers import (
    CreditNoteSerializer,
    DecisionReasonSerializer,
    DraftSerializer,
    InvoiceCreateSerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    PaymentInputSerializer,
    PaymentSerializer,
    VatProposalSerializer,
    lines_of,
)
from invoicing.api.shared import user_of, validated
from invoicing.issuers import activity_issuer
from invoicing.models import Invoice, InvoiceKind, InvoicePayment, InvoiceState, InvoiceStatus, SupplyKind
from invoicing.selectors import OPEN, filter_state
from invoicing.services.invoices import (
    InvoiceData,
    credit_note_create,
    invoice_dispute,
    invoice_dispute_close,
    invoice_draft_create,
    invoice_draft_delete,
    invoice_draft_update,
    invoice_issue,
    invoice_write_off,
)
from invoicing.services.payments import invoice_payment_record
from smartcoop.access import visible
from smartcoop.errors import ConflictError, InvalidInput
from smartcoop.uploads import document_response

STATES = ["", OPEN, *InvoiceState.values]
KINDS = ["", *InvoiceKind.values]


class _DocumentRenderer(BaseRenderer):
    """Lets a client ask for the document's own type (`Accept`); the document itself leaves as it is.

    A refusal is still written in the error shape, as JSON (`InvoiceViewSet.finalize_response`).
    """

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return JSONRenderer().render(data)


class PdfRenderer(_DocumentRenderer):
    media_type = "application/pdf"
    format = "pdf"


class XmlRenderer(_DocumentRenderer):
    media_type = "application/xml"
    format = "xml"


def _issued(invoice: Invoice) -> None:
    if invoice.status == InvoiceStatus.DRAFT:
        raise ConflictError(_("A draft has no document yet: issue it first."))


def _draft_data(given: dict[str, Any], client: ThirdParty) -> InvoiceData:
    return InvoiceData(
        client=client,
        lines=lines_of(given["lines"]),
        language=given["language"],
        supply_kind=given["supply_kind"],
        supply_date=given["supply_date"],
        period_start=given["period_start"],
        period_end=given["period_end"],
        due_date=given["due_date"],
        buyer_reference=given["buyer_reference"],
        purchase_order=given["purchase_order"],
        exemption_basis=given["exemption_basis"],
        note=given["note"],
    )


def _client_of(activity: Activity | None, pk: int, *, current: int | None = None) -> ThirdParty:
    """One of the Activity's clients (an invoice without an Activity keeps its own client)."""
    clients = ThirdParty.objects.filter(pk=pk)
    if activity is not None:
        found = clients.filter(activity_links__activity=activity).first()
    else:
        found = clients.first() if pk == current else None
    if found is None:
        raise InvalidInput.on("client", _("Choose one of the Activity's clients (add it to the Activity first)."))
    return found


def _choice(request: Request, name: str, choices: list[str]) -> str:
    value = request.query_params.get(name, "")
    if value not in choices:
        raise InvalidInput.on(
            name, _("Unknown value: choose one of %(choices)s.") % {"choices": ", ".join(c for c in choices if c)}
        )
    return value


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("activity", str, description="Only the invoices of this Activity (its code)."),
            OpenApiParameter(
                "state",
                str,
                enum=STATES,
                description="Only the invoices in this state; `open`: every invoice still awaiting payment; "
                "`overdue`: open past its due date today (empty: all).",
            ),
            OpenApiParameter("kind", str, enum=KINDS, description="Invoices or credit notes only (empty: both)."),
        ],
        responses={200: InvoiceSerializer(many=True)},
        description="The invoices and credit notes the signed-in user may see, drafts first, then newest first.",
    ),
    retrieve=extend_schema(responses={200: InvoiceDetailSerializer}),
    create=extend_schema(
        request=InvoiceCreateSerializer,
        responses={201: InvoiceDetailSerializer},
        description="A draft invoice of an Activity (its managers and co-holders): every line at once.",
    ),
    update=extend_schema(
        request=DraftSerializer,
        responses={200: InvoiceDetailSerializer},
        description="Replace a draft whole (every line each time); an issued invoice is corrected by a credit note.",
    ),
    destroy=extend_schema(request=None, responses={204: None}, description="Delete a draft."),
)
class InvoiceViewSet(viewsets.GenericViewSet[Invoice]):
    """Invoices and credit notes: drafted, issued and credited by an Activity's holders, followed by advisors."""

    serializer_class = InvoiceDetailSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Invoice]:
        invoices = visible(self.request.user, Invoice).select_related("activity", "client")
        if self.action != "list":
            invoices = invoices.prefetch_related(
                "lines", Prefetch("credit_notes", queryset=Invoice.objects.only("pk", "credited_invoice_id"))
            )
        return invoices

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # The documents are answered as themselves; anything else a document's URL answers is a
        # refusal, written as JSON whatever type the client asked for.
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), _DocumentRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def _answer(self, invoice: Invoice, *, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=invoice.pk)
        return Response(InvoiceDetailSerializer(fresh).data, status=status_code)

    def list(self, request: Request) -> Response:
        invoices = self.get_queryset()
        code = request.query_params.get("activity", "").strip()
        if code:
            invoices = invoices.filter(activity__code=code.upper())
        kind = _choice(request, "kind", KINDS)
        if kind:
            invoices = invoices.filter(kind=kind)
        state = _choice(request, "state", STATES)
        if state:
            invoices = filter_state(invoices, state, today=timezone.localdate())
        ordered = invoices.order_by(F("issue_date").desc(nulls_first=True), "-pk")  # drafts (no date yet) first
        page = self.paginate_queryset(ordered)
        return self.get_paginated_response(InvoiceSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(InvoiceDetailSerializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        given = validated(InvoiceCreateSerializer, request.data)
        user = user_of(request)
        activity = visible(user, Activity).filter(code=given["activity"].upper()).first()
        if activity is None:
            raise InvalidInput.on("activity", _("None of your Activities has this code."))
        client = _client_of(activity, given["client"])
        invoice = invoice_draft_create(issuer=activity_issuer(activity), data=_draft_data(given, client), actor=user)
        return self._answer(invoice, status_code=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str | None = None) -> Response:
        invoice = self.get_object()
        given = validated(DraftSerializer, request.data)
        client = _client_of(invoice.activity, given["client"], current=invoice.client_id)
        invoice_draft_update(invoice=invoice, data=_draft_data(given, client), actor=user_of(request))
        return self._answer(invoice)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        invoice_draft_delete(invoice=self.get_object(), actor=user_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: InvoiceDetailSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        """Number, freeze and post the draft, then send it to the client; once, however often it is asked."""
        return self._answer(invoice_issue(invoice=self.get_object(), actor=user_of(request)))

    @extend_schema(
        request=CreditNoteSerializer,
        responses={201: InvoiceDetailSerializer},
        description="A draft credit note of an issued invoice: the lines given, or all that is left to credit. "
        "Issue it like an invoice.",
    )
    @action(detail=True, methods=["post"], url_path="credit-note")
    def credit_note(self, request: Request, pk: str | None = None) -> Response:
        invoice = self.get_object()
        given = validated(CreditNoteSerializer, request.data)
        lines = lines_of(given["lines"]) if "lines" in given else None
        note = credit_note_create(invoice=invoice, reason=given["reason"], lines=lines, actor=user_of(request))
        return self._answer(note, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The invoice as sent."),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        from invoicing.documents import invoice_pdf_bytes

        invoice = self.get_object()
        _issued(invoice)
        content = invoice_pdf_bytes(invoice)
        return document_response(ContentFile(content), name=_served_name(invoice))

    @extend_schema(
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The UBL 2.1 document (Peppol BIS Billing 3.0)."
            ),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, XmlRenderer])
    def ubl(self, request: Request, pk: str | None = None) -> HttpResponse:
        from invoicing.ubl import invoice_ubl, ubl_file_name

        invoice = self.get_object()
        _issued(invoice)
        response = HttpResponse(invoice_ubl(invoice), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{ubl_file_name(invoice)}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        methods=["GET"],
        responses={200: PaymentSerializer(many=True)},
        description="The money received for the invoice, oldest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=PaymentInputSerializer,
        responses={201: PaymentSerializer, 200: PaymentSerializer},
        description="An advisor records money received (201); the same `key` again answers the payment already "
        "recorded (200), and with another amount is refused (409).",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def payments(self, request: Request, pk: str | None = None) -> Response:
        invoice = self.get_object()
        if request.method != "POST":
            rows = InvoicePayment.objects.filter(invoice=invoice).order_by("paid_on", "pk")
            return Response(PaymentSerializer(rows, many=True).data)
        given = validated(PaymentInputSerializer, request.data)
        key = f"api:{invoice.pk}:{given['key']}"
        known = InvoicePayment.objects.filter(key=key).exists()
        paid_on: date = given.get("paid_on") or timezone.localdate()
        payment = invoice_payment_record(
            invoice=invoice, amount=given["amount"], paid_on=paid_on, key=key, actor=user_of(request)
        )
        return Response(
            PaymentSerializer(payment).data, status=status.HTTP_200_OK if known else status.HTTP_201_CREATED
        )

    @extend_schema(request=DecisionReasonSerializer, responses={200: InvoiceDetailSerializer})
    @action(detail=True, methods=["post"])
    def dispute(self, request: Request, pk: str | None = None) -> Response:
        """The client contests the invoice: no reminder goes out until an advisor closes the dispute."""
        invoice = self.get_object()
        given = validated(DecisionReasonSerializer, request.data)
        return self._answer(invoice_dispute(invoice=invoice, reason=given["reason"], actor=user_of(request)))

    @extend_schema(request=None, responses={200: InvoiceDetailSerializer})
    @action(detail=True, methods=["post"], url_path="close-dispute")
    def close_dispute(self, request: Request, pk: str | None = None) -> Response:
        """The dispute is settled: the invoice awaits its payment again."""
        return self._answer(invoice_dispute_close(invoice=self.get_object(), actor=user_of(request)))

    @extend_schema(request=DecisionReasonSerializer, responses={200: InvoiceDetailSerializer})
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request: Request, pk: str | None = None) -> Response:
        """The client will not pay what is left: a loss on the Activity's books (posted once)."""
        invoice = self.get_object()
        given = validated(DecisionReasonSerializer, request.data)
        invoice_write_off(invoice=invoice, reason=given["reason"], actor=user_of(request))
        return self._answer(invoice)

    @extend_schema(
        parameters=[
            OpenApiParameter("client", int, required=True, description="The client's id."),
            OpenApiParameter(
                "supply_kind", str, enum=SupplyKind.values, description="Services (the default) or goods."
            ),
        ],
        responses={200: VatProposalSerializer},
    )
    @action(detail=False, methods=["get"], url_path="vat-proposal", pagination_class=None)
    def vat_proposal(self, request: Request) -> Response:
        """The VAT treatment proposed for a client, from their country and VAT number (a proposal only)."""
        raw = request.query_params.get("client", "").strip()
        client = (
            visible(user_of(request), ThirdParty).filter(pk=int(raw)).first()
            if raw.isascii() and raw.isdigit() and len(raw) < 19
            else None
        )
        if client is None:
            raise InvalidInput.on("client", _("Choose one of your Activities' clients."))
        supply_kind = request.query_params.get("supply_kind", SupplyKind.SERVICES)
        if supply_kind not in SupplyKind.values:
            raise InvalidInput.on("supply_kind", _("Choose services or goods."))
        proposal = vat_rules.vat_proposal(
            country=client.country, has_vat_number=bool(client.vat_number), supply_kind=supply_kind
        )
        exemption = vat_rules.exemption_for(proposal.category)
        return Response(
            VatProposalSerializer(
                {
                    "vat_category": proposal.category,
                    "vat_rate": proposal.rate,
                    "reason": str(proposal.reason),
                    "exemption": str(exemption.mention) if exemption is not None else None,
                }
            ).data
        )


def _served_name(invoice: Invoice) -> str:
    # F2026-000001 -> f2026-000001: the platform's names for a download are lowercase letters, digits, hyphens.
    return str(invoice.number).lower()

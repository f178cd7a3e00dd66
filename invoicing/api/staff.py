"""The cooperative's own invoicing records in the API, for staff: bank statements, the lines waiting for
an advisor, and the Peppol outbox and inbox.

They are the cooperative's, not an office's (one payment may settle invoices of several offices),
so staff whose role reads them read them all (`invoicing.access`); anyone else is refused (403),
as the members list refuses a member. A statement is imported by uploading its file (CODA or
camt.053, told apart by its content) through the one import service, once per file: the same file
sent again changes nothing.
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from invoicing.api.serializers import (
    BankStatementSerializer,
    PeppolDocumentSerializer,
    StatementLineSerializer,
    StatementUploadSerializer,
)
from invoicing.api.shared import StaffReads, user_of, validated
from invoicing.bank import STATEMENT_MAX_BYTES
from invoicing.bank.statements import statement_import
from invoicing.models import (
    BankStatement,
    BankStatementLine,
    Invoice,
    LineStatus,
    PeppolDirection,
    PeppolDocument,
    PeppolStatus,
)
from smartcoop.access import visible
from smartcoop.errors import InvalidInput


class ReadsStatements(StaffReads):
    model = BankStatement


class ReadsStatementLines(StaffReads):
    model = BankStatementLine


class ReadsPeppolDocuments(StaffReads):
    model = PeppolDocument


@extend_schema_view(
    list=extend_schema(
        responses={200: BankStatementSerializer(many=True)},
        description="The statements imported, newest first, with their count of lines and of lines to review.",
    ),
    create=extend_schema(
        request={"multipart/form-data": StatementUploadSerializer},
        responses={201: BankStatementSerializer, 200: BankStatementSerializer},
        description="Import a statement file (CODA or camt.053): its lines are matched to invoices and capital "
        "calls, the rest waits in the review queue. The same file again answers the statement already "
        "imported (200).",
    ),
)
class BankStatementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[BankStatement]):
    serializer_class = BankStatementSerializer
    permission_classes = [ReadsStatements]
    parser_classes = [MultiPartParser]  # a file, as a browser's form would send it

    def get_queryset(self) -> QuerySet[BankStatement]:
        return (
            visible(self.request.user, BankStatement)
            .annotate(line_count=Count("lines"), review_count=Count("lines", filter=Q(lines__status=LineStatus.REVIEW)))
            .order_by("-statement_date", "-pk")
        )

    def create(self, request: Request) -> Response:
        given = validated(StatementUploadSerializer, request.data)
        upload = given["file"]
        if upload.size > STATEMENT_MAX_BYTES:
            raise InvalidInput.on("file", _("A statement file is at most 20 MB."))
        # The service asks the policy (accountants and administrators import) and finds a file
        # imported before by its digest: then nothing changes and the statement is named again.
        result = statement_import(content=upload.read(), file_name=upload.name or "", actor=user_of(request))
        answer = self.get_queryset().get(pk=result.statement.pk)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(BankStatementSerializer(answer).data, status=code)


@extend_schema_view(
    list=extend_schema(
        responses={200: StatementLineSerializer(many=True)},
        description="The statement lines waiting for an advisor, oldest first, each with the invoices suggested.",
    )
)
class PaymentReviewViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[BankStatementLine]):
    serializer_class = StatementLineSerializer
    permission_classes = [ReadsStatementLines]

    def get_queryset(self) -> QuerySet[BankStatementLine]:
        suggestions = Invoice.objects.only("pk", "number", "client_name", "due_date", "status", "total_incl_vat",
                                           "amount_paid", "amount_credited", "amount_written_off")  # fmt: skip
        return (
            visible(self.request.user, BankStatementLine)
            .filter(status=LineStatus.REVIEW)
            .prefetch_related(Prefetch("suggested_invoices", queryset=suggestions.order_by("pk")))
            .order_by("booking_date", "pk")
        )


PEPPOL_STATUSES = ["", *PeppolStatus.values]
PEPPOL_DIRECTIONS = ["", *PeppolDirection.values]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "direction", str, enum=PEPPOL_DIRECTIONS, description="`out`: sent; `in`: received (empty: both)."
            ),
            OpenApiParameter("status", str, enum=PEPPOL_STATUSES, description="Only in this status (empty: all)."),
        ],
        responses={200: PeppolDocumentSerializer(many=True)},
        description="The Peppol outbox and inbox, newest first, with each document's errors and attempts.",
    )
)
class PeppolDocumentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[PeppolDocument]):
    serializer_class = PeppolDocumentSerializer
    permission_classes = [ReadsPeppolDocuments]
    unknown = gettext_lazy("Unknown value: choose one of %(choices)s.")

    def get_queryset(self) -> QuerySet[PeppolDocument]:
        documents = visible(self.request.user, PeppolDocument).select_related("invoice")
        for name, choices in (("direction", PEPPOL_DIRECTIONS), ("status", PEPPOL_STATUSES)):
            value = self.request.query_params.get(name, "")
            if value not in choices:
                raise InvalidInput.on(name, self.unknown % {"choices": ", ".join(c for c in choices if c)})
            if value:
                documents = documents.filter(**{name: value})
        return documents.order_by("-created_at", "-pk")

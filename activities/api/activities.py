"""An Activity in the API: the list and detail with its books, its movements by keyset, and
what a holder creates under it (an Activity, expense claims, clients, purchases, transfers).

The books are read by managers and co-holders and by staff within reach; a worker sees the
Activity and their own claims only.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from activities.api.expense_claims import (
    ClaimCreateSerializer,
    ExpenseClaimPageSerializer,
    ExpenseClaimSerializer,
    _with_total,
)
from activities.api.purchases import PurchaseCreateSerializer, PurchasePageSerializer, PurchaseSerializer, _with_links
from activities.api.shared import _page, _user, money
from activities.api.third_parties import ClientCreateSerializer, ClientSerializer
from activities.api.transfers import TransferPageSerializer, TransferRequestSerializer, TransferSerializer
from activities.models import (
    Activity,
    ActivityHolder,
    ActivityTrade,
    ActivityTransfer,
    ExpenseClaim,
    HolderRole,
    Purchase,
    ThirdParty,
    Trade,
)
from activities.selectors import (
    ActivityBooks,
    activities_books,
    activity_books,
    activity_movements,
    movement_cursor,
    movement_cursor_text,
    visible_activities,
)
from activities.services import (
    PurchaseData,
    ThirdPartyData,
    activity_create,
    activity_transfer_request,
    contribution_rate,
    expense_claim_create,
    purchase_submit,
    third_party_add,
)
from members.models import Member
from smartcoop.access import may
from smartcoop.api_schema import ISO_DATE, PAGE_PARAMETERS
from smartcoop.errors import InvalidInput, PermissionDeniedError
from smartcoop.input_rules import read_whole_number
from smartcoop.serializers import Serializer

MOVEMENTS_PAGE, MOVEMENTS_MAX = 50, 200


class BooksSerializer(serializers.Serializer[ActivityBooks]):
    available = money(read_only=True, help_text="What the Activity may spend now.")
    committed = money(read_only=True, help_text="Approved, not paid out yet.")
    incoming = money(read_only=True, help_text="Invoiced, not received yet (excl. VAT).")


class ActivitySerializer(serializers.ModelSerializer[Activity]):
    office = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    role = serializers.ChoiceField(
        source="my_role",
        choices=HolderRole.choices,
        read_only=True,
        allow_null=True,
        help_text="The signed-in user's role in the Activity; null for staff who do not hold it.",
    )
    books = BooksSerializer(
        read_only=True, allow_null=True, help_text="Null for who may not read the books (a worker of the Activity)."
    )

    class Meta:
        model = Activity
        fields = ["code", "name", "office", "status", "role", "created_at", "books"]


class HolderSerializer(serializers.ModelSerializer[ActivityHolder]):
    number = serializers.IntegerField(source="member.number", read_only=True)
    name = serializers.CharField(source="member.display_name", read_only=True)

    class Meta:
        model = ActivityHolder
        fields = ["number", "name", "role", "since"]


class ActivityTradeSerializer(serializers.ModelSerializer[ActivityTrade]):
    code = serializers.CharField(source="trade.code", read_only=True)
    name = serializers.CharField(source="trade.name", read_only=True)

    class Meta:
        model = ActivityTrade
        fields = ["code", "name", "approval", "reason"]


class RatesSerializer(serializers.Serializer[Any]):
    turnover = serializers.DecimalField(max_digits=5, decimal_places=4, read_only=True)
    employment = serializers.DecimalField(max_digits=5, decimal_places=4, read_only=True)


class ActivityDetailSerializer(ActivitySerializer):
    holders = HolderSerializer(many=True, read_only=True)
    trades = ActivityTradeSerializer(source="trade_links", many=True, read_only=True)
    contribution_rates = serializers.SerializerMethodField(
        help_text="The rates that apply (an advisor's override or the cooperative entity's), as fractions."
    )

    class Meta(ActivitySerializer.Meta):
        fields = [
            *ActivitySerializer.Meta.fields,
            "description",
            "terms_of_sale",
            "closed_on",
            "contribution_rates",
            "holders",
            "trades",
        ]

    @extend_schema_field(RatesSerializer)
    def get_contribution_rates(self, activity: Activity) -> dict[str, Any]:
        rates = {on: contribution_rate(activity=activity, on=on) for on in ("turnover", "employment")}
        return dict(RatesSerializer(rates).data)


class MovementSerializer(serializers.Serializer[Any]):  # reads `Movement` rows
    transaction_id = serializers.IntegerField(read_only=True)
    booking_date = serializers.DateField(read_only=True)
    description = serializers.CharField(
        read_only=True, help_text="What it was, in the language asked for (Accept-Language), from its cause."
    )
    memo = serializers.CharField(read_only=True, help_text="The ledger's memo, in the books' language.")
    available = money(read_only=True, help_text="Its effect on the available money.")
    committed = money(read_only=True)
    incoming = money(read_only=True)


class MovementPageSerializer(serializers.Serializer[Any]):
    next = serializers.URLField(
        allow_null=True, help_text="The next (older) page; its `before` parameter is the keyset cursor."
    )
    results = MovementSerializer(many=True)


class ActivityCreateSerializer(Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", style={"base_template": "textarea.html"}
    )
    trades = serializers.ListField(
        child=serializers.SlugField(max_length=40),
        help_text="Codes of the trade register (`/api/trades/`); a trade allowed after approval waits for an advisor.",
    )

    def validate_trades(self, codes: list[str]) -> list[Trade]:
        """The trades in the order given, read in one query; a code not in the register is refused."""
        wanted = list(dict.fromkeys(codes))
        found = {trade.code: trade for trade in Trade.objects.filter(code__in=wanted)}
        unknown = [code for code in wanted if code not in found]
        if unknown:
            raise serializers.ValidationError(
                _("These codes are not in the trade register: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return [found[code] for code in wanted]


def _parse_before(value: str) -> tuple[date, int] | None:
    """The keyset cursor of the last movement seen; a value that is not one is refused, not ignored."""
    cursor = movement_cursor(value)
    if value and cursor is None:
        raise InvalidInput.on("before", _("This is not a cursor given by the previous page."))
    return cursor


def _limit(value: str | None) -> int:
    if value is None:
        return MOVEMENTS_PAGE
    try:
        return read_whole_number(
            value, minimum=1, maximum=MOVEMENTS_MAX, maximum_message=_("At most %(maximum)s movements per page.")
        )
    except ValidationError as error:
        raise InvalidInput.on("limit", error.messages[0]) from None


@extend_schema_view(
    list=extend_schema(responses={200: ActivitySerializer(many=True)}),
    retrieve=extend_schema(responses={200: ActivityDetailSerializer}),
    create=extend_schema(
        request=ActivityCreateSerializer,
        responses={201: ActivityDetailSerializer},
        description="Open an Activity: the signed-in member (an admitted one) becomes its manager.",
    ),
)
class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Activity]):
    """The signed-in member's Activities (staff: those of their office) with their books."""

    serializer_class = ActivitySerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9]+"

    def get_queryset(self) -> QuerySet[Activity]:
        activities = visible_activities(self.request.user).select_related("office")
        if self.action in ("retrieve", "create"):
            activities = activities.select_related("entity").prefetch_related("holders__member", "trade_links__trade")
        return activities.order_by("code")

    def _detail(self, activity: Activity, *, status_code: int = status.HTTP_200_OK) -> Response:
        """`activity` read through `get_queryset` (with the user's role and the detail's relations)."""
        reads = may(self.request.user, "read_books", activity)
        activity.books = activity_books(activity=activity) if reads else None  # type: ignore[attr-defined]
        return Response(ActivityDetailSerializer(activity).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        given = ActivityCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        member = Member.objects.filter(user=user).first()
        if member is None:
            raise InvalidInput(_("Only a member of the cooperative can open an Activity: join it first."))
        data = given.validated_data
        activity = activity_create(
            name=data["name"], holder=member, trades=data["trades"], actor=user, description=data["description"]
        )
        return self._detail(self.get_queryset().get(pk=activity.pk), status_code=status.HTTP_201_CREATED)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return ActivityDetailSerializer if self.action == "retrieve" else ActivitySerializer

    def get_object(self) -> Activity:
        self.kwargs["code"] = str(self.kwargs.get("code", "")).upper()
        return super().get_object()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = list(self.paginate_queryset(self.get_queryset()) or [])
        # The figures of the whole page in one query, for the rows whose books the user reads.
        readable = [activity for activity in page if may(request.user, "read_books", activity)]
        books = activities_books(activities=readable) if readable else {}
        for activity in page:
            activity.books = books.get(activity.pk)  # type: ignore[attr-defined]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def _books_reader(self) -> Activity:
        activity = self.get_object()
        if not may(self.request.user, "read_books", activity):
            raise PermissionDeniedError(_("Only the Activity's managers and co-holders read its books."))
        return activity

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "before",
                {"type": "string", "pattern": rf"^(?:{ISO_DATE}_0*[1-9][0-9]{{0,17}})?$"},
                description="The cursor of the last movement seen, `<date>_<id>`, as in the previous page's `next`; "
                "empty for the newest.",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MOVEMENTS_MAX},
                description=f"Movements per page (at most {MOVEMENTS_MAX}, {MOVEMENTS_PAGE} if not given).",
            ),
        ],
        responses={200: MovementPageSerializer},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def movements(self, request: Request, code: str | None = None) -> Response:
        """The Activity's movements, newest first, by keyset: a page costs the same at any depth."""
        activity = self._books_reader()
        before = _parse_before(request.query_params.get("before", ""))
        limit = _limit(request.query_params.get("limit"))
        rows = activity_movements(activity=activity, before=before, limit=limit + 1)
        page, more = rows[:limit], len(rows) > limit
        next_url = None
        if more:
            last = page[-1]
            cursor = movement_cursor_text(last)
            next_url = replace_query_param(request.build_absolute_uri(), "before", cursor)
        return Response({"next": next_url, "results": MovementSerializer(page, many=True).data})

    @extend_schema(
        methods=["GET"],
        parameters=PAGE_PARAMETERS,
        responses={200: ExpenseClaimPageSerializer},
        description="The Activity's expense claims (a worker: their own), newest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=ClaimCreateSerializer,
        responses={201: ExpenseClaimSerializer},
        description="A draft claim of the signed-in worker: add its lines, then submit it.",
    )
    @action(detail=True, methods=["get", "post"], url_path="expense-claims")
    def expense_claims(self, request: Request, code: str | None = None) -> Response:
        activity = self.get_object()
        user = _user(request)
        if request.method == "POST":
            given = ClaimCreateSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            claim = expense_claim_create(activity=activity, title=given.validated_data["title"], actor=user)
            created = _with_total(ExpenseClaim.objects.filter(pk=claim.pk)).get()
            return Response(ExpenseClaimSerializer(created).data, status=status.HTTP_201_CREATED)
        claims = _with_total(ExpenseClaim.objects.filter(activity=activity))
        if not may(user, "read_books", activity):
            claims = claims.filter(worker__user_id=user.pk)
        return _page(request, self, claims.order_by("-created_at", "-id"), ExpenseClaimSerializer)

    @extend_schema(
        request=ClientCreateSerializer,
        responses={201: ClientSerializer},
        description="A client or supplier for the Activity: a company already known by its VAT number is the "
        "cooperative's existing record, now linked to this Activity.",
    )
    @action(detail=True, methods=["post"])
    def clients(self, request: Request, code: str | None = None) -> Response:
        activity = self.get_object()
        given = ClientCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        third_party = third_party_add(
            activity=activity, data=ThirdPartyData(**given.validated_data), actor=_user(request)
        )
        return Response(ClientSerializer(third_party).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        parameters=PAGE_PARAMETERS,
        responses={200: PurchasePageSerializer},
        description="The Activity's purchases (suppliers' invoices), newest first: for its managers and "
        "co-holders, and staff.",
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": PurchaseCreateSerializer},
        responses={201: PurchaseSerializer},
        description="A supplier's invoice (multipart, with its file), paid from the Activity's budget once an "
        "advisor approves it.",
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def purchases(self, request: Request, code: str | None = None) -> Response:
        if request.method != "POST":
            activity = self._books_reader()
            rows = _with_links(Purchase.objects.filter(activity=activity)).order_by("-submitted_at", "-id")
            return _page(request, self, rows, PurchaseSerializer)
        activity = self.get_object()
        given = PurchaseCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        supplier = ThirdParty.objects.filter(pk=data["supplier"], activity_links__activity=activity).first()
        if supplier is None:
            raise InvalidInput.on("supplier", _("Choose one of the Activity's clients and suppliers (add it first)."))
        advanced_by = None
        if data.get("advanced_by") is not None:
            advanced_by = Member.objects.filter(number=data["advanced_by"], activities=activity).first()
            if advanced_by is None:
                raise InvalidInput.on("advanced_by", _("No holder of this Activity has this member number."))
        purchase = purchase_submit(
            activity=activity,
            supplier=supplier,
            data=PurchaseData(
                supplier_reference=data["supplier_reference"],
                invoice_date=data["invoice_date"],
                due_date=data["due_date"],
                category=data["category"],
                description=data["description"],
                amount=data["amount"],
                vat=data["vat"],
                payee=data["payee"],
                advanced_by=advanced_by,
            ),
            file=data.get("file"),
            actor=_user(request),
        )
        created = _with_links(Purchase.objects.filter(pk=purchase.pk)).get()
        return Response(PurchaseSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        parameters=PAGE_PARAMETERS,
        responses={200: TransferPageSerializer},
        description="The transfers from and to the Activity, newest first: both Activities see them.",
    )
    @extend_schema(
        methods=["POST"],
        request=TransferRequestSerializer,
        responses={201: TransferSerializer},
        description="A manager asks to pay another Activity for its work, or to share budget with it; "
        "the money moves when an advisor approves.",
    )
    @action(detail=True, methods=["get", "post"])
    def transfers(self, request: Request, code: str | None = None) -> Response:
        if request.method != "POST":
            activity = self._books_reader()
            rows = ActivityTransfer.objects.filter(Q(source=activity) | Q(destination=activity))
            rows = rows.select_related("source", "destination").order_by("-requested_at", "-id")
            return _page(request, self, rows, TransferSerializer)
        activity = self.get_object()
        given = TransferRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        transfer = activity_transfer_request(
            source=activity,
            destination_code=data["destination_code"],
            kind=data["kind"],
            amount=data["amount"],
            description=data["description"],
            actor=_user(request),
        )
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)

"""Activities in the API: the trade register, a member's Activities and their books, expense claims,
clients and suppliers, purchases, transfers, and the advisors' decisions on them.

Who sees what is decided once here, from the selectors: a member sees the Activities they hold; the
books (figures, movements, purchases and transfers) are read by the managers and co-holders, not by
a worker, who only claims their own expenses (`HolderRole`); staff with two-factor authentication
see the Activities of their office (every office for who sees them all), as in the admin. A record
out of reach is answered 404, as if it did not exist. Approving, rejecting and paying are for staff
with two-factor authentication and the model's change permission, as in the admin. The trade
register is public to every signed-in user.

Every write is one service call; a service's `ApplicationError` becomes the one error format
(`{"message", "fields"}`) through `smartcoop.api.exception_handler`, with its status (an approval
beyond the balance is a 409 naming the balance). Money is a string with two decimals.
"""

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, cast

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.models import AnonymousUser
from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, URLPattern, URLResolver, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from activities.models import (
    Activity,
    ActivityHolder,
    ActivityTrade,
    ActivityTransfer,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseLine,
    HolderRole,
    Purchase,
    PurchasePayee,
    ThirdParty,
    ThirdPartyKind,
    Trade,
    TradeAdmission,
    TransferKind,
)
from activities.selectors import (
    BOOK_ROLES,
    ActivityBooks,
    activities_books,
    activities_within_reach,
    activity_books,
    activity_movements,
    movement_cursor,
    movement_cursor_text,
    third_parties_of,
)
from activities.services import (
    ExpenseLineData,
    PurchaseData,
    ThirdPartyData,
    activity_create,
    activity_transfer_approve,
    activity_transfer_reject,
    activity_transfer_request,
    contribution_rate,
    expense_claim_approve,
    expense_claim_create,
    expense_claim_reimburse,
    expense_claim_reject,
    expense_claim_submit,
    expense_line_add,
    purchase_approve,
    purchase_pay,
    purchase_reject,
    purchase_submit,
    third_party_add,
)
from members.api import ErrorSerializer
from members.models import Member, User
from members.selectors import sees_every_office
from smartcoop.api import Pagination
from smartcoop.errors import InvalidInput, PermissionDeniedError
from smartcoop.money import ZERO

MOVEMENTS_PAGE, MOVEMENTS_MAX = 50, 200


def _user(request: Request) -> User:
    return cast(User, request.user)  # IsAuthenticated: never anonymous here


def is_two_factor_staff(user: User | AnonymousUser) -> bool:
    """Staff act on members' money only with two-factor authentication on, as in the admin."""
    return bool(user.is_authenticated and user.is_staff and is_mfa_enabled(user))


@dataclass(frozen=True)
class Viewer:
    """Who asks, worked out once a request: whether they act as staff, and over which offices."""

    user: User
    staff: bool  # staff with two-factor authentication
    every_office: bool

    @classmethod
    def of(cls, user: User) -> "Viewer":
        staff = is_two_factor_staff(user)
        return cls(user=user, staff=staff, every_office=staff and sees_every_office(user))

    def reaches(self, activity: Activity) -> bool:
        return self.staff and (self.every_office or self.user.office_id == activity.office_id)

    def reads_books(self, activity: Activity) -> bool:
        return getattr(activity, "my_role", None) in BOOK_ROLES or self.reaches(activity)


def visible_activities(viewer: Viewer) -> QuerySet[Activity]:
    """The Activities the user holds (any role), and for two-factor staff those within reach."""
    held = ActivityHolder.objects.filter(activity=OuterRef("pk"), member__user_id=viewer.user.pk)
    visible = Q(Exists(held))
    if viewer.staff:
        visible |= Q(pk__in=activities_within_reach(viewer.user).values("pk"))
    # The user's own role read in the same query: it decides, row by row, who reads the books.
    return Activity.objects.filter(visible).annotate(my_role=Subquery(held.values("role")[:1]))


def visible_claims(viewer: Viewer) -> QuerySet[ExpenseClaim]:
    """A worker's own claims; every claim of an Activity whose books the user reads."""
    user_id = viewer.user.pk
    readers = ActivityHolder.objects.filter(activity=OuterRef("activity"), member__user_id=user_id, role__in=BOOK_ROLES)
    visible = Q(worker__user_id=user_id) | Q(Exists(readers))
    if viewer.staff:
        visible |= Q(activity__in=activities_within_reach(viewer.user).values("pk"))
    return ExpenseClaim.objects.filter(visible)


class ViewerMixin:
    """Mixed into the viewsets below (views are made afresh for each request)."""

    @cached_property
    def viewer(self) -> Viewer:
        return Viewer.of(_user(cast(APIView, self).request))


def _with_total(claims: QuerySet[ExpenseClaim]) -> QuerySet[ExpenseClaim]:
    lines = ExpenseLine.objects.filter(claim=OuterRef("pk")).values("claim").annotate(s=Sum("amount")).values("s")
    return claims.select_related("activity", "worker").annotate(
        total=Coalesce(Subquery(lines), Value(ZERO), output_field=DecimalField())
    )


def _url(name: str, pk: int) -> str | None:
    """The URL of a file view served by the member pages (None until that view exists)."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


# --- serializers ------------------------------------------------------------------------------


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
    memo = serializers.CharField(read_only=True)
    available = money(read_only=True, help_text="Its effect on the available money.")
    committed = money(read_only=True)
    incoming = money(read_only=True)


class MovementPageSerializer(serializers.Serializer[Any]):
    next = serializers.URLField(
        allow_null=True, help_text="The next (older) page; its `before` parameter is the keyset cursor."
    )
    results = MovementSerializer(many=True)


class ExpenseLineSerializer(serializers.ModelSerializer[ExpenseLine]):
    category = serializers.SlugRelatedField[ExpenseCategory](slug_field="code", read_only=True)
    amount = money(read_only=True)
    vat = money(read_only=True)
    receipt_url = serializers.SerializerMethodField()

    class Meta:
        model = ExpenseLine
        fields = ["id", "spent_on", "category", "description", "amount", "vat", "kilometres", "rate", "receipt_url"]

    def get_receipt_url(self, line: ExpenseLine) -> str | None:
        return _url("activities:receipt", line.pk) if line.receipt else None


class ExpenseClaimSerializer(serializers.ModelSerializer[ExpenseClaim]):
    activity = serializers.CharField(source="activity.code", read_only=True)
    worker = serializers.IntegerField(source="worker.number", read_only=True, help_text="The worker's member number.")
    total = money(read_only=True, help_text="Sum of the lines, incl. VAT.")

    class Meta:
        model = ExpenseClaim
        fields = [
            "id",
            "activity",
            "worker",
            "title",
            "status",
            "reason",
            "total",
            "created_at",
            "submitted_at",
            "decided_at",
            "reimbursed_on",
        ]


class ExpenseClaimDetailSerializer(ExpenseClaimSerializer):
    lines = ExpenseLineSerializer(many=True, read_only=True)

    class Meta(ExpenseClaimSerializer.Meta):
        fields = [*ExpenseClaimSerializer.Meta.fields, "lines"]


class ExpenseClaimPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ExpenseClaimSerializer(many=True)


class ClaimCreateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)


class LineCreateSerializer(serializers.Serializer[Any]):
    spent_on = serializers.DateField()
    category = serializers.SlugRelatedField[ExpenseCategory](
        slug_field="code", queryset=ExpenseCategory.objects.all(), help_text="An expense category's code."
    )
    description = serializers.CharField(max_length=200)
    amount = money(required=False, default=ZERO, help_text="Incl. VAT; not for a trip paid per km.")
    vat = money(required=False, default=ZERO)
    kilometres = serializers.DecimalField(
        max_digits=7, decimal_places=1, required=False, allow_null=True, help_text="For a trip paid per km."
    )
    receipt = serializers.FileField(required=False, allow_null=True, help_text="PDF, JPEG or PNG, at most 10 MB.")


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300, allow_blank=True, help_text="The members read it.")


class TransferRequestSerializer(serializers.Serializer[Any]):
    destination_code = serializers.CharField(max_length=20, help_text="The code of the Activity receiving the money.")
    kind = serializers.ChoiceField(choices=TransferKind.choices)
    amount = money()
    description = serializers.CharField(max_length=200)


class TransferSerializer(serializers.ModelSerializer[ActivityTransfer]):
    source_code = serializers.CharField(source="source.code", read_only=True)
    destination_code = serializers.CharField(source="destination.code", read_only=True)
    amount = money(read_only=True)

    class Meta:
        model = ActivityTransfer
        fields = [
            "id",
            "source_code",
            "destination_code",
            "kind",
            "amount",
            "description",
            "status",
            "reason",
            "requested_at",
        ]


class ClientSerializer(serializers.ModelSerializer[ThirdParty]):
    class Meta:
        model = ThirdParty
        fields = [
            "id",
            "kind",
            "name",
            "street",
            "postal_code",
            "city",
            "country",
            "language",
            "email",
            "vat_number",
            "enterprise_number",
            "peppol_id",
            "payment_terms_days",
        ]


class ClientCreateSerializer(serializers.Serializer[Any]):
    """The fields of `ThirdPartyData`: a company known by its VAT number is the cooperative's one record."""

    kind = serializers.ChoiceField(choices=ThirdPartyKind.choices)
    name = serializers.CharField(max_length=200)
    street = serializers.CharField(max_length=200, help_text="Street and number.")
    postal_code = serializers.CharField(max_length=12)
    city = serializers.CharField(max_length=100)
    country = serializers.CharField(max_length=2, default="BE", help_text="ISO 3166 code, e.g. BE.")
    language = serializers.ChoiceField(
        choices=cast(list[tuple[str, str]], ThirdParty._meta.get_field("language").choices),
        help_text="The language of its invoices and reminders.",
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="", help_text="E-mail for invoices.")
    vat_number = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for a Belgian company (BE0123.456.789); ignored for a private person.",
    )
    payment_terms_days = serializers.IntegerField(min_value=0, max_value=120, default=30)


class TradeSerializer(serializers.ModelSerializer[Trade]):
    name = serializers.CharField(read_only=True, help_text="In the language of the request.")
    reason = serializers.CharField(
        read_only=True, help_text="Why it is excluded or what an advisor checks; in the language of the request."
    )

    class Meta:
        model = Trade
        fields = ["code", "sector", "admission", "name", "reason"]


class ActivityCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
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


class PurchaseSerializer(serializers.ModelSerializer[Purchase]):
    activity = serializers.CharField(source="activity.code", read_only=True)
    supplier = serializers.IntegerField(source="supplier_id", read_only=True, help_text="The supplier's id.")
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    category = serializers.SlugRelatedField[ExpenseCategory](slug_field="code", read_only=True)
    amount = money(read_only=True, help_text="Incl. VAT.")
    vat = money(read_only=True)
    advanced_by = serializers.IntegerField(
        source="advanced_by.number",
        read_only=True,
        allow_null=True,
        help_text="The member number of the holder who advanced the payment (payee `member`).",
    )
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Purchase
        fields = [
            "id",
            "activity",
            "supplier",
            "supplier_name",
            "supplier_reference",
            "invoice_date",
            "due_date",
            "category",
            "description",
            "amount",
            "vat",
            "payee",
            "advanced_by",
            "status",
            "reason",
            "submitted_at",
            "decided_at",
            "paid_on",
            "file_url",
        ]

    def get_file_url(self, purchase: Purchase) -> str | None:
        return _url("activities:purchase_file", purchase.pk) if purchase.file else None


class PurchasePageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PurchaseSerializer(many=True)


class PurchaseCreateSerializer(serializers.Serializer[Any]):
    supplier = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The id of one of the Activity's clients and suppliers."
    )
    supplier_reference = serializers.CharField(max_length=60, help_text="The supplier's invoice number.")
    invoice_date = serializers.DateField()
    due_date = serializers.DateField()
    category = serializers.SlugRelatedField[ExpenseCategory](
        slug_field="code", queryset=ExpenseCategory.objects.all(), help_text="An expense category's code."
    )
    description = serializers.CharField(max_length=200)
    amount = money(help_text="Incl. VAT.")
    vat = money(required=False, default=ZERO)
    payee = serializers.ChoiceField(choices=PurchasePayee.choices, default=PurchasePayee.SUPPLIER)
    advanced_by = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="With payee `member`: the member number of the holder who advanced the payment.",
    )
    file = serializers.FileField(
        required=False, allow_null=True, help_text="The supplier's invoice: PDF, JPEG or PNG, at most 10 MB."
    )


class PaymentSerializer(serializers.Serializer[Any]):
    paid_on = serializers.DateField(required=False, help_text="The day the money left the bank; today if not given.")

    def validate_paid_on(self, paid_on: date) -> date:
        if paid_on > timezone.localdate():
            raise serializers.ValidationError(_("A payment cannot be at a future date."))
        return paid_on


class TransferPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TransferSerializer(many=True)


# --- Activities -------------------------------------------------------------------------------

ERRORS = {401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


def _with_links(purchases: QuerySet[Purchase]) -> QuerySet[Purchase]:
    return purchases.select_related("activity", "supplier", "category", "advanced_by")


def _page(
    request: Request, view: APIView, rows: QuerySet[Any], serializer: type[serializers.BaseSerializer[Any]]
) -> Response:
    """One page of `rows` (ordered by the caller), in the project's pagination."""
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def _parse_before(value: str) -> tuple[date, int] | None:
    """The keyset cursor of the last movement seen; a value that is not one is refused, not ignored."""
    cursor = movement_cursor(value)
    if value and cursor is None:
        raise InvalidInput.on("before", _("This is not a cursor given by the previous page."))
    return cursor


def _limit(value: str) -> int:
    if not value:
        return MOVEMENTS_PAGE
    if not value.isdigit() or not 1 <= int(value) <= MOVEMENTS_MAX:
        raise InvalidInput.on("limit", _("Give a number between 1 and %(max)d.") % {"max": MOVEMENTS_MAX})
    return int(value)


@extend_schema_view(
    list=extend_schema(responses={200: ActivitySerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: ActivityDetailSerializer, **ERRORS}),
    create=extend_schema(
        request=ActivityCreateSerializer,
        responses={201: ActivityDetailSerializer, 400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer},
        description="Open an Activity: the signed-in member (an admitted one) becomes its manager.",
    ),
)
class ActivityViewSet(ViewerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Activity]):
    """The signed-in member's Activities (staff: those of their office) with their books."""

    serializer_class = ActivitySerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9]+"

    def get_queryset(self) -> QuerySet[Activity]:
        activities = visible_activities(self.viewer).select_related("office")
        if self.action in ("retrieve", "create"):
            activities = activities.select_related("entity").prefetch_related("holders__member", "trade_links__trade")
        return activities.order_by("code")

    def _detail(self, activity: Activity, *, status_code: int = status.HTTP_200_OK) -> Response:
        """`activity` read through `get_queryset` (with the user's role and the detail's relations)."""
        reads = self.viewer.reads_books(activity)
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
        readable = [activity for activity in page if self.viewer.reads_books(activity)]
        books = activities_books(activities=readable) if readable else {}
        for activity in page:
            activity.books = books.get(activity.pk)  # type: ignore[attr-defined]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def _books_reader(self) -> Activity:
        activity = self.get_object()
        if not self.viewer.reads_books(activity):
            raise PermissionDeniedError(_("Only the Activity's managers and co-holders read its books."))
        return activity

    @extend_schema(
        parameters=[
            OpenApiParameter("before", str, description="The cursor of the last movement seen: `<date>_<id>`."),
            OpenApiParameter("limit", int, description=f"Movements per page (at most {MOVEMENTS_MAX})."),
        ],
        responses={200: MovementPageSerializer, 400: ErrorSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def movements(self, request: Request, code: str | None = None) -> Response:
        """The Activity's movements, newest first, by keyset: a page costs the same at any depth."""
        activity = self._books_reader()
        before = _parse_before(request.query_params.get("before", ""))
        limit = _limit(request.query_params.get("limit", ""))
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
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: ExpenseClaimPageSerializer, **ERRORS},
        description="The Activity's expense claims (a worker: their own), newest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=ClaimCreateSerializer,
        responses={201: ExpenseClaimSerializer, 400: ErrorSerializer, 409: ErrorSerializer, **ERRORS},
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
        if not self.viewer.reads_books(activity):
            claims = claims.filter(worker__user_id=user.pk)
        return _page(request, self, claims.order_by("-created_at", "-id"), ExpenseClaimSerializer)

    @extend_schema(
        request=ClientCreateSerializer,
        responses={201: ClientSerializer, 400: ErrorSerializer, **ERRORS},
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
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: PurchasePageSerializer, **ERRORS},
        description="The Activity's purchases (suppliers' invoices), newest first: for its managers and "
        "co-holders, and staff.",
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": PurchaseCreateSerializer},
        responses={201: PurchaseSerializer, 400: ErrorSerializer, 409: ErrorSerializer, **ERRORS},
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
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: TransferPageSerializer, **ERRORS},
        description="The transfers from and to the Activity, newest first: both Activities see them.",
    )
    @extend_schema(
        methods=["POST"],
        request=TransferRequestSerializer,
        responses={201: TransferSerializer, 400: ErrorSerializer, 409: ErrorSerializer, **ERRORS},
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


# --- Expense claims ---------------------------------------------------------------------------


class StaffDecides(BasePermission):
    """Staff with two-factor authentication and the model's change permission, as in the admin."""

    permission = ""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return is_two_factor_staff(user) and user.has_perm(self.permission)


class CanDecideExpenses(StaffDecides):
    permission = "activities.change_expenseclaim"
    message = gettext_lazy("Only advisors with two-factor authentication decide on expense claims.")


class CanDecidePurchases(StaffDecides):
    permission = "activities.change_purchase"
    message = gettext_lazy("Only advisors with two-factor authentication decide on purchases.")


class CanDecideTransfers(StaffDecides):
    permission = "activities.change_activitytransfer"
    message = gettext_lazy("Only advisors with two-factor authentication decide on transfers between Activities.")


def _paid_on(request: Request) -> date:
    given = PaymentSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    paid_on: date = given.validated_data.get("paid_on") or timezone.localdate()
    return paid_on


@extend_schema_view(retrieve=extend_schema(responses={200: ExpenseClaimDetailSerializer, **ERRORS}))
class ExpenseClaimViewSet(ViewerMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ExpenseClaim]):
    """An expense claim with its lines: its worker fills and submits it; an advisor decides."""

    serializer_class = ExpenseClaimDetailSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[ExpenseClaim]:
        claims = _with_total(visible_claims(self.viewer))
        if self.action == "retrieve":
            claims = claims.prefetch_related("lines__category")
        return claims

    def _answer(self, claim: ExpenseClaim) -> Response:
        fresh = self.get_queryset().prefetch_related("lines__category").get(pk=claim.pk)
        return Response(ExpenseClaimDetailSerializer(fresh).data)

    @extend_schema(
        request={"multipart/form-data": LineCreateSerializer, "application/json": LineCreateSerializer},
        responses={201: ExpenseLineSerializer, 400: ErrorSerializer, 409: ErrorSerializer, **ERRORS},
        description="An expense with its receipt (multipart), or a trip paid per km (the rate of its date).",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def lines(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        given = LineCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        line = expense_line_add(
            claim=claim,
            data=ExpenseLineData(
                spent_on=data["spent_on"],
                category=data["category"],
                description=data["description"],
                amount=data["amount"],
                vat=data["vat"],
                kilometres=data.get("kilometres"),
            ),
            receipt=data.get("receipt"),
            actor=_user(request),
        )
        return Response(ExpenseLineSerializer(line).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ExpenseClaimDetailSerializer, 400: ErrorSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """The worker sends the claim to their advisor; it no longer changes."""
        claim = expense_claim_submit(claim=self.get_object(), actor=_user(request))
        return self._answer(claim)

    @extend_schema(request=None, responses={200: ExpenseClaimDetailSerializer, 409: ErrorSerializer, **ERRORS})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideExpenses])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Charge the Activity now (409, naming its balance, when it does not have the money)."""
        claim = self.get_object()
        expense_claim_approve(claim=claim, actor=_user(request))
        return self._answer(claim)

    @extend_schema(
        request=ReasonSerializer, responses={200: ExpenseClaimDetailSerializer, 400: ErrorSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideExpenses])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        given = ReasonSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        expense_claim_reject(claim=claim, reason=given.validated_data["reason"], actor=_user(request))
        return self._answer(claim)

    @extend_schema(
        request=PaymentSerializer,
        responses={200: ExpenseClaimDetailSerializer, 400: ErrorSerializer, 409: ErrorSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanDecideExpenses])
    def reimburse(self, request: Request, pk: str | None = None) -> Response:
        """The worker was paid back (once, however often it is retried)."""
        claim = self.get_object()
        expense_claim_reimburse(claim=claim, paid_on=_paid_on(request), actor=_user(request))
        return self._answer(claim)


# --- Purchases and transfers: the advisors' decisions -----------------------------------------


class PurchaseViewSet(viewsets.GenericViewSet[Purchase]):
    """An advisor approves a purchase (charged to the Activity's budget), rejects it, or marks it paid."""

    serializer_class = PurchaseSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [IsAuthenticated, CanDecidePurchases]

    def get_queryset(self) -> QuerySet[Purchase]:
        reach = activities_within_reach(self.request.user).values("pk")
        return _with_links(Purchase.objects.filter(activity__in=reach))

    def _answer(self, purchase: Purchase) -> Response:
        return Response(PurchaseSerializer(self.get_queryset().get(pk=purchase.pk)).data)

    @extend_schema(request=None, responses={200: PurchaseSerializer, 409: ErrorSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Charge the Activity now (409, naming its balance, when it does not have the money)."""
        purchase = self.get_object()
        purchase_approve(purchase=purchase, actor=_user(request))
        return self._answer(purchase)

    @extend_schema(
        request=ReasonSerializer,
        responses={200: PurchaseSerializer, 400: ErrorSerializer, 409: ErrorSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        purchase = self.get_object()
        given = ReasonSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        purchase_reject(purchase=purchase, reason=given.validated_data["reason"], actor=_user(request))
        return self._answer(purchase)

    @extend_schema(
        request=PaymentSerializer,
        responses={200: PurchaseSerializer, 400: ErrorSerializer, 409: ErrorSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        """The supplier (or the holder who advanced it) was paid (once, however often it is retried)."""
        purchase = self.get_object()
        purchase_pay(purchase=purchase, paid_on=_paid_on(request), actor=_user(request))
        return self._answer(purchase)


class TransferViewSet(viewsets.GenericViewSet[ActivityTransfer]):
    """An advisor of the paying Activity's office approves a transfer (the money moves) or rejects it."""

    serializer_class = TransferSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [IsAuthenticated, CanDecideTransfers]

    def get_queryset(self) -> QuerySet[ActivityTransfer]:
        reach = activities_within_reach(self.request.user).values("pk")
        return ActivityTransfer.objects.filter(source__in=reach).select_related("source", "destination")

    def _answer(self, transfer: ActivityTransfer) -> Response:
        return Response(TransferSerializer(self.get_queryset().get(pk=transfer.pk)).data)

    @extend_schema(request=None, responses={200: TransferSerializer, 409: ErrorSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Move the money (409, naming the paying Activity's balance, when it does not have it)."""
        transfer = self.get_object()
        activity_transfer_approve(transfer=transfer, actor=_user(request))
        return self._answer(transfer)

    @extend_schema(
        request=ReasonSerializer,
        responses={200: TransferSerializer, 400: ErrorSerializer, 409: ErrorSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        transfer = self.get_object()
        given = ReasonSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        activity_transfer_reject(transfer=transfer, reason=given.validated_data["reason"], actor=_user(request))
        return self._answer(transfer)


# --- Clients and suppliers --------------------------------------------------------------------


@extend_schema_view(list=extend_schema(responses={200: ClientSerializer(many=True), **ERRORS}))
class ClientViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[ThirdParty]):
    """The clients and suppliers the signed-in member's Activities work with."""

    serializer_class = ClientSerializer

    def get_queryset(self) -> QuerySet[ThirdParty]:
        return third_parties_of(_user(self.request)).order_by("name", "pk")


# --- The trade register -----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("admission", str, enum=TradeAdmission.values, description="Only trades admitted so."),
        ],
        responses={200: TradeSerializer(many=True), 400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer},
    )
)
class TradeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Trade]):
    """The trade register: what may be practised in the cooperative, and on which condition."""

    serializer_class = TradeSerializer

    def get_queryset(self) -> QuerySet[Trade]:
        trades = Trade.objects.order_by("sector", "name_fr", "code")
        admission = self.request.query_params.get("admission", "")
        if admission:
            if admission not in TradeAdmission.values:
                message = _("Unknown admission: choose one of %(choices)s.") % {
                    "choices": ", ".join(TradeAdmission.values)
                }
                raise InvalidInput.on("admission", message)
            trades = trades.filter(admission=admission)
        return trades


# No root view: the project's router already answers /api/.
router = SimpleRouter()
router.register("trades", TradeViewSet, basename="trade")
router.register("activities", ActivityViewSet, basename="activity")
router.register("expense-claims", ExpenseClaimViewSet, basename="expense-claim")
router.register("purchases", PurchaseViewSet, basename="purchase")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("clients", ClientViewSet, basename="client")

routes: list[URLPattern | URLResolver] = [*router.urls]

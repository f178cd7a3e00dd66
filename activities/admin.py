"""Advisors' desk for Activities: their books, the approval queues, clients and suppliers, registers.

Everything that moves money or changes an Activity goes through `activities.services`, exactly as
from the Espace membre: the admin gathers the advisor's decision (and reason) and shows the
service's answer. So the object pages are read-only and the decisions are small forms placed after
the change form (a <form> nested in another is dropped by the HTML parser), each posting to one
view that calls one service.

An advisor reaches the Activities of their own office (`activities_within_reach`); a superuser or a
holder of `members.view_all_offices` every office. Expense claims and purchases follow their
Activity's office, transfers the office of the Activity that pays. The limit sits in
`get_queryset`, which the lists, searches, filters, object pages and decision views all read, so an
Activity of another office is as absent as one that never existed.
"""

import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import Combinable, OrderBy
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.models import (
    Activity,
    ActivityEvent,
    ActivityHolder,
    ActivityStatus,
    ActivityThirdParty,
    ActivityTrade,
    ActivityTransfer,
    ClaimStatus,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseLine,
    Purchase,
    PurchaseStatus,
    ThirdParty,
    Trade,
    TradeApproval,
    TransferStatus,
)
from activities.selectors import activities_within_reach, activity_books, activity_movements
from activities.services import (
    activity_income_record,
    activity_set_rates,
    activity_set_status,
    activity_trade_decide,
    activity_transfer_approve,
    activity_transfer_reject,
    expense_claim_approve,
    expense_claim_reimburse,
    expense_claim_reject,
    purchase_approve,
    purchase_pay,
    purchase_reject,
)
from members.models import Office, User
from members.selectors import sees_every_office, within_reach
from smartcoop.admin_site import ReadOnlyInline
from smartcoop.errors import ApplicationError, admin_call
from smartcoop.money import ZERO

WAITING = "submitted"  # the status of a claim, purchase or transfer waiting for an advisor (all three)
LATEST_MOVEMENTS = 20


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the admin site lets in only active staff with two factors


def _link(name: str, pk: int, text: str) -> str:
    """A link to a view another part of the code base serves; plain text while it does not exist yet."""
    try:
        url = reverse(name, args=[pk])
    except NoReverseMatch:
        return text
    return format_html('<a href="{}">{}</a>', url, text)


def _amount(value: Decimal | None) -> str:
    return f"{number_format(value if value is not None else ZERO, 2, force_grouping=True)} EUR"


# --- typed input: amounts and rates as advisors type them ------------------------------------------


def parse_decimal(text: str) -> Decimal:
    """A number typed in the Belgian way or the English one: "1 234,56", "1.234,56", "1234.56", "5,5 %".

    Whichever of "," and "." comes last is the decimal separator; the other, and spaces, group
    thousands. Raises ValueError for anything else.
    """
    cleaned = "".join(text.split()).replace("\u202f", "").replace("%", "").replace("€", "").upper()
    cleaned = cleaned.removesuffix("EUR")
    if not cleaned:
        raise ValueError(text)
    decimal_mark = max(cleaned.rfind(","), cleaned.rfind("."))
    if decimal_mark >= 0:
        whole, fraction = cleaned[:decimal_mark], cleaned[decimal_mark + 1 :]
        cleaned = f"{whole.replace(',', '').replace('.', '')}.{fraction}"
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


class AmountField(forms.Field):
    """An amount in euros, with at most two decimals; the service checks the rest (positive, size)."""

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            amount = parse_decimal(text)
        except ValueError:
            raise forms.ValidationError(gettext("Enter an amount, e.g. 1 250,00.")) from None
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(gettext("Enter an amount with at most two decimals."))
        return amount


class PercentField(forms.Field):
    """A contribution rate typed as a percentage ("6,5" or "6.5 %" is 6.5 %), returned as a fraction (0.065).

    Percentages, never fractions: the rates are spoken of as "6,5 %" in the cooperative, and a
    fraction typed by mistake (0,065) has three decimals, which the field refuses rather than
    reading it as 0.065 %. Two decimals of a percentage are what the rate column holds (4 decimals).
    Empty means the cooperative entity's rate applies.
    """

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            percent = parse_decimal(text)
        except ValueError:
            raise forms.ValidationError(gettext("Enter a percentage, e.g. 6,5.")) from None
        if percent != percent.quantize(Decimal("0.01")):
            raise forms.ValidationError(
                gettext("Enter a percentage with at most two decimals (6,5 for 6.5 %), not a fraction.")
            )
        return (percent / 100).quantize(Decimal("0.0001"))


def _percent_text(rate: Decimal | None) -> str:
    if rate is None:
        return ""
    return f"{(rate * 100).normalize():f}".replace(".", ",")


class RatesForm(forms.Form):
    turnover_rate = PercentField(
        label=_("Contribution on turnover excl. VAT (%)"),
        required=False,
        help_text=_("A percentage, e.g. 6,5. Empty: the cooperative entity's rate."),
        widget=forms.TextInput(attrs={"form": "rates-form", "size": 6}),
    )
    employment_rate = PercentField(
        label=_("Contribution on the employment budget (%)"),
        required=False,
        help_text=_("A percentage, e.g. 7,5. Empty: the cooperative entity's rate."),
        widget=forms.TextInput(attrs={"form": "rates-form", "size": 6}),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"), choices=ActivityStatus.choices, widget=forms.Select(attrs={"form": "status-form"})
    )
    reason = forms.CharField(
        label=_("Reason (the holders read it)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"form": "status-form", "size": 60}),
    )


INCOME_SOURCES = [("subsidy", _("Subsidy")), ("other", _("Other income (sponsorship, gift, cash)"))]


class IncomeForm(forms.Form):
    amount = AmountField(label=_("Amount received (EUR)"), widget=forms.TextInput(attrs={"form": "income-form"}))
    source = forms.ChoiceField(
        label=_("Kind of income"), choices=INCOME_SOURCES, widget=forms.Select(attrs={"form": "income-form"})
    )
    memo = forms.CharField(
        label=_("Where the money comes from"),
        max_length=300,
        widget=forms.TextInput(attrs={"form": "income-form", "size": 60}),
    )
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"form": "income-form", "type": "date"}, format="%Y-%m-%d")
    )
    form_token = forms.CharField(max_length=64, widget=forms.HiddenInput(attrs={"form": "income-form"}))

    def clean_received_on(self) -> date:
        received_on: date = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError(gettext("Money cannot be received in the future."))
        return received_on


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


# --- filters shared by the lists ------------------------------------------------------------------


def _offices_within_reach(user: User) -> QuerySet[Office]:
    offices = Office.objects.order_by("name")
    return offices if sees_every_office(user) else offices.filter(pk=user.office_id or 0)


class OfficeFilter(admin.SimpleListFilter):
    """The offices the advisor reaches (one small query), not every office found among thousands of rows."""

    title = _("office")
    parameter_name = "office"

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: Any, model_admin: Any) -> None:
        self.office_path: str = getattr(model_admin, "office_path", "office")
        super().__init__(request, params, model, model_admin)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(office.pk), office.name) for office in _offices_within_reach(_user(request))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(**{f"{self.office_path}_id": int(value)})


class QueueStatusFilter(admin.SimpleListFilter):
    """The status, showing what waits for a decision unless another status (or all) is chosen."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        choices = model_admin.model._meta.get_field("status").choices
        return [*((str(value), str(label)) for value, label in choices), (self.ALL, gettext("All"))]

    def value(self) -> str:
        return str(super().value() or WAITING)

    def choices(self, changelist: ChangeList) -> Iterator[Any]:
        # No "All" entry that removes the parameter: without it the queue shows what waits.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset if value == self.ALL else queryset.filter(status=value)


class AgeFilter(admin.SimpleListFilter):
    """How long a record has been waiting for an advisor (only waiting records have an age)."""

    title = _("waiting for")
    parameter_name = "age"
    BOUNDS: ClassVar[dict[str, tuple[int | None, int | None]]] = {
        "lt2": (None, 2),
        "2to7": (2, 7),
        "gt7": (7, None),
    }

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: Any, model_admin: Any) -> None:
        self.submitted_field: str = getattr(model_admin, "submitted_field", "submitted_at")
        super().__init__(request, params, model, model_admin)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("lt2", _("less than 2 days")), ("2to7", _("2 to 7 days")), ("gt7", _("more than 7 days"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        bounds = self.BOUNDS.get(self.value() or "")
        if bounds is None:
            return queryset
        now, (at_least, less_than) = timezone.now(), bounds
        waiting = queryset.filter(status=WAITING)
        if at_least is not None:
            waiting = waiting.filter(**{f"{self.submitted_field}__lte": now - timedelta(days=at_least)})
        if less_than is not None:
            waiting = waiting.filter(**{f"{self.submitted_field}__gt": now - timedelta(days=less_than)})
        return waiting


# --- Activities -------------------------------------------------------------------------------


class HolderInline(ReadOnlyInline):
    model = ActivityHolder
    fields = readonly_fields = ("member", "role", "since")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActivityHolder]:
        return super().get_queryset(request).select_related("member")


class TradeInline(ReadOnlyInline):
    """The Activity's trades; a pending one is approved or refused right here (activity_trade_decide)."""

    model = ActivityTrade
    fields = readonly_fields = ("trade", "approval", "reason", "decided_by", "decided_at", "decision")
    verbose_name_plural = _("trades")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActivityTrade]:
        return super().get_queryset(request).select_related("trade", "decided_by")

    @admin.display(description=_("decision"))
    def decision(self, link: ActivityTrade) -> str:
        if link.approval != TradeApproval.PENDING or not getattr(self, "may_decide", False):
            return ""
        # The inputs belong to the trade form written after the change form (form="trade-form").
        return format_html(
            '<input type="text" name="reason-{pk}" form="trade-form" size="30" placeholder="{placeholder}"> '
            '<button type="submit" form="trade-form" name="decision" value="approve:{pk}">{approve}</button> '
            '<button type="submit" form="trade-form" name="decision" value="refuse:{pk}">{refuse}</button>',
            pk=link.pk,
            placeholder=gettext("Reason for a refusal"),
            approve=gettext("Approve"),
            refuse=gettext("Refuse"),
        )

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # The buttons are drawn only for who may decide; the view checks again.
        self.may_decide = obj is not None and request.user.has_perm("activities.change_activitytrade")
        return super().get_formset(request, obj, **kwargs)


class EventInline(ReadOnlyInline):
    model = ActivityEvent
    fields = readonly_fields = ("at", "action", "detail", "actor")
    verbose_name_plural = _("history")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActivityEvent]:
        return super().get_queryset(request).select_related("actor")


class ServicesOnlyAdmin(admin.ModelAdmin[Any]):
    """An object page that only shows: its changes are the forms after it, each calling a service.

    Without a change permission on the object, Django draws every field read-only and refuses a
    POST to the change form, so nothing bypasses the services. The list keeps the real permission,
    so the actions (which call services too) are offered to who may decide.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # records of money and decisions are kept

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def may_act(self, request: HttpRequest, obj: Any) -> bool:
        """The real change permission (reach is already ensured by get_queryset)."""
        return super().has_change_permission(request, obj)


@admin.register(Activity)
class ActivityAdmin(ServicesOnlyAdmin):
    change_form_template = "admin/activities/activity/change_form.html"
    list_display = ["code", "name", "office", "status", "holder_count", "created_at"]
    list_display_links = ["code", "name"]
    list_filter = [OfficeFilter, "status"]
    list_select_related = ["office"]
    office_path = "office"
    # The search box: get_search_results decides what a term matches.
    search_fields = ["code", "name"]
    search_help_text = _("An Activity code (A000123), a word of its name, or a holder's member number.")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    inlines = [HolderInline, TradeInline, EventInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "office", "status", "closed_on", "entity", "analytic")}),
        (_("Contribution rates"), {"fields": ("turnover_rate", "employment_rate")}),
        # Not the logo: a file field would link to MEDIA_ROOT, which is never served as such.
        (_("Presentation"), {"fields": ("description", "terms_of_sale")}),
        (_("Creation"), {"fields": ("created_at", "created_by")}),
    )
    readonly_fields = ["turnover_rate", "employment_rate", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Activity]:
        activities = activities_within_reach(_user(request)).select_related(
            "office", "entity", "analytic", "created_by"
        )
        return activities.annotate(holder_count=Count("holders"))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Activity], search_term: str
    ) -> tuple[QuerySet[Activity], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        found = Q(code__istartswith=term) | Q(name__icontains=term)
        number = term.lstrip("#")
        if number.isdigit() and len(number) <= 9:
            holders = ActivityHolder.objects.filter(activity=OuterRef("pk"), member__number=int(number))
            found |= Q(Exists(holders))
        return queryset.filter(found), False

    @admin.display(description=_("holders"), ordering="holder_count")
    def holder_count(self, activity: Activity) -> int:
        return int(getattr(activity, "holder_count", 0))

    def _rate(self, activity: Activity, on: str) -> str:
        override = getattr(activity, f"{on}_contribution_rate")
        entity_rate = getattr(activity.entity, f"{on}_contribution_rate")
        if override is None:
            return gettext("%(rate)s %% (the cooperative entity's rate)") % {"rate": _percent_text(entity_rate)}
        return gettext("%(rate)s %% (override; the entity's rate is %(entity)s %%)") % {
            "rate": _percent_text(override),
            "entity": _percent_text(entity_rate),
        }

    @admin.display(description=_("contribution on turnover"))
    def turnover_rate(self, activity: Activity) -> str:
        return self._rate(activity, "turnover")

    @admin.display(description=_("contribution on the employment budget"))
    def employment_rate(self, activity: Activity) -> str:
        return self._rate(activity, "employment")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        activity = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if activity is not None and self.has_view_permission(request, activity):
            may_act = self.may_act(request, activity)
            context.update(
                books=activity_books(activity=activity),
                movements=activity_movements(activity=activity, limit=LATEST_MOVEMENTS),
                may_act=may_act,
                see_postings=request.user.has_perm("ledger.view_transaction"),
            )
            if may_act:
                today = timezone.localdate()
                context.update(
                    rates_form=RatesForm(
                        prefix="rates",
                        initial={
                            "turnover_rate": _percent_text(activity.turnover_contribution_rate),
                            "employment_rate": _percent_text(activity.employment_contribution_rate),
                        },
                    ),
                    status_form=StatusForm(prefix="status", initial={"status": activity.status}),
                    income_form=IncomeForm(
                        prefix="income", initial={"received_on": today, "form_token": uuid.uuid4().hex}
                    ),
                )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/rates/", view(self.rates_view), name="activities_activity_rates"),
            path("<int:pk>/status/", view(self.status_view), name="activities_activity_status"),
            path("<int:pk>/income/", view(self.income_view), name="activities_activity_income"),
            path("<int:pk>/trade/", view(self.trade_view), name="activities_activity_trade"),
            *super().get_urls(),
        ]

    def _acting_on(
        self, request: HttpRequest, pk: int, act: Callable[[Activity, User], None], *, permission: str = ""
    ) -> HttpResponse:
        """Run one decision posted from the Activity's page, then go back to it."""
        activity = get_object_or_404(self.get_queryset(request), pk=pk)
        back = reverse("admin:activities_activity_change", args=[pk])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        allowed = request.user.has_perm(permission) if permission else self.may_act(request, activity)
        if not allowed:
            raise PermissionDenied
        act(activity, _user(request))
        return HttpResponseRedirect(back)

    def rates_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def act(activity: Activity, actor: User) -> None:
            form = RatesForm(request.POST, prefix="rates")
            if not form.is_valid():
                _form_errors(request, form)
                return
            admin_call(
                request,
                lambda: activity_set_rates(
                    activity=activity,
                    turnover_rate=form.cleaned_data["turnover_rate"],
                    employment_rate=form.cleaned_data["employment_rate"],
                    actor=actor,
                ),
                success=gettext("The contribution rates were changed; the change is in the Activity's history."),
            )

        return self._acting_on(request, pk, act)

    def status_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def act(activity: Activity, actor: User) -> None:
            form = StatusForm(request.POST, prefix="status")
            if not form.is_valid():
                _form_errors(request, form)
                return
            admin_call(
                request,
                lambda: activity_set_status(
                    activity=activity,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    actor=actor,
                ),
                success=gettext("The Activity's status was changed."),
            )

        return self._acting_on(request, pk, act)

    def income_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def act(activity: Activity, actor: User) -> None:
            form = IncomeForm(request.POST, prefix="income")
            if not form.is_valid():
                _form_errors(request, form)
                return
            data = form.cleaned_data
            admin_call(
                request,
                # One key per form shown: a double click or a resent form records the money once.
                lambda: activity_income_record(
                    activity=activity,
                    amount=data["amount"],
                    source=data["source"],
                    memo=data["memo"],
                    received_on=data["received_on"],
                    key=f"admin:{data['form_token']}",
                    actor=actor,
                ),
                success=gettext("%(amount)s recorded for %(activity)s.")
                % {"amount": _amount(data["amount"]), "activity": activity.code},
            )

        return self._acting_on(request, pk, act)

    def trade_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def act(activity: Activity, actor: User) -> None:
            decision, _sep, link_pk = request.POST.get("decision", "").partition(":")
            if decision not in {"approve", "refuse"} or not link_pk.isdigit():
                messages.error(request, gettext("Choose a decision."))
                return
            link = get_object_or_404(ActivityTrade.objects.select_related("activity", "trade"), pk=int(link_pk))
            if link.activity_id != activity.pk:
                raise PermissionDenied
            admin_call(
                request,
                lambda: activity_trade_decide(
                    link=link,
                    approve=decision == "approve",
                    reason=request.POST.get(f"reason-{link.pk}", ""),
                    actor=actor,
                ),
                success=(gettext("%(trade)s approved.") if decision == "approve" else gettext("%(trade)s refused."))
                % {"trade": link.trade.name},
            )

        return self._acting_on(request, pk, act, permission="activities.change_activitytrade")


# --- The approval queues: expense claims, purchases, transfers -----------------------------------


class QueueAdmin(ServicesOnlyAdmin):
    """A list of what waits for an advisor, oldest first, with actions and a decision form.

    Each subclass names its Activity's office, its date of submission and its services; the queue
    itself never writes a row.
    """

    change_form_template = "admin/activities/queue_change_form.html"
    office_path = "activity__office"
    submitted_field = "submitted_at"
    list_filter = (QueueStatusFilter, OfficeFilter, AgeFilter)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    actions = ["approve_selected"]
    approve_label = _("Approve")
    pay_label: Any = None
    approved_status = "approved"

    def scoped(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return within_reach(_user(request), queryset, office=self.office_path)

    def get_ordering(self, request: HttpRequest) -> list[str | OrderBy | Combinable]:
        # What waits is served first come, first served (along the (status, submitted) index);
        # decided records are looked up, newest first.
        if request.GET.get(QueueStatusFilter.parameter_name, WAITING) == WAITING:
            return [self.submitted_field, "pk"]
        return [F(self.submitted_field).desc(nulls_last=True), "-pk"]

    @admin.display(description=_("waiting for"))
    def age(self, obj: Any) -> str:
        submitted = getattr(obj, self.submitted_field)
        if obj.status != WAITING or submitted is None:
            return "-"
        return timesince(submitted, depth=1)

    def label(self, obj: Any) -> str:
        raise NotImplementedError

    def approve(self, obj: Any, actor: User) -> object:
        raise NotImplementedError

    def reject(self, obj: Any, reason: str, actor: User) -> object:
        raise NotImplementedError

    def pay(self, obj: Any, actor: User) -> object:
        raise NotImplementedError

    def _each(
        self, request: HttpRequest, records: Iterable[Any], service: Callable[[Any], object], done_message: str
    ) -> None:
        """Call the service for each record; each refusal is reported naming the record, the others go on."""
        done = 0
        for record in records:
            try:
                service(record)
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"{self.label(record)}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    # Read-only roles (accountants) see the queue; only who may change the records may decide.
    @admin.action(description=_("Approve the selected records"), permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        waiting = queryset.filter(status=WAITING).order_by(self.submitted_field, "pk")
        actor = _user(request)
        self._each(
            request, waiting, lambda record: self.approve(record, actor), gettext("%(count)d record(s) approved.")
        )

    @admin.action(description=_("Mark the selected records as paid today"), permissions=["change"])
    def pay_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        approved = queryset.filter(status=self.approved_status).order_by(self.submitted_field, "pk")
        actor = _user(request)
        self._each(request, approved, lambda record: self.pay(record, actor), gettext("%(count)d payment(s) recorded."))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None:
            info = self.opts.app_label, self.opts.model_name
            context.update(
                may_decide=self.may_act(request, obj),
                decide_url=reverse("admin:{}_{}_decide".format(*info), args=[obj.pk]),
                approve_label=self.approve_label,
                pay_label=self.pay_label,
                approved_status=self.approved_status,
            )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        decide = path(
            "<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="{}_{}_decide".format(*info)
        )
        return [decide, *super().get_urls()]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Approve, reject with a reason, or record the payment: one POST, one service call."""
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        info = self.opts.app_label, self.opts.model_name
        back = reverse("admin:{}_{}_change".format(*info), args=[pk])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        if not self.may_act(request, obj):
            raise PermissionDenied
        actor = _user(request)
        decision = request.POST.get("decision", "")
        if decision == "approve":
            admin_call(request, lambda: self.approve(obj, actor), success=gettext("Approved."))
        elif decision == "reject":
            admin_call(
                request,
                lambda: self.reject(obj, request.POST.get("reason", ""), actor),
                success=gettext("Rejected; the members see your reason."),
            )
        elif decision == "pay" and self.pay_label is not None:
            admin_call(request, lambda: self.pay(obj, actor), success=gettext("The payment is recorded."))
        else:
            messages.error(request, gettext("Choose a decision."))
        return HttpResponseRedirect(back)

    @admin.display(description=_("available in the Activity now"))
    def available(self, obj: Any) -> str:
        activity = obj.source if isinstance(obj, ActivityTransfer) else obj.activity
        return _amount(activity_books(activity=activity).available)


class ExpenseLineInline(ReadOnlyInline):
    model = ExpenseLine
    fields = readonly_fields = (
        "spent_on", "category", "description", "amount", "vat", "kilometres", "rate", "receipt_link",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExpenseLine]:
        return super().get_queryset(request).select_related("category")

    @admin.display(description=_("receipt"))
    def receipt_link(self, line: ExpenseLine) -> str:
        if not line.receipt:
            return gettext("none")
        return _link("activities:receipt", line.pk, gettext("Receipt"))


@admin.register(ExpenseClaim)
class ExpenseClaimAdmin(QueueAdmin):
    list_display = ["title", "status", "activity_code", "office", "worker", "total", "submitted_at", "age"]
    search_fields = ["^activity__code", "title", "worker__last_name", "worker__company_name"]
    search_help_text = _("An Activity code, a word of the title, or the worker's name.")
    inlines = [ExpenseLineInline]
    actions = ["approve_selected", "pay_selected"]
    approve_label = _("Approve: charge the Activity")
    pay_label = _("Mark as reimbursed today")
    approved_status = ClaimStatus.APPROVED
    fields = readonly_fields = (
        "activity", "worker", "title", "status", "total", "available", "reason", "created_at", "submitted_at",
        "decided_at", "decided_by", "reimbursed_on",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExpenseClaim]:
        # The total in the same query as the page: a subquery per row, no query per row.
        lines = ExpenseLine.objects.filter(claim=OuterRef("pk")).values("claim").annotate(s=Sum("amount")).values("s")
        claims = (
            super()
            .get_queryset(request)
            .select_related("activity__office", "activity__analytic", "worker", "decided_by")
            .annotate(total=Coalesce(Subquery(lines), Value(ZERO), output_field=DecimalField()))
        )
        return self.scoped(request, claims)

    @admin.display(description=_("Activity"), ordering="activity__code")
    def activity_code(self, claim: ExpenseClaim) -> str:
        return claim.activity.code

    @admin.display(description=_("office"), ordering="activity__office__name")
    def office(self, claim: ExpenseClaim) -> Office:
        return claim.activity.office

    @admin.display(description=_("total incl. VAT"), ordering="total")
    def total(self, claim: ExpenseClaim) -> str:
        return _amount(getattr(claim, "total", None))

    def label(self, obj: ExpenseClaim) -> str:
        return gettext("Expense claim %(id)s “%(title)s” (%(activity)s)") % {
            "id": obj.pk,
            "title": obj.title,
            "activity": obj.activity.code,
        }

    def approve(self, obj: ExpenseClaim, actor: User) -> object:
        return expense_claim_approve(claim=obj, actor=actor)

    def reject(self, obj: ExpenseClaim, reason: str, actor: User) -> object:
        expense_claim_reject(claim=obj, reason=reason, actor=actor)
        return None

    def pay(self, obj: ExpenseClaim, actor: User) -> object:
        return expense_claim_reimburse(claim=obj, paid_on=timezone.localdate(), actor=actor)


@admin.register(Purchase)
class PurchaseAdmin(QueueAdmin):
    list_display = [
        "supplier_reference", "status", "activity_code", "office", "supplier", "amount", "submitted_at", "age",
    ]  # fmt: skip
    search_fields = ["^activity__code", "supplier__name", "supplier_reference"]
    search_help_text = _("An Activity code, the supplier's name or their invoice number.")
    actions = ["approve_selected", "pay_selected"]
    approve_label = _("Approve: charge the Activity")
    pay_label = _("Mark as paid today")
    approved_status = PurchaseStatus.APPROVED
    fields = readonly_fields = (
        "activity", "supplier", "supplier_reference", "invoice_date", "due_date", "category", "description",
        "amount", "vat", "file_link", "payee", "advanced_by", "status", "available", "reason", "submitted_by",
        "submitted_at", "decided_at", "decided_by", "paid_on",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Purchase]:
        purchases = (
            super()
            .get_queryset(request)
            .select_related(
                "activity__office", "activity__analytic", "supplier", "category", "advanced_by", "submitted_by",
                "decided_by",
            )
        )  # fmt: skip
        return self.scoped(request, purchases)

    @admin.display(description=_("Activity"), ordering="activity__code")
    def activity_code(self, purchase: Purchase) -> str:
        return purchase.activity.code

    @admin.display(description=_("office"), ordering="activity__office__name")
    def office(self, purchase: Purchase) -> Office:
        return purchase.activity.office

    @admin.display(description=_("invoice file"))
    def file_link(self, purchase: Purchase) -> str:
        if not purchase.file:
            return gettext("none")
        return _link("activities:purchase_file", purchase.pk, gettext("Supplier's invoice"))

    def label(self, obj: Purchase) -> str:
        return gettext("Purchase %(reference)s from %(supplier)s (%(activity)s)") % {
            "reference": obj.supplier_reference,
            "supplier": obj.supplier.name,
            "activity": obj.activity.code,
        }

    def approve(self, obj: Purchase, actor: User) -> object:
        return purchase_approve(purchase=obj, actor=actor)

    def reject(self, obj: Purchase, reason: str, actor: User) -> object:
        purchase_reject(purchase=obj, reason=reason, actor=actor)
        return None

    def pay(self, obj: Purchase, actor: User) -> object:
        return purchase_pay(purchase=obj, paid_on=timezone.localdate(), actor=actor)


@admin.register(ActivityTransfer)
class ActivityTransferAdmin(QueueAdmin):
    """Transfers follow the office of the Activity that pays: its advisor approves them."""

    list_display = [
        "description", "status", "source_code", "office", "destination_code", "kind", "amount", "requested_at", "age",
    ]  # fmt: skip
    search_fields = ["^source__code", "^destination__code", "description"]
    search_help_text = _("The code of either Activity, or a word of the description.")
    office_path = "source__office"
    submitted_field = "requested_at"
    approve_label = _("Approve: move the money now")
    approved_status = TransferStatus.APPROVED
    fields = readonly_fields = (
        "source", "destination", "kind", "amount", "description", "status", "available", "reason", "requested_by",
        "requested_at", "decided_at", "decided_by",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActivityTransfer]:
        transfers = (
            super()
            .get_queryset(request)
            .select_related("source__office", "source__analytic", "destination", "requested_by", "decided_by")
        )
        return self.scoped(request, transfers)

    @admin.display(description=_("from Activity"), ordering="source__code")
    def source_code(self, transfer: ActivityTransfer) -> str:
        return transfer.source.code

    @admin.display(description=_("to Activity"), ordering="destination__code")
    def destination_code(self, transfer: ActivityTransfer) -> str:
        return transfer.destination.code

    @admin.display(description=_("office"), ordering="source__office__name")
    def office(self, transfer: ActivityTransfer) -> Office:
        return transfer.source.office

    def label(self, obj: ActivityTransfer) -> str:
        return gettext("Transfer %(id)s from %(source)s to %(destination)s") % {
            "id": obj.pk,
            "source": obj.source.code,
            "destination": obj.destination.code,
        }

    def approve(self, obj: ActivityTransfer, actor: User) -> object:
        return activity_transfer_approve(transfer=obj, actor=actor)

    def reject(self, obj: ActivityTransfer, reason: str, actor: User) -> object:
        activity_transfer_reject(transfer=obj, reason=reason, actor=actor)
        return None


# --- Clients and suppliers, and the registers -----------------------------------------------------


class ThirdPartyActivityInline(ReadOnlyInline):
    """The Activities within the advisor's reach that work with this client or supplier."""

    model = ActivityThirdParty
    fields = readonly_fields = ("activity", "since")
    verbose_name_plural = _("Activities working with them")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActivityThirdParty]:
        links = super().get_queryset(request).select_related("activity")
        return within_reach(_user(request), links, office="activity__office")


@admin.register(ThirdParty)
class ThirdPartyAdmin(admin.ModelAdmin[ThirdParty]):
    """Clients and suppliers, known once for the whole cooperative.

    Advisors correct an address (a client moved, a typo on an invoice) with a plain save: it moves
    no money and changes no decision, so no service is needed. The identity (name, VAT and
    enterprise numbers, Peppol identifier, country) stays as `third_party_add` checked and derived
    it, since two Activities may share the record and invoices are sent on it.
    """

    list_display = ["name", "kind", "vat_number", "enterprise_number", "postal_code", "city", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "=vat_number", "=enterprise_number"]
    search_help_text = _("A name, or a VAT or enterprise number (dots and spaces allowed).")
    show_full_result_count = False
    inlines = [ThirdPartyActivityInline]
    fields = [
        "kind", "name", "vat_number", "enterprise_number", "peppol_id", "street", "postal_code", "city", "country",
        "language", "email", "payment_terms_days", "created_at", "created_by",
    ]  # fmt: skip
    readonly_fields = [
        "kind", "name", "vat_number", "enterprise_number", "peppol_id", "country", "language", "email",
        "payment_terms_days", "created_at", "created_by",
    ]  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[ThirdParty]:
        third_parties = super().get_queryset(request).select_related("created_by")
        user = _user(request)
        if sees_every_office(user):
            return third_parties
        links = within_reach(user, ActivityThirdParty.objects.all(), office="activity__office")
        return third_parties.filter(Exists(links.filter(third_party=OuterRef("pk"))))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ThirdParty], search_term: str
    ) -> tuple[QuerySet[ThirdParty], bool]:
        # Numbers are typed as printed (BE 0754.316.243); they are stored compact.
        compact = "".join(search_term.split()).replace(".", "").replace("-", "").upper()
        digits = compact[2:] if compact[:2].isalpha() else compact
        if digits.isdigit() and len(digits) >= 9:
            number = digits.zfill(10)
            found = Q(vat_number=compact) | Q(enterprise_number=number) | Q(vat_number=f"BE{number}")
            return queryset.filter(found), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # added through third_party_add, which finds an existing record by its VAT number

    def has_delete_permission(self, request: HttpRequest, obj: ThirdParty | None = None) -> bool:
        return False  # invoices and purchases name them


@admin.register(Trade)
class TradeAdmin(admin.ModelAdmin[Trade]):
    """The trade register, the same for every office: administrators keep it (`change_trade`)."""

    list_display = ["code", "name_fr", "name_nl", "sector", "admission"]
    list_filter = ["sector", "admission"]
    search_fields = ["code", "name_fr", "name_nl", "name_en"]

    def get_readonly_fields(self, request: HttpRequest, obj: Trade | None = None) -> list[str]:
        # Activities and the catalogue migration refer to a trade by its code.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Trade | None = None) -> bool:
        return False  # Activities practise it; a trade no longer admitted is marked excluded


@admin.register(ExpenseCategory)
class ExpenseCategoryAdmin(admin.ModelAdmin[ExpenseCategory]):
    """What expenses are for and where they are booked; a change applies to approvals from now on."""

    list_display = ["code", "name_fr", "name_nl", "account_code", "vat_recoverable", "is_mileage"]
    list_filter = ["vat_recoverable", "is_mileage"]
    search_fields = ["code", "name_fr", "name_nl", "name_en", "account_code"]

    def get_readonly_fields(self, request: HttpRequest, obj: ExpenseCategory | None = None) -> list[str]:
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: ExpenseCategory | None = None) -> bool:
        return False  # expense lines and purchases name it

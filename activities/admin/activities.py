"""An Activity's page for advisors: its books and latest movements, its holders, trades
and history, and the decisions taken there (contribution rates, status, money received outside an
invoice, a trade to approve); and the trade register.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.admin.shared import (
    AmountField,
    OfficeFilter,
    PercentField,
    ServicesOnlyAdmin,
    _form_errors,
    _percent_text,
    _user,
)
from activities.models import (
    Activity,
    ActivityHolder,
    ActivityStatus,
    ActivityTrade,
    Trade,
    TradeApproval,
)
from activities.selectors import activity_books, activity_movements
from activities.services import (
    activity_income_record,
    activity_set_rates,
    activity_set_status,
    activity_trade_decide,
)
from members.models import User
from smartcoop.access import may
from smartcoop.admin_site import Queue, ReadOnlyInline, admin_call, register_queue
from smartcoop.audit.admin import AuditTrailMixin
from smartcoop.forms import DateField, Form
from smartcoop.input_rules import PAYMENT
from smartcoop.ledger.models import Transaction
from smartcoop.money import amount_text

LATEST_MOVEMENTS = 20


class RatesForm(Form):
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


class StatusForm(Form):
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


class IncomeForm(Form):
    amount = AmountField(label=_("Amount received (EUR)"), widget=forms.TextInput(attrs={"form": "income-form"}))
    source = forms.ChoiceField(
        label=_("Kind of income"), choices=INCOME_SOURCES, widget=forms.Select(attrs={"form": "income-form"})
    )
    memo = forms.CharField(
        label=_("Where the money comes from"),
        max_length=300,
        widget=forms.TextInput(attrs={"form": "income-form", "size": 60}),
    )
    received_on = DateField(
        label=_("Received on"),
        window=PAYMENT,
        widget=forms.DateInput(attrs={"form": "income-form", "type": "date"}, format="%Y-%m-%d"),
    )
    form_token = forms.CharField(max_length=64, widget=forms.HiddenInput(attrs={"form": "income-form"}))


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
        self.may_decide = obj is not None and may(request.user, "decide", ActivityTrade)
        return super().get_formset(request, obj, **kwargs)


class TradesToApproveFilter(admin.SimpleListFilter):
    """The Activities with a trade waiting for an advisor's approval: the trade queue of the desk."""

    title = _("trades")
    parameter_name = "trades"
    PENDING = "pending"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(self.PENDING, _("a trade to approve"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() != self.PENDING:
            return queryset
        pending = ActivityTrade.objects.filter(activity=OuterRef("pk"), approval=TradeApproval.PENDING)
        return queryset.filter(Exists(pending))


@admin.register(Activity)
class ActivityAdmin(AuditTrailMixin, ServicesOnlyAdmin):
    change_form_template = "admin/activities/activity/change_form.html"
    list_display = ["code", "name", "office", "status", "holder_count", "created_at"]
    list_display_links = ["code", "name"]
    list_filter = [OfficeFilter, "status", TradesToApproveFilter]
    list_select_related = ["office"]
    office_path = "office"
    # The search box: get_search_results decides what a term matches.
    search_fields = ["code", "name"]
    search_help_text = _("An Activity code (A000123), a word of its name, or a holder's member number.")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    # Who changed what, when: the audit trail at the end of the page, and its History page.
    inlines = [HolderInline, TradeInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "office", "status", "closed_on", "entity", "analytic")}),
        (_("Contribution rates"), {"fields": ("turnover_rate", "employment_rate")}),
        # Not the logo: a file field would link to MEDIA_ROOT, which is never served as such.
        (_("Presentation"), {"fields": ("description", "terms_of_sale")}),
        (_("Creation"), {"fields": ("created_at", "created_by")}),
    )
    readonly_fields = ["turnover_rate", "employment_rate", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Activity]:
        activities: QuerySet[Activity] = super().get_queryset(request)
        return activities.select_related("office", "entity", "analytic", "created_by").annotate(
            holder_count=Count("holders")
        )

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
                see_postings=may(request.user, "view", Transaction),
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
        self,
        request: HttpRequest,
        pk: int,
        act: Callable[[Activity, User], None],
        *,
        decided: type[ActivityTrade] | None = None,
    ) -> HttpResponse:
        """Run one decision posted from the Activity's page, then go back to it."""
        activity = get_object_or_404(self.get_queryset(request), pk=pk)
        back = reverse("admin:activities_activity_change", args=[pk])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        # A trade's decision names its link in the form; the service checks that one link again.
        allowed = may(request.user, "decide", decided) if decided else self.may_act(request, activity)
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
                % {"amount": amount_text(data["amount"]), "activity": activity.code},
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

        return self._acting_on(request, pk, act, decided=ActivityTrade)


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


# A trade is approved on its Activity's page; the queue lists the Activities with one waiting.
# The link keeps no date of its request, so the queue shows a count without an age.
register_queue(
    Queue(
        model=ActivityTrade,
        title=_("Trades to approve"),
        waiting=Q(approval=TradeApproval.PENDING),
        since=None,
        filters={TradesToApproveFilter.parameter_name: TradesToApproveFilter.PENDING},
        listed_in=Activity,
    )
)

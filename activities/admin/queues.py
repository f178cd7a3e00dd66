"""The approval queues (expense claims, purchases, transfers): what waits for an advisor,
oldest first, with its age, bulk actions and one decision form, each calling the topic's service.

Each queue registers itself on the desk's index (`smartcoop.admin_site.register_queue`). Its list
keeps the "waiting since" column second, so it stays in view at 1280 px; its decision page puts
the decisions first (each with an "and open the next one" twin), shows the receipts or the
supplier's invoice in the page, and its bulk actions ask for confirmation with the count and total.
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.db.models.expressions import Combinable, OrderBy
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.admin.shared import OfficeFilter, ServicesOnlyAdmin, _user
from activities.models import (
    ActivityTransfer,
)
from activities.selectors import activity_books
from members.models import User
from smartcoop.admin_site import Queue, ShownDocument, admin_call, after_decision, confirm_bulk, register_queue
from smartcoop.audit.admin import AuditTrailMixin
from smartcoop.errors import ApplicationError
from smartcoop.money import ZERO, amount_text
from smartcoop.uploads import document_response, stored_kind

WAITING = "submitted"  # the status of a claim, purchase or transfer waiting for an advisor (all three)


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


class QueueAdmin(AuditTrailMixin, ServicesOnlyAdmin):
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

    def get_ordering(self, request: HttpRequest) -> list[str | OrderBy | Combinable]:
        # What waits is served first come, first served (along the (status, submitted) index);
        # decided records are looked up, newest first.
        if request.GET.get(QueueStatusFilter.parameter_name, WAITING) == WAITING:
            return [self.submitted_field, "pk"]
        return [F(self.submitted_field).desc(nulls_last=True), "-pk"]

    @classmethod
    def register_queue(cls, model: Any, title: Any) -> None:
        """Put this queue on the desk's index: what waits, counted from when it was submitted."""
        register_queue(
            Queue.of_status(
                model, title, WAITING, since=cls.submitted_field, parameter=QueueStatusFilter.parameter_name
            )
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # One name for the moment each queue's records were submitted, so one column sorts them all.
        records: QuerySet[Any] = super().get_queryset(request).annotate(waiting_from=F(self.submitted_field))
        return records

    @admin.display(description=_("waiting since"), ordering="waiting_from")
    def waiting_since(self, obj: Any) -> str:
        """The day it was submitted and, while it waits, for how long: one narrow column."""
        submitted = getattr(obj, self.submitted_field)
        if submitted is None:
            return "-"
        day = date_format(timezone.localtime(submitted), "SHORT_DATE_FORMAT")
        if obj.status != WAITING:
            return day
        return gettext("%(day)s (%(age)s)") % {"day": day, "age": timesince(submitted, depth=1)}

    def label(self, obj: Any) -> str:
        raise NotImplementedError

    def amount_of(self, obj: Any) -> Decimal:
        """What the record weighs, for the total a bulk action asks to confirm."""
        return Decimal(getattr(obj, "amount", ZERO) or ZERO)

    def stored_documents(self, obj: Any) -> list[tuple[str, FieldFile, str]]:
        """The uploads to show in the decision page: (served name, file, caption)."""
        return []

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

    def _confirmed(
        self, request: HttpRequest, records: list[Any], *, action: str, question: str
    ) -> TemplateResponse | None:
        total = amount_text(sum((self.amount_of(record) for record in records), ZERO))
        rows = [(record.pk, f"{self.label(record)}: {amount_text(self.amount_of(record))}") for record in records]
        return confirm_bulk(request, self, rows, action=action, question=question, total=total)

    # Read-only roles (accountants) see the queue; only who may change the records may decide.
    @admin.action(description=_("Approve the selected records"), permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> TemplateResponse | None:
        waiting = list(queryset.filter(status=WAITING).order_by(self.submitted_field, "pk"))
        asked = self._confirmed(request, waiting, action="approve_selected", question=gettext("Approve these records?"))
        if asked is not None:
            return asked
        actor = _user(request)
        self._each(
            request, waiting, lambda record: self.approve(record, actor), gettext("%(count)d record(s) approved.")
        )
        return None

    @admin.action(description=_("Mark the selected records as paid today"), permissions=["change"])
    def pay_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> TemplateResponse | None:
        approved = list(queryset.filter(status=self.approved_status).order_by(self.submitted_field, "pk"))
        asked = self._confirmed(
            request, approved, action="pay_selected", question=gettext("Record these payments as made today?")
        )
        if asked is not None:
            return asked
        actor = _user(request)
        self._each(request, approved, lambda record: self.pay(record, actor), gettext("%(count)d payment(s) recorded."))
        return None

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
                documents=[
                    ShownDocument(
                        caption=caption,
                        url=reverse("admin:{}_{}_document".format(*info), args=[obj.pk, name]),
                        kind=stored_kind(file),
                    )
                    for name, file, caption in self.stored_documents(obj)
                ],
            )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        decide = path(
            "<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="{}_{}_decide".format(*info)
        )
        document = path(
            "<int:pk>/document/<slug:name>/",
            self.admin_site.admin_view(self.document_view),
            name="{}_{}_document".format(*info),
        )
        return [decide, document, *super().get_urls()]

    def document_view(self, request: HttpRequest, pk: int, name: str) -> FileResponse:
        """A receipt or an invoice of a record within reach, opened in the page (PDF and images)."""
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        for served_name, file, _caption in self.stored_documents(obj):
            if served_name == name:
                return document_response(file, name=served_name, inline=True)
        raise Http404

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
        status_before = obj.status
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
        obj.refresh_from_db(fields=["status"])
        return after_decision(
            request,
            obj=obj,
            decided=obj.status != status_before,
            waiting_rows=self.get_queryset(request).filter(status=WAITING),
            since=self.submitted_field,
        )

    @admin.display(description=_("available in the Activity now"))
    def available(self, obj: Any) -> str:
        activity = obj.source if isinstance(obj, ActivityTransfer) else obj.activity
        return amount_text(activity_books(activity=activity).available)

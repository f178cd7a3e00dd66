"""The Django admin for advisors and accountants: staff enter only with two-factor authentication.

Login goes through allauth (so failed logins are throttled and the TOTP step is asked); a staff
member without an authenticator is sent to set one up before the admin opens.

Which rows a page lists and which object it opens are the access policy's answers
(`smartcoop.access`), through `PolicyAdmin`: an object the user may not see is as absent from the
admin as from the API and the member pages.

Admin actions run services through `admin_call`, which shows a refusal (`ApplicationError`) as the
admin's error message, as the member pages and the API show the same error their own way.

The advisor's desk is built for a hundred decisions a day:

- Queues register themselves (`register_queue`): each app's admin names the model, what "waiting"
  means and since when an item waits. The index shows every queue the advisor may see with its
  waiting count and the age of the oldest item, one aggregate query per queue over the policy's
  rows (`visible`), so an advisor of Brussels never counts what waits in Namur. The next apps
  (invoices, contracts) add their queue the same way and appear on the index without a change here.
- After a decision, "decide and open the next one" goes to the next waiting item of the same
  queue, in the queue's own order and within the advisor's reach (`after_decision`).
- A bulk action first shows what it will do, the count and the total, and acts only once confirmed
  (`confirm_bulk`): nothing is approved by a stray click on "Go".
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Min, Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smartcoop.access import AnyUser, may, standing, visible
from smartcoop.errors import ApplicationError

M = TypeVar("M", bound=Model)
T = TypeVar("T")


class AdminSite(admin.AdminSite):
    site_header = _("SmartCoop administration")
    site_title = _("SmartCoop")
    index_title = _("Advisors' desk")
    index_template = "admin/desk_index.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        context = {**(extra_context or {}), "queues": queues_waiting(request.user)}
        return super().index(request, context)

    def has_permission(self, request: HttpRequest) -> bool:
        return standing(request.user).staff

    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not standing(user).staff:
            messages.warning(request, gettext("Set up two-factor authentication to enter the administration."))
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        if user.is_authenticated and not user.is_staff:
            messages.error(request, gettext("Your account has no access to the administration."))
            return HttpResponseRedirect(reverse("members:dashboard"))
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


class PolicyAdmin(admin.ModelAdmin[M]):
    """A model's admin whose rows and objects are the access policy's: "view" and "change" are asked of it.

    The list, the search, the filters, the object pages and autocomplete all read `get_queryset`,
    so a row the policy hides is as absent as one that never existed. What the admin calls changing
    is, for a queue, the policy's "decide" (`change_action`).
    """

    change_action = "change"

    def get_queryset(self, request: HttpRequest) -> QuerySet[M]:
        return visible(request.user, super().get_queryset(request))

    def has_view_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return may(request.user, "view", obj if obj is not None else self.model)

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return may(request.user, self.change_action, obj if obj is not None else self.model)


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    """What the services wrote, shown on the parent's page; changed only through them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def admin_call(request: HttpRequest, service: Callable[[], T], *, success: str | None = None) -> T | None:
    """Run a service from an admin action; its ApplicationError becomes the admin's error message."""
    try:
        result = service()
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return None
    if success:
        messages.success(request, success)
    return result


# --- The queues of the desk ----------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """Work waiting for an advisor: the rows of `model` matching `waiting`, oldest first by `since`.

    `since` names the date an item started waiting (None when the model keeps none); `filters` is
    the query string that makes the change list show exactly what waits: the model's own, or that
    of `listed_in` when the items are decided on another model's page (an Activity's trades).
    """

    model: type[Model]
    title: str | Promise
    waiting: Q
    since: str | None
    filters: dict[str, str] = field(default_factory=dict)
    listed_in: type[Model] | None = None

    @classmethod
    def of_status(
        cls, model: type[Model], title: str | Promise, status: str, *, since: str, parameter: str = "status__exact"
    ) -> "Queue":
        """What waits in one status, listed by the change list's status filter (`parameter`)."""
        return cls(model=model, title=title, waiting=Q(status=status), since=since, filters={parameter: status})

    @property
    def url(self) -> str:
        opts = (self.listed_in or self.model)._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return f"{url}?{urlencode(self.filters)}" if self.filters else url


@dataclass(frozen=True)
class QueueState:
    """A queue as one advisor sees it now: how many items wait and since when the oldest does."""

    queue: Queue
    count: int
    oldest: datetime | date | None

    @property
    def age(self) -> str:
        if self.oldest is None or not self.count:
            return ""
        return timesince(self.oldest, depth=1)


_QUEUES: list[Queue] = []


def register_queue(queue: Queue) -> None:
    """Put a queue on the desk; registering the same queue again (its model and list) replaces it.

    A model may have several queues, each its own list (overdue invoices, disputed ones).
    """
    _QUEUES[:] = [known for known in _QUEUES if (known.model, known.filters) != (queue.model, queue.filters)]
    _QUEUES.append(queue)


def registered_queues() -> list[Queue]:
    return list(_QUEUES)


def queues_waiting(user: AnyUser) -> list[QueueState]:
    """Every queue the user may look at, counted over the rows the policy lets them see.

    One aggregate query a queue: the count and the oldest date together.
    """
    states = []
    for queue in _QUEUES:
        if not may(user, "view", queue.model):
            continue
        rows = visible(user, queue.model._default_manager.filter(queue.waiting))
        if queue.since is None:
            found = rows.aggregate(count=Count("pk"))
            found["oldest"] = None
        else:
            found = rows.aggregate(count=Count("pk"), oldest=Min(queue.since))
        states.append(QueueState(queue=queue, count=found["count"], oldest=found["oldest"]))
    return states


def next_waiting(rows: QuerySet[M], *, after: M, since: str) -> M | None:
    """The waiting row that comes after `after` in the queue's order (`since`, then pk), else the first one.

    `rows` are the waiting rows within the advisor's reach. Going on from the item just decided,
    rather than from the oldest, keeps an item the advisor left waiting (a missing answer) from
    coming back after every decision; at the end of the queue it starts again from the oldest.
    """
    others = rows.exclude(pk=after.pk).order_by(since, "pk")
    moment = getattr(after, since)
    if moment is not None:
        later = others.filter(Q(**{f"{since}__gt": moment}) | Q(**{since: moment, "pk__gt": after.pk}))
        found = later.first()
        if found is not None:
            return found
    return others.first()


def after_decision(
    request: HttpRequest, *, obj: M, decided: bool, waiting_rows: QuerySet[M], since: str
) -> HttpResponseRedirect:
    """Where the advisor goes after a decision: the same page, or the next waiting item when asked.

    "Decide and open the next one" posts `then=next` in the query string. A refused decision
    (the item still waits) always comes back to the item, so its error is read where it applies.
    """
    opts = obj._meta
    here = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    if request.GET.get("then") != "next" or not decided:
        return HttpResponseRedirect(here)
    following = next_waiting(waiting_rows, after=obj, since=since)
    if following is None:
        messages.info(request, gettext("Nothing else waits in this queue."))
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[following.pk]))


CONFIRMED = "confirmed"


def confirm_bulk(
    request: HttpRequest,
    model_admin: admin.ModelAdmin[Any],
    rows: Sequence[tuple[object, str]],
    *,
    action: str,
    question: str,
    total: str | None,
) -> TemplateResponse | None:
    """The confirmation page of a bulk action, or None once the advisor has confirmed it.

    `rows` are the (pk, label) of the rows the action will act on (those still in the right status
    among the selection); the page names them, their count and their total, and posts them back
    with `confirmed`; Cancel returns to the list. The count is of the rows shown, so what is
    confirmed is what is done.
    """
    if request.POST.get(CONFIRMED) == "yes":
        return None
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": question,
        "opts": opts,
        "rows": rows,
        "count": len(rows),
        "total": total,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "confirmed_name": CONFIRMED,
        "changelist_url": request.get_full_path(),  # the list as it was, filters kept
    }
    return TemplateResponse(request, "admin/confirm_bulk.html", context)


@dataclass(frozen=True)
class ShownDocument:
    """A stored upload shown in a decision page: a PDF in a frame, an image as itself, else a link.

    `url` serves it inline (`smartcoop.uploads.document_response(inline=True)`), through a view
    that asks the policy first; `kind` is what its content is (pdf, jpeg, png or None).
    """

    caption: str
    url: str
    kind: str | None

    @property
    def framed(self) -> bool:
        return self.kind == "pdf"

    @property
    def image(self) -> bool:
        return self.kind in {"jpeg", "png"}

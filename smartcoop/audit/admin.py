"""The audit trail in the admin.

`AuditTrailMixin` gives any model admin the record's trail: its "History" page lists every entry
about the record, and the change page ends with the latest ones. Who may read a record's trail is
whoever may open the record in that admin: its `get_queryset` scope and view permission decide,
so an advisor of another office finds the history as absent as the record itself.

`AuditEntryAdmin` is the whole trail, read-only, for those holding `audit.view_auditentry`
(administrators).
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smartcoop.audit.models import AuditEntry
from smartcoop.audit.presentation import trail_rows
from smartcoop.audit.selectors import trail_of
from smartcoop.audit.services import _action_names, action_name

HISTORY_PAGE_SIZE = 100
LATEST_ON_CHANGE_PAGE = 10


class AuditTrailMixin(admin.ModelAdmin[Any]):
    """The record's audit trail on its History page and at the end of its change page."""

    object_history_template = "admin/audit/object_history.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "audit_trail"] if obj is not None else fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = [
            (name, {**options, "fields": [f for f in options.get("fields", ()) if f != "audit_trail"]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("Audit trail"), {"fields": ["audit_trail"]})]

    @admin.display(description=_("latest changes"))
    def audit_trail(self, obj: Any) -> SafeString:
        entries = list(trail_of(obj)[: LATEST_ON_CHANGE_PAGE + 1])
        history = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_history",
            args=[quote(obj.pk)],
            current_app=self.admin_site.name,
        )
        context = {
            "rows": trail_rows(entries[:LATEST_ON_CHANGE_PAGE]),
            "more": len(entries) > LATEST_ON_CHANGE_PAGE,
            "history_url": history,
        }
        return SafeString(render_to_string("admin/audit/latest.html", context))

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404  # out of reach is as absent as never existed
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        paginator = self.get_paginator(request, trail_of(obj), HISTORY_PAGE_SIZE)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Audit trail: %s") % obj,
            "subtitle": None,
            "rows": trail_rows(list(page.object_list)),
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > HISTORY_PAGE_SIZE,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)


class ActionFilter(admin.SimpleListFilter):
    """The actions the apps named: a list known in advance, so no scan of the trail to build it."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return sorted(((key, str(name)) for key, name in _action_names.items()), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        return queryset.filter(action=self.value()) if self.value() else queryset


class ActorFilter(admin.SimpleListFilter):
    """Staff and the platform itself; a member who acted is found by searching their e-mail."""

    title = _("by")
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        from django.contrib.auth import get_user_model

        staff = get_user_model()._default_manager.filter(is_staff=True).order_by("pk")
        return [("platform", gettext("the platform")), *((str(user.pk), str(user)) for user in staff)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        value = self.value()
        if value == "platform":
            return queryset.filter(actor__isnull=True)
        if value and value.isdigit():
            return queryset.filter(actor_id=int(value))
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = ["at", "actor", "what", "object_repr", "content_type", "origin"]
    list_filter = [ActionFilter, ActorFilter, ("at", admin.DateFieldListFilter), "content_type"]
    list_select_related = ["actor", "content_type"]
    search_fields = ["object_repr", "=object_id", "=request_id", "actor__email"]
    search_help_text = _("A record's name or id, a request id, or the e-mail address of who acted.")
    show_full_result_count = False
    fields = readonly_fields = (
        "at",
        "actor",
        "what",
        "content_type",
        "object_id",
        "object_repr",
        "changes",
        "request_id",
        "ip_address",
        "path",
        "task_name",
        "task_id",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return super().get_queryset(request).select_related("actor", "content_type")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    @admin.display(description=_("action"), ordering="action")
    def what(self, entry: AuditEntry) -> str:
        return action_name(entry.action)

    @admin.display(description=_("from"))
    def origin(self, entry: AuditEntry) -> str:
        if entry.task_name:
            return entry.task_name
        return format_html("{} {}", entry.ip_address or "", entry.path)

    @admin.display(description=_("changes"))
    def changes(self, entry: AuditEntry) -> SafeString:
        return SafeString(render_to_string("admin/audit/trail.html", {"rows": trail_rows([entry])}))

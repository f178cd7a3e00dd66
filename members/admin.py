"""Advisors' desk for members and the share register.

An advisor sees and acts only on the members of their own office (`User.office`); a superuser, or
anyone holding `members.view_all_offices` (accountants and administrators, by migration 0005),
sees every office. The access policy decides it (`members.access`, asked through `PolicyAdmin`):
the change list, the search, the filters, the object pages and autocomplete all read its rows, so
a member of another office is as absent as one that never existed.

The register is read-only here: it changes only through the services in `members.services`.
A member's identity is corrected through `member_update_identity`, like everywhere else.
"""

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import ForeignKey, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.documents import share_register_csv_lines
from members.identity import (
    clean_enterprise_number,
    clean_iban,
    clean_national_number,
    enterprise_number_text,
    iban_text,
    national_number_text,
)
from members.models import (
    Member,
    MemberStatus,
    Office,
    PersonKind,
    RegisterExport,
    RegisterExportStatus,
    Role,
    ShareOperation,
    User,
)
from members.selectors import members_matching, with_holding
from members.services import (
    Identity,
    check_assignment,
    member_assign,
    member_update_identity,
    register_export_request,
    shares_buy_back,
    shares_transfer,
)
from smartcoop.access import may, visible
from smartcoop.admin_site import PolicyAdmin, ReadOnlyInline, admin_call
from smartcoop.audit.admin import AuditTrailMixin
from smartcoop.csv_export import csv_response
from smartcoop.errors import ApplicationError, InvalidInput
from smartcoop.forms import ModelForm
from smartcoop.uploads import document_response


class MemberChangeList(ChangeList):
    """Row links carry the list's filters, built once a page rather than resolve()d once a link.

    Django builds each row's link with add_preserved_filters, which resolves the URL again for
    every link: about 60 ms of a filtered 100-row page at 50,000 members.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_query, self.preserved_filters = self.preserved_filters, ""

    def url_for_result(self, result: Any) -> str:
        url = str(super().url_for_result(result))
        return f"{url}?{self.row_query}" if self.row_query else url


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the admin site lets in only active staff with two factors


# --- Offices and users ---------------------------------------------------------------------------


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin[Office]):
    list_display = ["name", "city", "email"]
    search_fields = ["name", "city"]


@admin.register(User)
class UserAdmin(AuditTrailMixin, DjangoUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "language", "office", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups", "office", "language"]
    list_select_related = ["office"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "language", "office")}),
        (_("Roles and rights"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "language", "password1", "password2")}),)

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).select_related("office")


# --- Members ---------------------------------------------------------------------------------------

IDENTITY_FIELDS = [
    "kind",
    "first_name",
    "last_name",
    "birth_date",
    "national_number",
    "company_name",
    "enterprise_number",
    "representative",
    "street",
    "postal_code",
    "city",
    "country",
    "phone",
    "iban",
]
NATURAL_ONLY = ["first_name", "last_name", "birth_date", "national_number"]
LEGAL_ONLY = ["company_name", "enterprise_number", "representative"]


class MemberAdminForm(ModelForm[Member]):
    """Takes identifiers as people type them; stores them compact, as the services do.

    The wider fields accept dots, dashes and spaces; `clean` compacts them with the helpers the
    services use, so the model's constraints judge the stored form and the advisor reads the same
    sentence as the member would.
    """

    national_number = forms.CharField(label=_("national register number"), max_length=20, required=False)
    enterprise_number = forms.CharField(label=_("enterprise number"), max_length=20, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    assignment_reason = forms.CharField(
        label=_("reason for the change"),
        max_length=300,
        required=False,
        help_text=_("Kept in the member's history when the office, the advisor or the category changes."),
    )

    class Meta:
        model = Member
        fields = [*IDENTITY_FIELDS, "category", "office", "advisor"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Shown grouped as on the card and the bank statement, so the advisor compares block by block;
        # `clean` compacts them again.
        member = self.instance
        if member.pk is not None and not self.is_bound:
            self.initial["national_number"] = national_number_text(member.national_number or "")
            self.initial["enterprise_number"] = enterprise_number_text(member.enterprise_number or "")
            self.initial["iban"] = iban_text(member.iban or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        checks: dict[str, Callable[[], str]] = {"iban": lambda: clean_iban(data.get("iban") or "")}
        if kind == PersonKind.NATURAL:
            checks["national_number"] = lambda: clean_national_number(
                data.get("national_number") or "", birth_date=data.get("birth_date")
            )
        elif kind == PersonKind.LEGAL:
            checks["enterprise_number"] = lambda: clean_enterprise_number(data.get("enterprise_number") or "")
        for name, check in checks.items():
            if name not in data:
                continue  # the field itself already failed and says why
            try:
                data[name] = check()
            except InvalidInput as error:
                for field, messages in error.fields.items():
                    self.add_error(field if field in self.fields else None, [str(m) for m in messages])
        office = data.get("office")
        if office is not None:
            category = data.get("category", self.instance.category)  # read-only once shares exist
            try:
                check_assignment(office=office, advisor=data.get("advisor"), category=category)
            except InvalidInput as error:
                for field, messages in error.fields.items():
                    self.add_error(field if field in self.fields else None, [str(m) for m in messages])
        # What belongs to the other kind of person is dropped, as member_update_identity does.
        other_kind: dict[str, list[str]] = {PersonKind.NATURAL: LEGAL_ONLY, PersonKind.LEGAL: NATURAL_ONLY}
        for name in other_kind.get(str(kind), []):
            data[name] = None if name == "birth_date" else ""
        return data


INLINE_COLUMNS: tuple[str, ...] = (
    "number",
    "operation_date",
    "kind",
    "share_class",
    "quantity",
    "unit_value",
    "counterpart",
    "reason",
)
OPERATION_FIELDS: tuple[str, ...] = (
    "number",
    "operation_date",
    "kind",
    "member",
    "share_class",
    "quantity",
    "unit_value",
    "amount",
    "counterpart",
    "reason",
    "key",
    "actor",
    "created_at",
)


class ShareOperationInline(ReadOnlyInline):
    """The member's lines of the register, as recorded: nothing to add, change or delete here."""

    model = ShareOperation
    fk_name = "member"
    fields = readonly_fields = INLINE_COLUMNS
    show_change_link = True
    verbose_name_plural = _("share register")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShareOperation]:
        return super().get_queryset(request).select_related("counterpart")


@admin.register(Member)
class MemberAdmin(AuditTrailMixin, PolicyAdmin[Member]):
    form = MemberAdminForm
    list_display = [
        "number",
        "name",
        "category",
        "status",
        "office",
        "advisor",
        "applied_on",
        "admitted_on",
        "current_holding",
    ]
    list_display_links = ["number", "name"]
    list_filter = [
        ("office", admin.RelatedOnlyFieldListFilter),
        "category",
        "status",
        ("advisor", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["office", "advisor"]
    # The search box and autocomplete: get_search_results decides what a term matches.
    search_fields = ["last_name", "first_name", "company_name"]
    search_help_text = _("A name, or a member, national register or enterprise number (dots and dashes allowed).")
    # Counting every member for "x of y" on each page costs more than the page itself.
    show_full_result_count = False
    # Changes of identity, office, advisor and shares are in the audit trail at the end of the page.
    inlines = [ShareOperationInline]
    change_form_template = "admin/members/member/change_form.html"
    list_per_page = 50

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return MemberChangeList

    fieldsets = (
        (None, {"fields": ("number", "status", "kind", "category", "user", "current_holding")}),
        (
            _("Identity"),
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "birth_date",
                    "national_number",
                    "company_name",
                    "enterprise_number",
                    "representative",
                )
            },
        ),
        (_("Address and bank"), {"fields": ("street", "postal_code", "city", "country", "phone", "iban", "bic")}),
        (_("Follow-up"), {"fields": ("office", "advisor", "assignment_reason")}),
        (_("Membership"), {"fields": ("applied_on", "admitted_on", "left_on", "exit_reason")}),
    )
    # Number, status and dates change only through the register's services; the login never changes.
    readonly_fields = [
        "number",
        "status",
        "user",
        "current_holding",
        "bic",
        "applied_on",
        "admitted_on",
        "left_on",
        "exit_reason",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        return with_holding(super().get_queryset(request))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Member], search_term: str
    ) -> tuple[QuerySet[Member], bool]:
        if not search_term.strip():
            return queryset, False
        return members_matching(queryset, search_term), False

    def get_readonly_fields(self, request: HttpRequest, obj: Member | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != MemberStatus.APPLICANT:
            # The category is the class of the shares already issued: it changes with them, not here.
            fields.append("category")
        return fields

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        offices = visible(_user(request), Office, "reach")
        if db_field.name == "advisor":
            advisors = User.objects.filter(groups__name=Role.ADVISOR.value, is_active=True).select_related("office")
            kwargs["queryset"] = advisors.filter(office__in=offices)
        elif db_field.name == "office":
            kwargs["queryset"] = offices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Members join through member_create (sign-up or an advisor's form), which numbers them.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Member | None = None) -> bool:
        # The register names them for ever: a member leaves (status), never disappears.
        return False

    def save_model(self, request: HttpRequest, obj: Member, form: forms.ModelForm[Member], change: bool) -> None:
        data = form.cleaned_data
        identity = Identity(**{name: data[name] for name in IDENTITY_FIELDS if name in data})
        actor = cast(User, request.user)
        # The form assigned the new office, advisor and category to `obj`; the service compares
        # them with the stored row, so it is given them and `obj` is refreshed first.
        office, advisor, category = obj.office, obj.advisor, obj.category
        obj.refresh_from_db(fields=["office", "advisor", "category"])
        member_update_identity(member=obj, identity=identity, actor=actor)
        member_assign(
            member=obj,
            office=office,
            advisor=advisor,
            category=category,
            reason=data.get("assignment_reason", ""),
            actor=actor,
        )

    def get_urls(self) -> list[URLPattern]:
        register = path(
            "<int:pk>/register/",
            self.admin_site.admin_view(self.register_view),
            name="members_member_register",
        )
        return [register, *super().get_urls()]

    def register_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A buy-back or a transfer from the member's page, through the register's services."""
        member = get_object_or_404(self.get_queryset(request), pk=pk)
        back = reverse("admin:members_member_change", args=[pk])
        if request.method != "POST" or not self.has_change_permission(request, member):
            return HttpResponseRedirect(back)
        actor = _user(request)
        operation = request.POST.get("operation", "")
        # One key per submitted form: a double click or a resent form records the operation once.
        key = f"admin:{request.POST.get('form_token', '')}"
        try:
            quantity = int(request.POST.get("quantity", "0") or 0)
        except ValueError:
            quantity = 0
        try:
            if operation == "buyback":
                shares_buy_back(
                    member=member,
                    quantity=quantity,
                    on=timezone.localdate(),
                    reason=request.POST.get("reason", "").strip() or gettext("Shares refunded"),
                    key=key,
                    actor=actor,
                )
                messages.success(request, gettext("The shares were bought back at their nominal value."))
            elif operation == "transfer":
                buyer = members_matching(visible(actor, Member), request.POST.get("buyer", ""))
                found = buyer.first() if buyer.count() == 1 else None
                if found is None:
                    raise InvalidInput(gettext("Name exactly one member to receive the shares (their member number)."))
                shares_transfer(
                    seller=member, buyer=found, quantity=quantity, on=timezone.localdate(), key=key, actor=actor
                )
                messages.success(request, gettext("The shares were transferred."))
            else:
                messages.error(request, gettext("Choose an operation."))
        except ApplicationError as error:
            messages.error(request, str(error.message))
        return HttpResponseRedirect(back)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {**(extra_context or {}), "register_form_token": uuid.uuid4().hex}
        return super().change_view(request, object_id, form_url, context)

    @admin.display(description=_("name"), ordering="last_name")
    def name(self, member: Member) -> str:
        return member.display_name

    @admin.display(description=_("shares held"), ordering="holding")
    def current_holding(self, member: Member) -> int:
        return int(getattr(member, "holding", 0))


# --- The share register -------------------------------------------------------------------------


@admin.register(ShareOperation)
class ShareOperationAdmin(PolicyAdmin[ShareOperation]):
    """The legal register, line by line, for the members within reach: read only."""

    change_list_template = "admin/members/shareoperation/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        csv_url = path("register.csv", self.admin_site.admin_view(self.register_csv), name="members_shareoperation_csv")
        pdf_url = path("register.pdf", self.admin_site.admin_view(self.register_pdf), name="members_shareoperation_pdf")
        return [csv_url, pdf_url, *super().get_urls()]

    def register_pdf(self, request: HttpRequest) -> HttpResponse:
        """Queue the register PDF at a date; a worker builds it and it appears under "Share register PDFs"."""
        if request.method != "POST" or not may(request.user, "export", ShareOperation):
            raise PermissionDenied
        try:
            at = date.fromisoformat(request.POST.get("at", "") or timezone.localdate().isoformat())
        except ValueError:
            messages.error(request, gettext("Enter a valid date."))
            return HttpResponseRedirect(reverse("admin:members_shareoperation_changelist"))
        export = admin_call(
            request,
            lambda: register_export_request(at=at, actor=_user(request)),
            success=gettext("The register is being printed; it will be ready here in a few minutes."),
        )
        if export is None:
            return HttpResponseRedirect(reverse("admin:members_shareoperation_changelist"))
        return HttpResponseRedirect(reverse("admin:members_registerexport_changelist"))

    def register_csv(self, request: HttpRequest) -> StreamingHttpResponse:
        """The whole legal register, for those who may read every office's members."""
        if not may(request.user, "export", ShareOperation):
            raise PermissionDenied
        filename = f"share_register_{timezone.localdate():%Y%m%d}.csv"
        return csv_response(share_register_csv_lines(), filename=filename)

    list_display = [
        "number",
        "operation_date",
        "member",
        "kind",
        "share_class",
        "quantity",
        "unit_value",
        "counterpart",
    ]
    list_filter = ["kind", "share_class", "operation_date"]
    date_hierarchy = "operation_date"
    list_select_related = ["member", "counterpart"]
    search_fields = ["member__number"]
    search_help_text = _("A member number.")
    show_full_result_count = False
    fields = readonly_fields = OPERATION_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShareOperation]:
        return super().get_queryset(request).select_related("member", "counterpart", "actor")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ShareOperation], search_term: str
    ) -> tuple[QuerySet[ShareOperation], bool]:
        term = search_term.strip().lstrip("#")
        if not term:
            return queryset, False
        if not term.isdigit() or len(term) > 9:
            return queryset.none(), False
        return queryset.filter(member__number=int(term)), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ShareOperation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ShareOperation | None = None) -> bool:
        return False

    @admin.display(description=_("amount"))
    def amount(self, operation: ShareOperation) -> Decimal:
        return operation.amount


@admin.register(RegisterExport)
class RegisterExportAdmin(PolicyAdmin[RegisterExport]):
    """Register PDFs printed by the worker, downloadable by those who may read every office's members."""

    list_display = ["requested_at", "at", "status", "pages", "requested_by", "finished_at", "download"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]
    fields = readonly_fields = (
        "at", "status", "pages", "requested_by", "requested_at", "finished_at", "error", "download",
    )  # fmt: skip

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:pk>/download/",
            self.admin_site.admin_view(self.download_view),
            name="members_registerexport_download",
        )
        return [download, *super().get_urls()]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # asked for from the register's page, through register_export_request

    def has_change_permission(self, request: HttpRequest, obj: RegisterExport | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RegisterExport | None = None) -> bool:
        return False

    @admin.display(description=_("file"))
    def download(self, export: RegisterExport) -> str:
        if export.status != RegisterExportStatus.READY:
            return "-"
        url = reverse("admin:members_registerexport_download", args=[export.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))

    def download_view(self, request: HttpRequest, pk: int) -> FileResponse:
        export = get_object_or_404(RegisterExport, pk=pk, status=RegisterExportStatus.READY)
        if not self.has_view_permission(request, export):
            raise PermissionDenied
        return document_response(export.file, name=f"share-register-{export.at:%Y-%m-%d}-{export.pk}")


# The advisors' queue of applications and capital calls registers itself on import.
from members import admin_applications  # noqa: E402, F401

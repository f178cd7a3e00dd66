"""Clients and suppliers, with the Activities that work with each."""

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from activities.admin.shared import _user
from activities.models import (
    ActivityThirdParty,
    ThirdParty,
)
from members.identity import enterprise_number_text
from smartcoop.access import visible
from smartcoop.admin_site import PolicyAdmin, ReadOnlyInline


class ThirdPartyActivityInline(ReadOnlyInline):
    """The Activities within the advisor's reach that work with this client or supplier."""

    model = ActivityThirdParty
    fields = readonly_fields = ("activity", "since")
    verbose_name_plural = _("Activities working with them")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActivityThirdParty]:
        return visible(_user(request), super().get_queryset(request).select_related("activity"))


@admin.register(ThirdParty)
class ThirdPartyAdmin(PolicyAdmin[ThirdParty]):
    """Clients and suppliers, known once for the whole cooperative.

    Advisors correct an address (a client moved, a typo on an invoice) with a plain save: it moves
    no money and changes no decision, so no service is needed. The identity (name, VAT and
    enterprise numbers, Peppol identifier, country) stays as `third_party_add` checked and derived
    it, since two Activities may share the record and invoices are sent on it.
    """

    list_display = ["name", "kind", "vat_number_grouped", "enterprise_number_grouped", "postal_code", "city", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "=vat_number", "=enterprise_number"]
    search_help_text = _("A name, or a VAT or enterprise number (dots and spaces allowed).")
    show_full_result_count = False
    inlines = [ThirdPartyActivityInline]
    fields = [
        "kind", "name", "vat_number_grouped", "enterprise_number_grouped", "peppol_id", "street", "postal_code",
        "city", "country", "language", "email", "payment_terms_days", "created_at", "created_by",
    ]  # fmt: skip
    readonly_fields = [
        "kind", "name", "vat_number_grouped", "enterprise_number_grouped", "peppol_id", "country", "language", "email",
        "payment_terms_days", "created_at", "created_by",
    ]  # fmt: skip

    # Read as printed on an invoice (BE 0754.316.243), stored compact.
    @admin.display(description=_("VAT number"), ordering="vat_number")
    def vat_number_grouped(self, third_party: ThirdParty) -> str:
        return enterprise_number_text(third_party.vat_number) if third_party.vat_number else "-"

    @admin.display(description=_("enterprise number"), ordering="enterprise_number")
    def enterprise_number_grouped(self, third_party: ThirdParty) -> str:
        return enterprise_number_text(third_party.enterprise_number) if third_party.enterprise_number else "-"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ThirdParty]:
        # The policy's rows: those of the Activities within reach (all, for who sees every office).
        return super().get_queryset(request).select_related("created_by")

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

"""What the admin's topics share: amounts and rates read by the platform's rules, the
office filter limited to the offices the advisor reaches, and `ServicesOnlyAdmin`, the read-only
object page whose changes are the forms after it, each calling a service. Rows, objects and
decisions are the access policy's answers (`activities.access`, through `PolicyAdmin`).
"""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import Office, User
from smartcoop.access import may, visible
from smartcoop.admin_site import PolicyAdmin
from smartcoop.forms import AmountField as PlatformAmountField
from smartcoop.input_rules import read_decimal


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the admin site lets in only active staff with two factors


# Amounts are read as on every page of the platform (smartcoop.forms): digits, one comma or point,
# spaces between thousands; the admin's forms import the one field from here.
AmountField = PlatformAmountField


class PercentField(forms.Field):
    """A contribution rate typed as a percentage ("6,5" or "6.5 %" is 6.5 %), returned as a fraction (0.065).

    Percentages, never fractions: the rates are spoken of as "6,5 %" in the cooperative, and a
    fraction typed by mistake (0,065) has three decimals, which the field refuses rather than
    reading it as 0.065 %. Two decimals of a percentage are what the rate column holds (4 decimals).
    Empty means the cooperative entity's rate applies. The number itself is read by the platform's
    rule for decimals (`smartcoop.input_rules.read_decimal`).
    """

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip().removesuffix("%").strip()
        if not text:
            return None
        try:
            percent = read_decimal(
                text,
                places=2,
                maximum=Decimal(100),
                invalid_message=gettext(
                    "Enter a percentage with at most two decimals (6,5 for 6.5 %), not a fraction."
                ),
                maximum_message=gettext("A percentage is at most %(maximum)s."),
            )
        except ValidationError as error:
            raise forms.ValidationError(error.messages[0]) from None
        return (percent / 100).quantize(Decimal("0.0001"))


def _percent_text(rate: Decimal | None) -> str:
    if rate is None:
        return ""
    return f"{(rate * 100).normalize():f}".replace(".", ",")


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def _offices_within_reach(user: User) -> QuerySet[Office]:
    return visible(user, Office.objects.order_by("name"), "reach")


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


class ServicesOnlyAdmin(PolicyAdmin[Any]):
    """An object page that only shows: its changes are the forms after it, each calling a service.

    Without a change permission on the object, Django draws every field read-only and refuses a
    POST to the change form, so nothing bypasses the services. The list keeps the policy's
    "decide" on the model, so the actions (which call services too) are offered to who may decide.
    """

    change_action = "decide"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # records of money and decisions are kept

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def may_act(self, request: HttpRequest, obj: Any) -> bool:
        """The policy's "decide" on this object: the role's permission, and within reach."""
        return may(request.user, "decide", obj)

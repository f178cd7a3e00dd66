"""Who may ask for the advisors' decisions in the API: the access policy's "decide", as in the admin.

Staff with two-factor authentication and the model's change permission pass the door; which
records each may decide on is the same policy's rows (`visible(user, Model, "decide")`).
"""

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from activities.models import ActivityTransfer, ExpenseClaim, Purchase
from smartcoop.access import may


class StaffDecides(BasePermission):
    """The policy's "decide" on the model as a whole: staff with two-factor and the change permission."""

    model: type[Model]

    def has_permission(self, request: Request, view: Any) -> bool:
        return may(request.user, "decide", self.model)


class CanDecideExpenses(StaffDecides):
    model = ExpenseClaim
    message = gettext_lazy("Only advisors with two-factor authentication decide on expense claims.")


class CanDecidePurchases(StaffDecides):
    model = Purchase
    message = gettext_lazy("Only advisors with two-factor authentication decide on purchases.")


class CanDecideTransfers(StaffDecides):
    model = ActivityTransfer
    message = gettext_lazy("Only advisors with two-factor authentication decide on transfers between Activities.")

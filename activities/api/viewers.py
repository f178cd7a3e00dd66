"""Who asks, and what they see: the `Viewer` of a request, the Activities and expense claims
visible to them, and the permission advisors need to decide (two-factor and the change permission).
"""

from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from activities.api.shared import _user
from activities.models import (
    Activity,
    ActivityHolder,
    ExpenseClaim,
)
from activities.selectors import (
    BOOK_ROLES,
    activities_within_reach,
)
from members.models import User
from members.selectors import sees_every_office


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

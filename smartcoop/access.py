"""One access policy: may this user see, or do, this to that object?

Pages, the admin, the API and the services all ask the three questions below; none decides on its
own who reaches what.

- `may(user, action, target)`: a yes or no, about one object, or about a model as a whole when the
  target is the model class itself (list it, add one, export them).
- `visible(user, rows, action="view")`: the rows of a model (or of a queryset) the user may act on:
  the admin's lists, the API's querysets, the selectors of the member pages.
- `require(user, action, target)`: `may`, or the error to show: `NotFoundError` when the user may
  not even see the object (its existence is not to be confirmed), `PermissionDeniedError` otherwise.

Who the user is, is worked out once per user object (`standing`): anonymous, signed in, staff with
two-factor authentication, seeing every office (a superuser or a holder of the every-office
permission), accountant (who exports the journal). Staff act on others' data only with two-factor
authentication on, everywhere, as the admin always required: without it a staff account reaches
its own member data and nothing more.

What each role may do is a table of grants, registered by each app in its `access` module for its
own objects (and for the ledger's, which knows no domain): per model and action, a `rule` judging
one object and the `rows` it covers as a filter. Nothing is allowed that no grant allows, and the
grants of several apps add up: the ledger lets who sees every office read every transaction, and
activities lets an advisor read those of their office's Activities. A rule and its rows say the
same thing twice, once for an object in hand (at most one small query) and once for a list (a
filter in the list's own query); the policy's table test (tests/test_access_policy.py) holds them
to the same answers. This module knows no domain app: offices and roles are reached through the
user model's `office_id` and permissions.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, PermissionsMixin
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.utils.functional import Promise

from smartcoop.errors import NotFoundError, PermissionDeniedError

M = TypeVar("M", bound=Model)
AnyUser = AbstractBaseUser | AnonymousUser

# The permissions that make a role, named once (members grants the first, the ledger the second).
EVERY_OFFICE_PERMISSION = "members.view_all_offices"
JOURNAL_PERMISSION = "ledger.export_journal"


class Everything:
    """Rows without a filter: what `rows` answers for those who see every office."""

    def __repr__(self) -> str:
        return "EVERYTHING"


EVERYTHING = Everything()
Rows = Q | Everything | None  # a filter, every row, or none at all


class Standing:
    """Who a user is for the policy, each fact read once (two-factor and permissions cost queries)."""

    def __init__(self, user: AnyUser) -> None:
        self.user = user

    @cached_property
    def signed_in(self) -> bool:
        return bool(self.user.is_authenticated and self.user.is_active)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.signed_in else None

    @cached_property
    def staff(self) -> bool:
        """Active staff with two-factor authentication: the only ones who act on others' data."""
        return self.signed_in and bool(getattr(self.user, "is_staff", False)) and is_mfa_enabled(self.user)

    @cached_property
    def every_office(self) -> bool:
        return self.staff and bool(getattr(self.user, "is_superuser", False) or self.holds(EVERY_OFFICE_PERMISSION))

    @property
    def office_id(self) -> int | None:
        """The office a staff member works at (None for everyone else)."""
        return getattr(self.user, "office_id", None) if self.staff else None

    @property
    def accountant(self) -> bool:
        return self.holds(JOURNAL_PERMISSION)

    def holds(self, permission: str) -> bool:
        """A permission of the staff's role; worth nothing without two-factor authentication."""
        return self.staff and isinstance(self.user, PermissionsMixin) and self.user.has_perm(permission)

    def reaches_office(self, office_id: int | None) -> bool:
        """Staff of this office, or staff who see every office."""
        return self.every_office or (self.office_id is not None and office_id == self.office_id)

    def office_rows(self, path: str) -> Rows:
        """The rows whose office (at `path`, e.g. "member__office") this staff member reaches."""
        if self.every_office:
            return EVERYTHING
        if self.office_id is None:
            return None
        return Q(**{f"{path}_id": self.office_id})


def standing(user: AnyUser) -> Standing:
    """The user's standing, kept on the user object (a request's user lives as long as the request)."""
    known = user.__dict__.get("_access_standing")
    if isinstance(known, Standing):
        return known
    found = Standing(user)
    user.__dict__["_access_standing"] = found
    return found


Rule = Callable[[Standing, Any], bool]
RowsOf = Callable[[Standing], Rows]


@dataclass(frozen=True)
class Grant:
    rule: Rule  # the object, or None when asked about the model as a whole
    rows: RowsOf | None  # None: this action is never asked about a list


_GRANTS: dict[tuple[type[Model], str], list[Grant]] = defaultdict(list)


def grant(model: type[Model], actions: str | Iterable[str], *, rule: Rule, rows: RowsOf | None = None) -> None:
    """Allow an action (or several) on a model's objects to whoever `rule` admits."""
    for action in [actions] if isinstance(actions, str) else actions:
        _GRANTS[(model, action)].append(Grant(rule=rule, rows=rows))


def granted_actions(model: type[Model]) -> list[str]:
    """The actions some app grants on this model (for the table test)."""
    return sorted({action for (granted, action) in _GRANTS if granted is model})


def _grants(model: type[Model], action: str) -> list[Grant]:
    grants = _GRANTS.get((model, action)) or _GRANTS.get((model._meta.concrete_model or model, action))
    if not grants:
        # A typo or a forgotten registration would otherwise read as "nobody may": say so loudly.
        raise ImproperlyConfigured(f"No access grant for {action!r} on {model._meta.label}.")
    return grants


def may(user: AnyUser, action: str, target: Model | type[Model]) -> bool:
    """Whether the user may do `action` to this object (or, given a model, to such objects at all)."""
    if isinstance(target, type):
        model, obj = target, None
    else:
        model, obj = type(target), target
    who = standing(user)
    return any(g.rule(who, obj) for g in _grants(model, action))


def visible(user: AnyUser, rows: type[M] | QuerySet[M], action: str = "view") -> QuerySet[M]:
    """The rows the user may do `action` to, in one query (a queryset given is narrowed, not replaced)."""
    queryset: QuerySet[M] = rows if isinstance(rows, QuerySet) else rows._default_manager.all()
    who = standing(user)
    found: Q | None = None
    for g in _grants(queryset.model, action):
        if g.rows is None:
            raise ImproperlyConfigured(f"The grant of {action!r} on {queryset.model._meta.label} lists no rows.")
        covered = g.rows(who)
        if covered is EVERYTHING:
            return queryset
        if isinstance(covered, Q):
            found = covered if found is None else found | covered
    return queryset.filter(found) if found is not None else queryset.none()


def require(user: AnyUser, action: str, target: Model | type[Model], *, message: str | Promise | None = None) -> None:
    """`may`, or the refusal: not found for what the user may not even see, not allowed otherwise."""
    if may(user, action, target):
        return
    if not isinstance(target, type) and action != "view" and (type(target), "view") in _GRANTS:
        if not may(user, "view", target):
            raise NotFoundError()
    elif not isinstance(target, type) and action == "view":
        raise NotFoundError(message)
    raise PermissionDeniedError(message)

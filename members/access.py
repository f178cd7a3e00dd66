"""Who may see and do what with members, their applications and the share register.

The grants of the members app in the one access policy (`smartcoop.access`, which explains the
model). Two kinds of people reach these rows:

- the person themselves: their member record, application, capital calls, register lines and
  transfer requests, whatever their role (staff without two-factor authentication included);
- staff with two-factor authentication, through their role's permission, for the members of their
  own office (`User.office`); a superuser or a holder of `members.view_all_offices` (accountants
  and administrators) for every office. The whole register (CSV, PDF) is for the latter only.

API tokens are the one thing only their owner ever reaches.

Every rule below reads the object in hand and its member, nothing else; its `rows` twin is the
same rule as a filter, so a list (admin, API, pages) and a check on one object never disagree.
"""

from typing import Any

from django.db.models import Q

from members.models import (
    ApiToken,
    CapitalCall,
    Member,
    MembershipApplication,
    Office,
    RegisterExport,
    ShareOperation,
    ShareTransferRequest,
)
from smartcoop.access import EVERYTHING, Rows, Rule, Standing, grant


def _either(own: Q | None, staff: Rows) -> Rows:
    """Own rows, staff's rows, or both."""
    if staff is EVERYTHING:
        return EVERYTHING
    if own is None:
        return staff
    return own | staff if isinstance(staff, Q) else own


def _own(who: Standing, path: str) -> Q | None:
    return Q(**{path: who.user_id}) if who.user_id is not None else None


def _staff_rows(who: Standing, permission: str, office_path: str) -> Rows:
    return who.office_rows(office_path) if who.holds(permission) else None


def _staff_may(who: Standing, permission: str, office_id: int | None) -> bool:
    return who.holds(permission) and who.reaches_office(office_id)


def _is_own(who: Standing, user_id: int | None) -> bool:
    return who.user_id is not None and user_id == who.user_id


# --- offices --------------------------------------------------------------------------------------

# The offices staff act in (send a member to, filter lists by): their own, or any for who sees every office.
grant(
    Office,
    "reach",
    rule=lambda who, office: who.staff and (office is None or who.reaches_office(office.pk)),
    rows=lambda who: EVERYTHING if who.every_office else (Q(pk=who.office_id) if who.office_id else None),
)


# --- members ------------------------------------------------------------------------------------


def _member_view(who: Standing, member: Member | None) -> bool:
    if member is None:  # the advisors' list of members
        return who.holds("members.view_member")
    return _is_own(who, member.user_id) or _staff_may(who, "members.view_member", member.office_id)


def _member_change(who: Standing, member: Member | None) -> bool:
    if member is None:
        return who.holds("members.change_member")
    return _staff_may(who, "members.change_member", member.office_id)


grant(
    Member,
    "view",
    rule=_member_view,
    rows=lambda who: _either(_own(who, "user_id"), _staff_rows(who, "members.view_member", "office")),
)
# Identity, office, advisor, category and the register's operations: staff of the member's office.
grant(
    Member,
    ["change", "assign"],
    rule=_member_change,
    rows=lambda who: _staff_rows(who, "members.change_member", "office"),
)
# What only the member does: their address, phone and IBAN, and offering their shares to another.
grant(
    Member,
    ["change_contact", "sell_shares"],
    rule=lambda who, member: member is not None and _is_own(who, member.user_id),
    rows=lambda who: _own(who, "user_id"),
)


# --- membership applications --------------------------------------------------------------------


def _application_view(who: Standing, application: MembershipApplication | None) -> bool:
    if application is None:
        return who.holds("members.view_membershipapplication")
    return _is_own(who, application.user_id) or _staff_may(
        who, "members.view_membershipapplication", application.office_id
    )


def _application_decide(who: Standing, application: MembershipApplication | None) -> bool:
    if application is None:
        return who.holds("members.change_membershipapplication")
    return _staff_may(who, "members.change_membershipapplication", application.office_id)


def _application_rows(who: Standing) -> Rows:
    return _either(_own(who, "user_id"), _staff_rows(who, "members.view_membershipapplication", "office"))


# The identity document goes with the application: to its applicant and the staff who read it.
grant(MembershipApplication, ["view", "view_document"], rule=_application_view, rows=_application_rows)
grant(
    MembershipApplication,
    "decide",
    rule=_application_decide,
    rows=lambda who: _staff_rows(who, "members.change_membershipapplication", "office"),
)
grant(
    MembershipApplication,
    "add_document",
    rule=lambda who, application: application is not None and _is_own(who, application.user_id),
    rows=lambda who: _own(who, "user_id"),
)


# --- capital calls, the register, transfer requests -----------------------------------------------


def _held_by_member(model: Any, permission: str, *, member: str, decide: str | None = None) -> None:
    """A row of a member's own (`member` is the path to the Member): theirs to see, and their office's staff."""

    def view(who: Standing, row: Any) -> bool:
        if row is None:
            return who.holds(permission)
        owner = getattr(row, member)
        return _is_own(who, owner.user_id) or _staff_may(who, permission, owner.office_id)

    grant(
        model,
        "view",
        rule=view,
        rows=lambda who: _either(_own(who, f"{member}__user_id"), _staff_rows(who, permission, f"{member}__office")),
    )
    if decide is None:
        return
    decision = decide

    def decides(who: Standing, row: Any) -> bool:
        if row is None:
            return who.holds(decision)
        return _staff_may(who, decision, getattr(row, member).office_id)

    grant(model, "decide", rule=decides, rows=lambda who: _staff_rows(who, decision, f"{member}__office"))


_held_by_member(CapitalCall, "members.view_capitalcall", member="member", decide="members.change_capitalcall")
_held_by_member(ShareOperation, "members.view_shareoperation", member="member")
_held_by_member(
    ShareTransferRequest,
    "members.view_sharetransferrequest",
    member="seller",
    decide="members.change_sharetransferrequest",
)
grant(
    ShareTransferRequest,
    "cancel",
    rule=lambda who, request: request is not None and _is_own(who, request.seller.user_id),
    rows=lambda who: _own(who, "seller__user_id"),
)


# The whole register, as a CSV or a printed PDF: for who reads every office's members.
def _whole_register(permission: str) -> Rule:
    return lambda who, _row: who.every_office and who.holds(permission)


grant(ShareOperation, "export", rule=_whole_register("members.view_shareoperation"))
grant(
    RegisterExport,
    "view",
    rule=_whole_register("members.view_registerexport"),
    rows=lambda who: EVERYTHING if who.every_office and who.holds("members.view_registerexport") else None,
)
grant(RegisterExport, "add", rule=_whole_register("members.add_registerexport"))


# --- API tokens -----------------------------------------------------------------------------------

# A token is its owner's alone: nobody else lists or revokes it, staff and administrators included
# (they end someone's tokens by setting a new password, see members.tokens).
grant(
    ApiToken,
    ["view", "revoke"],
    rule=lambda who, token: token is not None and _is_own(who, token.user_id),
    rows=lambda who: _own(who, "user_id"),
)

"""Opening an Activity and changing it: holders, trades, contribution rates and status.

Only an admitted member holds an Activity; a trade the register excludes is refused before anything
is written, and one allowed after approval waits for an advisor. Each change an advisor or a manager
makes leaves an entry in the audit trail (`smartcoop.audit`).
"""

from collections.abc import Sequence
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from activities.models import (
    Activity,
    ActivityHolder,
    ActivityStatus,
    ActivityTrade,
    HolderRole,
    Trade,
    TradeAdmission,
    TradeApproval,
)
from activities.selectors import activity_books
from activities.services.shared import _locked, _managers, _require, _require_staff
from members.models import Member, MemberStatus, Office, User
from smartcoop.access import may
from smartcoop.audit.services import audit_record, changes, name_actions, name_values, snapshot
from smartcoop.errors import ConflictError, InvalidInput, PermissionDeniedError
from smartcoop.ledger.models import AnalyticAccount
from smartcoop.models import CooperativeEntity
from smartcoop.money import ZERO, amount_text
from smartcoop.notifications import in_every_language, notify
from smartcoop.uploads import check_document

name_actions(
    {
        "activity.created": gettext_lazy("Activity opened"),
        "activity.updated": gettext_lazy("Name, presentation or terms of sale changed"),
        "activity.holder_added": gettext_lazy("Holder added"),
        "activity.trade_added": gettext_lazy("Trade added"),
        "activity.trade_decided": gettext_lazy("Trade approved or refused"),
        "activity.rates_set": gettext_lazy("Contribution rates changed"),
        "activity.status_set": gettext_lazy("Status changed"),
    }
)
name_values(
    {
        "holder": gettext_lazy("holder"),
        "trades": gettext_lazy("trades"),
        "trade": gettext_lazy("trade"),
        "approval": gettext_lazy("approval"),
        "role": gettext_lazy("role"),
        "reason": gettext_lazy("reason"),
    }
)


def _check_member(member: Member, *, field: str) -> None:
    if member.status != MemberStatus.MEMBER:
        message = _("%(name)s is not a member (their shares are not paid yet, or they left).") % {
            "name": member.display_name
        }
        raise InvalidInput.on(field, message)


def _refuse_excluded(trade: Trade) -> None:
    if trade.admission == TradeAdmission.EXCLUDED:
        message = _("%(trade)s cannot be practised in the cooperative: %(reason)s") % {
            "trade": trade.name,
            "reason": trade.reason,
        }
        raise InvalidInput.on("trades", message)


def _trade_link(activity: Activity, trade: Trade) -> ActivityTrade:
    _refuse_excluded(trade)
    approval = TradeApproval.APPROVED if trade.admission == TradeAdmission.ALLOWED else TradeApproval.PENDING
    link, _created = ActivityTrade.objects.get_or_create(
        activity=activity, trade=trade, defaults={"approval": approval}
    )
    return link


def activity_create(
    *,
    name: str,
    holder: Member,
    trades: Sequence[Trade],
    actor: User,
    description: str = "",
    office: Office | None = None,
) -> Activity:
    """Open an Activity for a member (its manager), with its own analytic account in the ledger.

    A trade allowed after approval is recorded as pending: the Activity opens, and the advisor
    checks the condition the trade register names before the first contract.
    """
    if not may(actor, "open_activity", holder):
        # A member opens their own; staff open one for a member of their office only.
        raise PermissionDeniedError()
    if not name.strip():
        raise InvalidInput.on("name", _("Give the Activity a name."))
    if not trades:
        raise InvalidInput.on("trades", _("Choose at least one trade from the trade register."))
    _check_member(holder, field="holder")
    for trade in trades:
        _refuse_excluded(trade)  # before anything is written
    entity = CooperativeEntity.objects.filter(country=holder.country).first() or CooperativeEntity.objects.get(
        country="BE"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('activities_activity_code_seq')")
            (number,) = cursor.fetchone() or (0,)
        code = f"A{number:06d}"
        analytic = AnalyticAccount.objects.create(code=code, name=name.strip()[:200])
        activity = Activity.objects.create(
            code=code,
            name=name.strip(),
            entity=entity,
            analytic=analytic,
            office=office or holder.office,
            description=description.strip(),
            created_by=actor,
        )
        ActivityHolder.objects.create(
            activity=activity, member=holder, role=HolderRole.MANAGER, since=timezone.localdate()
        )
        for trade in trades:
            _trade_link(activity, trade)
        audit_record(
            actor=actor,
            action="activity.created",
            target=activity,
            after=snapshot(activity, ["name", "office", "entity", "status"]),
            holder=holder.number,
            trades=[t.code for t in trades],
        )
        return activity


def activity_update(
    *,
    activity: Activity,
    name: str,
    description: str,
    terms_of_sale: str,
    actor: User,
    logo: UploadedFile[bytes] | None = None,
) -> Activity:
    """What the Activity's managers may change themselves: its name, description, terms and logo."""
    _require(actor, "manage", activity)
    if not name.strip():
        raise InvalidInput.on("name", _("Give the Activity a name."))
    if logo is not None:
        kind = check_document(logo, field="logo")
        if kind == "pdf":
            raise InvalidInput.on("logo", _("The logo must be a JPEG or PNG image."))
    with transaction.atomic():
        (stored,) = _locked(activity)
        activity.name, activity.description, activity.terms_of_sale = name.strip(), description.strip(), terms_of_sale
        fields = ["name", "description", "terms_of_sale"]
        if logo is not None:
            activity.logo.save(logo.name or "logo", logo, save=False)
            fields.append("logo")
        activity.save(update_fields=fields)
        before, after = changes(stored, activity, fields)
        if after:
            audit_record(actor=actor, action="activity.updated", target=activity, before=before, after=after)
        return activity


def activity_add_holder(*, activity: Activity, member: Member, role: str, actor: User) -> ActivityHolder:
    """Another member joins the Activity (a co-holder, or a worker who claims their own expenses)."""
    _require(actor, "manage", activity)
    if role not in HolderRole.values:
        raise InvalidInput.on("role", _("Choose a role."))
    _check_member(member, field="member")
    with transaction.atomic():
        holder, created = ActivityHolder.objects.get_or_create(
            activity=activity, member=member, defaults={"role": role, "since": timezone.localdate()}
        )
        if not created:
            raise InvalidInput.on(
                "member", _("%(name)s is already a holder of this Activity.") % {"name": member.display_name}
            )
        audit_record(actor=actor, action="activity.holder_added", target=activity, member=member.number, role=role)
        return holder


def activity_add_trade(*, activity: Activity, trade: Trade, actor: User) -> ActivityTrade:
    _require(actor, "manage", activity)
    with transaction.atomic():
        link = _trade_link(activity, trade)
        audit_record(
            actor=actor, action="activity.trade_added", target=activity, trade=trade.code, approval=link.approval
        )
        return link


def activity_trade_decide(*, link: ActivityTrade, approve: bool, reason: str, actor: User) -> ActivityTrade:
    """An advisor checked the condition of a trade allowed after approval."""
    _require_staff(actor, link, link.activity)
    if not approve and not reason.strip():
        raise InvalidInput.on("reason", _("A refusal needs a reason: the member reads it."))
    with transaction.atomic():
        locked = ActivityTrade.objects.select_for_update().get(pk=link.pk)
        if locked.approval != TradeApproval.PENDING:
            raise ConflictError(_("This trade has already been decided."))
        locked.approval = TradeApproval.APPROVED if approve else TradeApproval.REFUSED
        locked.reason = reason.strip()
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["approval", "reason", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action="activity.trade_decided",
            target=link.activity,
            before={"approval": TradeApproval.PENDING},
            after={"approval": locked.approval},
            trade=link.trade.code,
            reason=locked.reason,
        )
        trade_name = in_every_language(lambda: link.trade.name)
        for manager in _managers(link.activity):
            notify(
                user=manager,
                key=f"activity-trade:{locked.pk}:{locked.approval}:{manager.pk}",
                subject=gettext_noop("Trade “%(trade)s” approved for %(code)s")
                if approve
                else gettext_noop("Trade “%(trade)s” refused for %(code)s"),
                template="activity_trade_approved" if approve else "activity_trade_refused",
                # The trade's name in every language: each manager reads it in theirs, at any time.
                context={"trade": trade_name, "code": link.activity.code, "reason": locked.reason},
                link=reverse("activities:detail", args=[link.activity.code]),
            )
        return locked


RATE_FIELDS = ["turnover_contribution_rate", "employment_contribution_rate"]


def activity_set_rates(
    *, activity: Activity, turnover_rate: Decimal | None, employment_rate: Decimal | None, actor: User
) -> Activity:
    """An advisor's override of the contribution rates (None: the entity's rate applies)."""
    _require_staff(actor, activity, activity)
    for field, rate in (
        ("turnover_contribution_rate", turnover_rate),
        ("employment_contribution_rate", employment_rate),
    ):
        if rate is not None and not (ZERO <= rate <= Decimal("0.5")):
            raise InvalidInput.on(field, _("A rate is between 0 and 0.5 (50%)."))
    with transaction.atomic():
        (locked,) = _locked(activity)
        stored = snapshot(locked, RATE_FIELDS)
        locked.turnover_contribution_rate, locked.employment_contribution_rate = turnover_rate, employment_rate
        locked.save(update_fields=["turnover_contribution_rate", "employment_contribution_rate"])
        before, after = changes(stored, locked, RATE_FIELDS)
        if after:
            audit_record(actor=actor, action="activity.rates_set", target=locked, before=before, after=after)
        activity.turnover_contribution_rate, activity.employment_contribution_rate = turnover_rate, employment_rate
        return locked


def activity_set_status(*, activity: Activity, status: str, reason: str, actor: User) -> Activity:
    """Suspend, reopen or close an Activity; one with money left, owed or incoming stays open."""
    _require_staff(actor, activity, activity)
    if status not in ActivityStatus.values:
        raise InvalidInput.on("status", _("Choose a status."))
    if status != ActivityStatus.OPEN and not reason.strip():
        raise InvalidInput.on("reason", _("Say why: the Activity's holders read it."))
    with transaction.atomic():
        (locked,) = _locked(activity)
        if status == ActivityStatus.CLOSED:
            books = activity_books(activity=locked)
            if books.available or books.committed or books.incoming:
                raise ConflictError(
                    _(
                        "An Activity closes with nothing left: %(available)s available, %(committed)s committed, "
                        "%(incoming)s incoming."
                    )
                    % {
                        "available": amount_text(books.available),
                        "committed": amount_text(books.committed),
                        "incoming": amount_text(books.incoming),
                    }
                )
        stored = snapshot(locked, ["status", "closed_on"])
        locked.status = status
        locked.closed_on = timezone.localdate() if status == ActivityStatus.CLOSED else None
        locked.save(update_fields=["status", "closed_on"])
        before, after = changes(stored, locked, ["status", "closed_on"])
        audit_record(
            actor=actor, action="activity.status_set", target=locked, before=before, after=after, reason=reason.strip()
        )
        activity.status, activity.closed_on = locked.status, locked.closed_on
        return locked

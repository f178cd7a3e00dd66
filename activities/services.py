"""Every write to Activities, their clients and suppliers, expenses, purchases and transfers.

No bankruptcy: whatever takes money out of an Activity (an approved expense claim, purchase or
transfer) first locks the Activity's row, then reads its available balance from the ledger, then
posts, all in one database transaction. Two approvals on one Activity therefore queue on the lock,
and the second reads a balance that already includes the first: together they can never spend
more than the Activity has. Transfers lock both Activities in primary-key order (the order every
service uses), so two opposite transfers queue instead of deadlocking.

Postings follow one rule: every leg carries the Activity's analytic account except VAT, which is the
cooperative's business with the State; a recoverable VAT is not charged to the Activity. Each
posting's key names its cause (`expense-claim:12:approve`), so a retried approval or payment posts
once. Status changes lock the record they change and say what they found, so a double click or a
retried task changes nothing the second time.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import get_cc_module
from stdnum.be import vat as be_vat
from stdnum.exceptions import ValidationError as StdnumValidationError

from activities.models import (
    Activity,
    ActivityEvent,
    ActivityHolder,
    ActivityStatus,
    ActivityThirdParty,
    ActivityTrade,
    ActivityTransfer,
    ClaimStatus,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseLine,
    HolderRole,
    Purchase,
    PurchasePayee,
    PurchaseStatus,
    ThirdParty,
    ThirdPartyKind,
    Trade,
    TradeAdmission,
    TradeApproval,
    TransferKind,
    TransferStatus,
)
from activities.selectors import activity_books
from members.models import Member, MemberStatus, Office, User
from members.selectors import sees_every_office
from smartcoop.errors import ConflictError, InsufficientFunds, InvalidInput, NotFoundError, PermissionDeniedError
from smartcoop.ledger.models import AnalyticAccount, Transaction
from smartcoop.ledger.services import LegSpec, books_memo, credit, debit, ledger_post
from smartcoop.models import CooperativeEntity, MileageRate
from smartcoop.money import MAX_AMOUNT, ZERO, amount_text, is_cents, to_money
from smartcoop.notifications import notify
from smartcoop.uploads import check_document

# PCMN: 400 clients, 411 VAT recoverable, 440 suppliers, 489 other debts (owed to a worker),
# 550 bank, 6180/7480 services between Activities, 6181/7481 budget shared, 6190/7490 contribution.
RECEIVABLE, VAT_RECOVERABLE, SUPPLIERS, OWED_TO_WORKER, BANK = "400", "411", "440", "489", "550"
SERVICES_RECEIVED, BUDGET_GIVEN, CONTRIBUTION_CHARGE = "6180", "6181", "6190"
SERVICES_PROVIDED, BUDGET_RECEIVED, CONTRIBUTION_INCOME = "7480", "7481", "7490"
INCOME_ACCOUNTS = {"subsidy": "740", "other": "743"}


def _money(value: Decimal, *, field: str, allow_zero: bool = False) -> Decimal:
    """An amount typed by someone: whole cents, positive (or zero when allowed), within numeric(14,2)."""
    if not is_cents(value):
        raise InvalidInput.on(field, _("Enter an amount with at most two decimals."))
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput.on(field, _("Enter an amount greater than zero."))
    if value > MAX_AMOUNT:
        raise InvalidInput.on(field, _("This amount is too large."))
    return to_money(value)


def _event(activity: Activity, action: str, actor: User, **detail: object) -> None:
    ActivityEvent.objects.create(activity=activity, action=action, actor=actor, detail=detail)


def staff_reaches(actor: User, activity: Activity) -> bool:
    return bool(actor.is_staff and (sees_every_office(actor) or actor.office_id == activity.office_id))


def _require_staff(actor: User, activity: Activity) -> None:
    if not staff_reaches(actor, activity):
        raise PermissionDeniedError(_("This Activity belongs to another office."))


def _require_holder(actor: User, activity: Activity, roles: Sequence[str] | None = None) -> ActivityHolder:
    holder = ActivityHolder.objects.filter(activity=activity, member__user=actor).select_related("member").first()
    if holder is None:
        raise NotFoundError()
    if roles is not None and holder.role not in roles:
        raise PermissionDeniedError(_("Only a manager of the Activity can do this."))
    return holder


def _refuse_future_payment(paid_on: date) -> None:
    if paid_on > timezone.localdate():
        raise InvalidInput.on("paid_on", _("A payment cannot be at a future date."))


def _require_open(activity: Activity) -> None:
    if activity.status != ActivityStatus.OPEN:
        raise ConflictError(
            _("The Activity %(code)s is %(status)s.") % {"code": activity.code, "status": activity.get_status_display()}
        )


def _locked(*activities: Activity) -> list[Activity]:
    """The Activities' rows locked in primary-key order, re-read so their status is current."""
    ids = sorted({a.pk for a in activities})
    rows = {a.pk: a for a in Activity.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")}
    return [rows[a.pk] for a in activities]


def _managers(activity: Activity) -> list[User]:
    """The logins of the Activity's managers, who are told what an advisor decided about it."""
    holders = ActivityHolder.objects.filter(activity=activity, role=HolderRole.MANAGER).select_related("member__user")
    return [holder.member.user for holder in holders.order_by("member__user_id")]


def _refuse_overspending(activity: Activity, amount: Decimal, what: str) -> None:
    """Called with the Activity's row locked: the balance read here cannot change before the posting."""
    available = activity_books(activity=activity).available
    if amount > available:
        raise InsufficientFunds(
            _(
                "%(activity)s has %(available)s available: %(what)s of %(amount)s cannot be approved. "
                "It can be once the Activity has received enough money."
            )
            % {
                "activity": activity,
                "available": amount_text(available),
                "what": what,
                "amount": amount_text(amount),
            }
        )


def _paid_out(creditor: str, *, charge: Decimal, vat: Decimal, analytic: AnalyticAccount) -> list[LegSpec]:
    """A debt settled from the bank: the Activity's part on its books, the recovered VAT on none."""
    legs = [debit(creditor, charge, analytic), credit(BANK, charge, analytic)]
    if vat:
        legs += [debit(creditor, vat), credit(BANK, vat)]
    return legs


def _merged(legs: Sequence[LegSpec]) -> list[LegSpec]:
    """One leg per account, side and dimension: a claim of twenty receipts posts a handful of legs."""
    totals: dict[tuple[str, bool, int | None], Decimal] = defaultdict(lambda: ZERO)
    analytics: dict[int | None, AnalyticAccount | None] = {}
    for leg in legs:
        analytic_id = leg.analytic.pk if leg.analytic else None
        analytics[analytic_id] = leg.analytic
        is_debit = leg.debit > 0
        totals[(leg.account, is_debit, analytic_id)] += leg.debit if is_debit else leg.credit
    merged = []
    for (account, is_debit, analytic_id), amount in sorted(totals.items(), key=lambda item: str(item[0])):
        if amount > 0:
            side = debit if is_debit else credit
            merged.append(side(account, amount, analytics[analytic_id]))
    return merged


# --- Activities -------------------------------------------------------------------------------


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
    if actor.pk != holder.user_id and not (
        actor.is_staff and (sees_every_office(actor) or actor.office_id == holder.office_id)
    ):
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
        _event(activity, "created", actor, holder=holder.number, trades=[t.code for t in trades])
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
    if not staff_reaches(actor, activity):
        _require_holder(actor, activity, roles=[HolderRole.MANAGER])
    if not name.strip():
        raise InvalidInput.on("name", _("Give the Activity a name."))
    if logo is not None:
        kind = check_document(logo, field="logo")
        if kind == "pdf":
            raise InvalidInput.on("logo", _("The logo must be a JPEG or PNG image."))
    with transaction.atomic():
        activity.name, activity.description, activity.terms_of_sale = name.strip(), description.strip(), terms_of_sale
        fields = ["name", "description", "terms_of_sale"]
        if logo is not None:
            activity.logo.save(logo.name or "logo", logo, save=False)
            fields.append("logo")
        activity.save(update_fields=fields)
        return activity


def activity_add_holder(*, activity: Activity, member: Member, role: str, actor: User) -> ActivityHolder:
    """Another member joins the Activity (a co-holder, or a worker who claims their own expenses)."""
    if not staff_reaches(actor, activity):
        _require_holder(actor, activity, roles=[HolderRole.MANAGER])
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
        _event(activity, "holder_added", actor, member=member.number, role=role)
        return holder


def activity_add_trade(*, activity: Activity, trade: Trade, actor: User) -> ActivityTrade:
    if not staff_reaches(actor, activity):
        _require_holder(actor, activity, roles=[HolderRole.MANAGER])
    with transaction.atomic():
        link = _trade_link(activity, trade)
        _event(activity, "trade_added", actor, trade=trade.code, approval=link.approval)
        return link


def activity_trade_decide(*, link: ActivityTrade, approve: bool, reason: str, actor: User) -> ActivityTrade:
    """An advisor checked the condition of a trade allowed after approval."""
    _require_staff(actor, link.activity)
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
        _event(link.activity, "trade_decided", actor, trade=link.trade.code, approval=locked.approval)
        for manager in _managers(link.activity):
            notify(
                user=manager,
                key=f"activity-trade:{locked.pk}:{locked.approval}:{manager.pk}",
                subject=gettext_lazy("Trade “%(trade)s” approved for %(code)s")
                if approve
                else gettext_lazy("Trade “%(trade)s” refused for %(code)s"),
                template="activity_trade_approved" if approve else "activity_trade_refused",
                # The trade, not its name: the name is read in each manager's language.
                context={"link": link, "trade": link.trade, "code": link.activity.code, "reason": locked.reason},
                link=reverse("activities:detail", args=[link.activity.code]),
            )
        return locked


def activity_set_rates(
    *, activity: Activity, turnover_rate: Decimal | None, employment_rate: Decimal | None, actor: User
) -> Activity:
    """An advisor's override of the contribution rates (None: the entity's rate applies)."""
    _require_staff(actor, activity)
    for field, rate in (
        ("turnover_contribution_rate", turnover_rate),
        ("employment_contribution_rate", employment_rate),
    ):
        if rate is not None and not (ZERO <= rate <= Decimal("0.5")):
            raise InvalidInput.on(field, _("A rate is between 0 and 0.5 (50%)."))
    with transaction.atomic():
        (locked,) = _locked(activity)
        before = [str(locked.turnover_contribution_rate), str(locked.employment_contribution_rate)]
        locked.turnover_contribution_rate, locked.employment_contribution_rate = turnover_rate, employment_rate
        locked.save(update_fields=["turnover_contribution_rate", "employment_contribution_rate"])
        _event(locked, "rates_set", actor, before=before, after=[str(turnover_rate), str(employment_rate)])
        activity.turnover_contribution_rate, activity.employment_contribution_rate = turnover_rate, employment_rate
        return locked


def activity_set_status(*, activity: Activity, status: str, reason: str, actor: User) -> Activity:
    """Suspend, reopen or close an Activity; one with money left, owed or incoming stays open."""
    _require_staff(actor, activity)
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
        before = locked.status
        locked.status = status
        locked.closed_on = timezone.localdate() if status == ActivityStatus.CLOSED else None
        locked.save(update_fields=["status", "closed_on"])
        _event(locked, "status_set", actor, before=before, after=status, reason=reason.strip())
        activity.status, activity.closed_on = locked.status, locked.closed_on
        return locked


# --- clients and suppliers --------------------------------------------------------------------


@dataclass(frozen=True)
class ThirdPartyData:
    kind: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    language: str
    email: str = ""
    vat_number: str = ""
    payment_terms_days: int = 30


def clean_vat_number(*, country: str, number: str) -> str:
    """A VAT number checked for its country by python-stdnum, stored compact with its country prefix."""
    compact = "".join(number.split()).replace(".", "").replace("-", "").upper()
    if not compact:
        return ""
    prefix = "EL" if country == "GR" else country
    if compact[:2].isalpha():
        if compact[:2] != prefix:
            raise InvalidInput.on(
                "vat_number",
                _("This VAT number does not belong to the country chosen (%(country)s).") % {"country": country},
            )
        compact = compact[2:]
    try:
        module = get_cc_module(country.lower(), "vat")
    except (ImportError, ValueError):
        module = None
    if module is None:
        raise InvalidInput.on(
            "vat_number", _("VAT numbers of this country cannot be checked; leave it empty or ask your advisor.")
        )
    try:
        return f"{prefix}{module.compact(module.validate(compact))}"
    except StdnumValidationError:
        message = _("This is not a valid VAT number for %(country)s.") % {"country": country}
        raise InvalidInput.on("vat_number", message) from None


def peppol_id_for(*, country: str, vat_number: str) -> str:
    """The Peppol participant identifier: 0208 (Belgian enterprise number) for a Belgian company."""
    if country == "BE" and vat_number:
        return f"0208:{be_vat.compact(vat_number)}"
    return ""


def _clean_third_party(data: ThirdPartyData) -> tuple[str, str]:
    """The country code and the compact VAT number of a client or supplier, or InvalidInput naming the field."""
    country = data.country.upper().strip()
    if len(country) != 2 or not country.isalpha():
        raise InvalidInput.on("country", _("Choose a country."))
    for field in ("name", "street", "postal_code", "city"):
        if not str(getattr(data, field)).strip():
            raise InvalidInput.on(field, _("This field is required."))
    if data.kind not in ThirdPartyKind.values:
        raise InvalidInput.on("kind", _("Choose a person or a company."))
    if data.language not in ("fr", "nl", "en"):
        raise InvalidInput.on("language", _("Choose a language."))
    vat_number = clean_vat_number(country=country, number=data.vat_number)
    if data.kind == ThirdPartyKind.COMPANY and country == "BE" and not vat_number:
        raise InvalidInput.on("vat_number", _("A Belgian company is identified by its enterprise (VAT) number."))
    if data.kind == ThirdPartyKind.PERSON:
        vat_number = ""
    if not 0 <= data.payment_terms_days <= 120:
        raise InvalidInput.on("payment_terms_days", _("Payment terms are between 0 and 120 days."))
    return country, vat_number


def third_party_add(*, activity: Activity, data: ThirdPartyData, actor: User) -> ThirdParty:
    """A client or supplier for the Activity: the cooperative's record when the number is known, else a new one.

    A company is found by its VAT number, so two members working for the same client share one
    record (and one dunning history); its address is then kept as the first one recorded it.
    """
    if not staff_reaches(actor, activity):
        _require_holder(actor, activity)
    country, vat_number = _clean_third_party(data)
    with transaction.atomic():
        third_party = None
        if vat_number:
            third_party = ThirdParty.objects.select_for_update().filter(vat_number=vat_number).first()
        if third_party is None:
            third_party = ThirdParty(
                kind=data.kind,
                name=data.name.strip(),
                street=data.street.strip(),
                postal_code=data.postal_code.strip(),
                city=data.city.strip(),
                country=country,
                language=data.language,
                email=data.email.strip(),
                vat_number=vat_number,
                enterprise_number=vat_number[2:] if vat_number.startswith("BE") else "",
                peppol_id=peppol_id_for(country=country, vat_number=vat_number),
                payment_terms_days=data.payment_terms_days,
                created_by=actor,
            )
            # Two members adding the same new client at once: the unique index keeps one row.
            try:
                with transaction.atomic():
                    third_party.save()
            except IntegrityError:
                third_party = None
            if third_party is None:
                third_party = ThirdParty.objects.get(vat_number=vat_number)
        ActivityThirdParty.objects.get_or_create(activity=activity, third_party=third_party)
        return third_party


# --- expense claims ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpenseLineData:
    spent_on: date
    category: ExpenseCategory
    description: str
    amount: Decimal = ZERO
    vat: Decimal = ZERO
    kilometres: Decimal | None = None


def expense_claim_create(*, activity: Activity, title: str, actor: User) -> ExpenseClaim:
    """A draft claim by a worker of the Activity (any holder claims their own expenses)."""
    holder = _require_holder(actor, activity)
    _require_open(activity)
    if not title.strip():
        raise InvalidInput.on("title", _("Give the claim a title."))
    return ExpenseClaim.objects.create(activity=activity, worker=holder.member, title=title.strip())


def _own_draft(claim: ExpenseClaim, actor: User) -> None:
    if claim.worker.user_id != actor.pk:
        raise NotFoundError()
    if claim.status != ClaimStatus.DRAFT:
        raise ConflictError(_("This claim was submitted: it can no longer change."))


def _locked_draft(claim: ExpenseClaim, actor: User) -> None:
    """Checked again on the locked row: a submission committed since `claim` was read wins."""
    _own_draft(ExpenseClaim.objects.select_for_update().select_related("worker").get(pk=claim.pk), actor)


def _mileage_rate(claim: ExpenseClaim, on: date) -> Decimal:
    rate = (
        MileageRate.objects.filter(entity_id=claim.activity.entity_id, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise InvalidInput.on("spent_on", _("No mileage allowance is set for this date; ask your advisor."))
    return rate


def expense_line_add(
    *, claim: ExpenseClaim, data: ExpenseLineData, receipt: UploadedFile[bytes] | None, actor: User
) -> ExpenseLine:
    """An expense with its receipt, or a trip paid per kilometre at the official rate of its date."""
    _own_draft(claim, actor)
    if data.spent_on > timezone.localdate():
        raise InvalidInput.on("spent_on", _("An expense cannot be in the future."))
    if not data.description.strip():
        raise InvalidInput.on("description", _("Say what the expense was for."))
    if data.category.is_mileage:
        kilometres = data.kilometres or ZERO
        if kilometres <= 0 or kilometres > 10000:
            raise InvalidInput.on("kilometres", _("Enter the kilometres driven (more than 0, at most 10,000)."))
        rate = _mileage_rate(claim, data.spent_on)
        amount, vat = to_money(kilometres * rate), ZERO
    else:
        amount = _money(data.amount, field="amount")
        vat = _money(data.vat, field="vat", allow_zero=True)
        if vat >= amount:
            raise InvalidInput.on("vat", _("The VAT is part of the amount, so it must be smaller."))
        if receipt is None:
            raise InvalidInput.on("receipt", _("Attach the receipt (PDF, JPEG or PNG)."))
        kilometres, rate = None, None
    if receipt is not None:
        check_document(receipt, field="receipt")
    line = ExpenseLine(
        claim=claim,
        spent_on=data.spent_on,
        category=data.category,
        description=data.description.strip(),
        amount=amount,
        vat=vat,
        kilometres=kilometres,
        rate=rate,
    )
    with transaction.atomic():
        _locked_draft(claim, actor)
        if receipt is not None:
            line.receipt.save(receipt.name or "receipt", receipt, save=False)
        line.save()
    return line


def expense_line_remove(*, line: ExpenseLine, actor: User) -> None:
    _own_draft(line.claim, actor)
    with transaction.atomic():
        _locked_draft(line.claim, actor)
        line.receipt.delete(save=False)
        line.delete()


def expense_claim_submit(*, claim: ExpenseClaim, actor: User) -> ExpenseClaim:
    with transaction.atomic():
        locked = ExpenseClaim.objects.select_for_update().select_related("worker").get(pk=claim.pk)
        _own_draft(locked, actor)
        if not locked.lines.exists():
            raise InvalidInput(_("Add at least one expense before submitting the claim."))
        locked.status = ClaimStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at"])
        claim.status, claim.submitted_at = locked.status, locked.submitted_at
        return locked


def _charge_and_vat(lines: Sequence[ExpenseLine]) -> tuple[Decimal, Decimal]:
    """What the Activity bears, and the VAT the cooperative recovers from the State."""
    charge = vat = ZERO
    for line in lines:
        recoverable = line.vat if line.category.vat_recoverable else ZERO
        charge += line.amount - recoverable
        vat += recoverable
    return charge, vat


def expense_claim_total(*, claim: ExpenseClaim) -> Decimal:
    return sum((line.amount for line in claim.lines.all()), ZERO)


def _notify_claim(claim: ExpenseClaim, decision: str, subject: Promise, **context: object) -> None:
    notify(
        user=claim.worker.user,
        key=f"expense-claim:{claim.pk}:{decision}",
        subject=subject,
        template=f"expense_claim_{decision}",
        context={"claim": claim, "title": claim.title, **context},
        link=reverse("activities:claim_detail", args=[claim.pk]),
    )


def expense_claim_approve(*, claim: ExpenseClaim, actor: User) -> Transaction:
    """Approve a submitted claim: the Activity is charged now and owes the worker until reimbursed."""
    _require_staff(actor, claim.activity)
    key = f"expense-claim:{claim.pk}:approve"
    with transaction.atomic():
        (activity,) = _locked(claim.activity)
        locked = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.status in (ClaimStatus.APPROVED, ClaimStatus.REIMBURSED):
            return Transaction.objects.get(key=key)  # a retried approval
        if locked.status != ClaimStatus.SUBMITTED:
            raise ConflictError(_("Only a submitted claim can be approved."))
        _require_open(activity)
        lines = list(locked.lines.select_related("category"))
        charge, vat = _charge_and_vat(lines)
        _refuse_overspending(activity, charge, _("this expense claim"))
        legs: list[LegSpec] = []
        for line in lines:
            recoverable = line.vat if line.category.vat_recoverable else ZERO
            legs.append(debit(line.category.account_code, line.amount - recoverable, activity.analytic))
            if recoverable:
                legs.append(debit(VAT_RECOVERABLE, recoverable))
        legs.append(credit(OWED_TO_WORKER, charge, activity.analytic))
        if vat:
            legs.append(credit(OWED_TO_WORKER, vat))
        posting = ledger_post(
            key=key,
            date=timezone.localdate(),
            memo=books_memo(lambda: _("Expense claim %(id)s: %(title)s") % {"id": locked.pk, "title": locked.title}),
            legs=_merged(legs),
            actor=actor,
        )
        locked.status = ClaimStatus.APPROVED
        locked.decided_at, locked.decided_by = timezone.now(), actor
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        claim.status = locked.status
        _notify_claim(locked, "approved", gettext_lazy("Expense claim “%(title)s” approved"), amount=charge + vat)
        return posting


def expense_claim_reject(*, claim: ExpenseClaim, reason: str, actor: User) -> None:
    _require_staff(actor, claim.activity)
    if not reason.strip():
        raise InvalidInput.on("reason", _("A rejection needs a reason: the worker reads it."))
    with transaction.atomic():
        locked = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.SUBMITTED:
            raise ConflictError(_("Only a submitted claim can be rejected."))
        locked.status, locked.reason = ClaimStatus.REJECTED, reason.strip()
        locked.decided_at, locked.decided_by = timezone.now(), actor
        locked.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        claim.status = locked.status
        _notify_claim(locked, "rejected", gettext_lazy("Expense claim “%(title)s” rejected"), reason=locked.reason)


def expense_claim_reimburse(*, claim: ExpenseClaim, paid_on: date, actor: User) -> Transaction:
    """The worker was paid back: once, whatever is retried (the claim's row is locked, the key unique)."""
    _require_staff(actor, claim.activity)
    _refuse_future_payment(paid_on)
    key = f"expense-claim:{claim.pk}:reimburse"
    with transaction.atomic():
        locked = ExpenseClaim.objects.select_for_update().select_related("activity__analytic").get(pk=claim.pk)
        if locked.status == ClaimStatus.REIMBURSED:
            return Transaction.objects.get(key=key)
        if locked.status != ClaimStatus.APPROVED:
            raise ConflictError(_("Only an approved claim can be reimbursed."))
        charge, vat = _charge_and_vat(list(locked.lines.select_related("category")))
        analytic = locked.activity.analytic
        legs = _paid_out(OWED_TO_WORKER, charge=charge, vat=vat, analytic=analytic)
        posting = ledger_post(
            key=key,
            date=paid_on,
            memo=books_memo(lambda: _("Expense claim %(id)s reimbursed") % {"id": locked.pk}),
            legs=legs,
            actor=actor,
        )
        locked.status, locked.reimbursed_on = ClaimStatus.REIMBURSED, paid_on
        locked.save(update_fields=["status", "reimbursed_on"])
        claim.status = locked.status
        subject = gettext_lazy("Expense claim “%(title)s” reimbursed")
        _notify_claim(locked, "reimbursed", subject, amount=charge + vat, paid_on=paid_on)
        return posting


# --- purchases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseData:
    supplier_reference: str
    invoice_date: date
    due_date: date
    category: ExpenseCategory
    description: str
    amount: Decimal
    vat: Decimal
    payee: str
    advanced_by: Member | None = None


def purchase_submit(
    *, activity: Activity, supplier: ThirdParty, data: PurchaseData, file: UploadedFile[bytes] | None, actor: User
) -> Purchase:
    """A supplier's invoice for the Activity, to be paid from its budget once an advisor approves it."""
    _require_holder(actor, activity, roles=[HolderRole.MANAGER, HolderRole.HOLDER])
    _require_open(activity)
    if not ActivityThirdParty.objects.filter(activity=activity, third_party=supplier).exists():
        raise NotFoundError()
    amount = _money(data.amount, field="amount")
    vat = _money(data.vat, field="vat", allow_zero=True)
    if vat >= amount:
        raise InvalidInput.on("vat", _("The VAT is part of the amount, so it must be smaller."))
    if not data.supplier_reference.strip():
        raise InvalidInput.on("supplier_reference", _("Enter the supplier's invoice number."))
    if data.due_date < data.invoice_date:
        raise InvalidInput.on("due_date", _("The due date cannot be before the invoice date."))
    if data.category.is_mileage:
        raise InvalidInput.on(
            "category", _("Trips paid per kilometre are claimed in an expense claim, not as a purchase.")
        )
    if data.payee not in PurchasePayee.values:
        raise InvalidInput.on("payee", _("Say who is paid."))
    advanced_by = data.advanced_by if data.payee == PurchasePayee.MEMBER else None
    if data.payee == PurchasePayee.MEMBER and (
        advanced_by is None or not ActivityHolder.objects.filter(activity=activity, member=advanced_by).exists()
    ):
        raise InvalidInput.on("advanced_by", _("Name the holder of the Activity who advanced the payment."))
    if file is None:
        raise InvalidInput.on("file", _("Attach the supplier's invoice (PDF, JPEG or PNG)."))
    check_document(file, field="file")
    reference = data.supplier_reference.strip()
    if Purchase.objects.filter(supplier=supplier, supplier_reference=reference).exists():
        raise InvalidInput.on(
            "supplier_reference", _("This invoice of %(supplier)s is already recorded.") % {"supplier": supplier.name}
        )
    purchase = Purchase(
        activity=activity,
        supplier=supplier,
        supplier_reference=reference,
        invoice_date=data.invoice_date,
        due_date=data.due_date,
        category=data.category,
        description=data.description.strip(),
        amount=amount,
        vat=vat,
        payee=data.payee,
        advanced_by=advanced_by,
        submitted_by=actor,
    )
    purchase.file.save(file.name or "invoice", file, save=False)
    try:
        with transaction.atomic():
            purchase.save()
    except IntegrityError:
        # The same invoice sent twice at once: the unique index kept the first.
        purchase.file.delete(save=False)
        message = _("This invoice of %(supplier)s is already recorded.") % {"supplier": supplier.name}
        raise InvalidInput.on("supplier_reference", message) from None
    return purchase


def _purchase_creditor(purchase: Purchase) -> str:
    return OWED_TO_WORKER if purchase.payee == PurchasePayee.MEMBER else SUPPLIERS


def _purchase_split(purchase: Purchase) -> tuple[Decimal, Decimal]:
    recoverable = purchase.vat if purchase.category.vat_recoverable else ZERO
    return purchase.amount - recoverable, recoverable


def _notify_purchase(purchase: Purchase, decision: str, subject: Promise, **context: object) -> None:
    notify(
        user=purchase.submitted_by,
        key=f"purchase:{purchase.pk}:{decision}",
        subject=subject,
        template=f"purchase_{decision}",
        context={
            "purchase": purchase,
            "reference": purchase.supplier_reference,
            "supplier": purchase.supplier.name,
            **context,
        },
        link=reverse("activities:detail", args=[purchase.activity.code]),
    )


def purchase_approve(*, purchase: Purchase, actor: User) -> Transaction:
    """Charge the purchase to the Activity (within its available balance); it is owed until paid."""
    _require_staff(actor, purchase.activity)
    key = f"purchase:{purchase.pk}:approve"
    with transaction.atomic():
        (activity,) = _locked(purchase.activity)
        locked = Purchase.objects.select_for_update().select_related("category", "supplier").get(pk=purchase.pk)
        if locked.status in (PurchaseStatus.APPROVED, PurchaseStatus.PAID):
            return Transaction.objects.get(key=key)
        if locked.status != PurchaseStatus.SUBMITTED:
            raise ConflictError(_("Only a submitted purchase can be approved."))
        _require_open(activity)
        charge, vat = _purchase_split(locked)
        _refuse_overspending(activity, charge, _("this purchase"))
        creditor = _purchase_creditor(locked)
        legs = [
            debit(locked.category.account_code, charge, activity.analytic),
            credit(creditor, charge, activity.analytic),
        ]
        if vat:
            legs += [debit(VAT_RECOVERABLE, vat), credit(creditor, vat)]
        posting = ledger_post(
            key=key,
            date=locked.invoice_date if locked.invoice_date <= timezone.localdate() else timezone.localdate(),
            memo=books_memo(
                lambda: (
                    _("Purchase %(reference)s from %(supplier)s")
                    % {"reference": locked.supplier_reference, "supplier": locked.supplier.name}
                )
            ),
            legs=legs,
            actor=actor,
        )
        locked.status, locked.decided_at, locked.decided_by = PurchaseStatus.APPROVED, timezone.now(), actor
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        purchase.status = locked.status
        _notify_purchase(locked, "approved", gettext_lazy("Invoice %(reference)s of %(supplier)s approved"))
        return posting


def purchase_reject(*, purchase: Purchase, reason: str, actor: User) -> None:
    _require_staff(actor, purchase.activity)
    if not reason.strip():
        raise InvalidInput.on("reason", _("A rejection needs a reason: the member reads it."))
    with transaction.atomic():
        locked = Purchase.objects.select_for_update().get(pk=purchase.pk)
        if locked.status != PurchaseStatus.SUBMITTED:
            raise ConflictError(_("Only a submitted purchase can be rejected."))
        locked.status, locked.reason = PurchaseStatus.REJECTED, reason.strip()
        locked.decided_at, locked.decided_by = timezone.now(), actor
        locked.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        purchase.status = locked.status
        _notify_purchase(
            locked, "rejected", gettext_lazy("Invoice %(reference)s of %(supplier)s rejected"), reason=locked.reason
        )


def purchase_pay(*, purchase: Purchase, paid_on: date, actor: User) -> Transaction:
    """The supplier (or the member who advanced it) was paid: once, whatever is retried."""
    _require_staff(actor, purchase.activity)
    _refuse_future_payment(paid_on)
    key = f"purchase:{purchase.pk}:pay"
    with transaction.atomic():
        locked = (
            Purchase.objects.select_for_update()
            .select_related("category", "activity__analytic", "supplier")
            .get(pk=purchase.pk)
        )
        if locked.status == PurchaseStatus.PAID:
            return Transaction.objects.get(key=key)
        if locked.status != PurchaseStatus.APPROVED:
            raise ConflictError(_("Only an approved purchase can be paid."))
        charge, vat = _purchase_split(locked)
        creditor, analytic = _purchase_creditor(locked), locked.activity.analytic
        legs = _paid_out(creditor, charge=charge, vat=vat, analytic=analytic)
        posting = ledger_post(
            key=key,
            date=paid_on,
            memo=books_memo(lambda: _("Purchase %(reference)s paid") % {"reference": locked.supplier_reference}),
            legs=legs,
            actor=actor,
        )
        locked.status, locked.paid_on = PurchaseStatus.PAID, paid_on
        locked.save(update_fields=["status", "paid_on"])
        purchase.status = locked.status
        _notify_purchase(locked, "paid", gettext_lazy("Invoice %(reference)s of %(supplier)s paid"), paid_on=paid_on)
        return posting


# --- transfers between Activities -------------------------------------------------------------


def activity_transfer_request(
    *, source: Activity, destination_code: str, kind: str, amount: Decimal, description: str, actor: User
) -> ActivityTransfer:
    """A manager asks to pay another Activity for its work, or to share budget with it."""
    _require_holder(actor, source, roles=[HolderRole.MANAGER])
    _require_open(source)
    amount = _money(amount, field="amount")
    if kind not in TransferKind.values:
        raise InvalidInput.on("kind", _("Choose the kind of transfer."))
    destination = Activity.objects.filter(code=destination_code.strip().upper()).first()
    if destination is None or destination.status != ActivityStatus.OPEN:
        raise InvalidInput.on("destination_code", _("No open Activity has this code."))
    if destination.pk == source.pk:
        raise InvalidInput.on("destination_code", _("An Activity cannot transfer to itself."))
    if not description.strip():
        raise InvalidInput.on("description", _("Say what the transfer is for: both Activities read it."))
    available = activity_books(activity=source).available
    if amount > available:  # told now; checked again, under lock, at approval
        message = _("%(activity)s has %(available)s available.") % {
            "activity": source,
            "available": amount_text(available),
        }
        raise InvalidInput.on("amount", message)
    return ActivityTransfer.objects.create(
        source=source,
        destination=destination,
        kind=kind,
        amount=amount,
        description=description.strip(),
        requested_by=actor,
    )


def activity_transfer_approve(*, transfer: ActivityTransfer, actor: User) -> Transaction:
    """Move the money in one posting: a charge in the source's books, income in the destination's."""
    _require_staff(actor, transfer.source)
    key = f"activity-transfer:{transfer.pk}"
    with transaction.atomic():
        source, destination = _locked(transfer.source, transfer.destination)
        locked = ActivityTransfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.status == TransferStatus.APPROVED:
            return Transaction.objects.get(key=key)
        if locked.status != TransferStatus.SUBMITTED:
            raise ConflictError(_("This transfer has already been decided."))
        _require_open(source)
        _require_open(destination)
        _refuse_overspending(source, locked.amount, _("this transfer"))
        charge, income = (
            (SERVICES_RECEIVED, SERVICES_PROVIDED)
            if locked.kind == TransferKind.SERVICE
            else (BUDGET_GIVEN, BUDGET_RECEIVED)
        )
        posting = ledger_post(
            key=key,
            date=timezone.localdate(),
            memo=books_memo(
                lambda: (
                    _("Transfer from %(source)s to %(destination)s: %(description)s")
                    % {"source": source.code, "destination": destination.code, "description": locked.description}
                )
            ),
            legs=[debit(charge, locked.amount, source.analytic), credit(income, locked.amount, destination.analytic)],
            actor=actor,
        )
        locked.status, locked.decided_at, locked.decided_by = TransferStatus.APPROVED, timezone.now(), actor
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        transfer.status = locked.status
        locked.source, locked.destination = source, destination
        context = {"transfer": locked, "source": source.code, "destination": destination.code}
        notify(
            user=locked.requested_by,
            key=f"activity-transfer:{locked.pk}:approved:{locked.requested_by_id}",
            subject=gettext_lazy("Transfer from %(source)s to %(destination)s approved"),
            template="activity_transfer_approved",
            context=context,
            link=reverse("activities:detail", args=[source.code]),
        )
        # The destination's managers learn that money arrived; the requester was told already.
        for manager in _managers(destination):
            if manager.pk != locked.requested_by_id:
                notify(
                    user=manager,
                    key=f"activity-transfer:{locked.pk}:approved:{manager.pk}",
                    subject=gettext_lazy("%(destination)s received money from %(source)s"),
                    template="activity_transfer_received",
                    context=context,
                    link=reverse("activities:detail", args=[destination.code]),
                )
        return posting


def activity_transfer_reject(*, transfer: ActivityTransfer, reason: str, actor: User) -> None:
    _require_staff(actor, transfer.source)
    if not reason.strip():
        raise InvalidInput.on("reason", _("A rejection needs a reason: the members read it."))
    with transaction.atomic():
        locked = ActivityTransfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.status != TransferStatus.SUBMITTED:
            raise ConflictError(_("This transfer has already been decided."))
        locked.status, locked.reason = TransferStatus.REJECTED, reason.strip()
        locked.decided_at, locked.decided_by = timezone.now(), actor
        locked.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        transfer.status = locked.status
        source, destination = transfer.source, transfer.destination
        notify(
            user=locked.requested_by,
            key=f"activity-transfer:{locked.pk}:rejected:{locked.requested_by_id}",
            subject=gettext_lazy("Transfer from %(source)s to %(destination)s rejected"),
            template="activity_transfer_rejected",
            context={
                "transfer": locked,
                "source": source.code,
                "destination": destination.code,
                "reason": locked.reason,
            },
            link=reverse("activities:detail", args=[source.code]),
        )


# --- money coming in outside invoices ----------------------------------------------------------


def activity_income_record(
    *, activity: Activity, amount: Decimal, source: str, memo: str, received_on: date, key: str, actor: User
) -> Transaction:
    """Money received on the bank for the Activity outside an invoice: a subsidy, a sponsorship, a gift."""
    _require_staff(actor, activity)
    if activity.status == ActivityStatus.CLOSED:
        raise ConflictError(_("The Activity %(code)s is closed.") % {"code": activity.code})
    amount = _money(amount, field="amount")
    if source not in INCOME_ACCOUNTS:
        raise InvalidInput.on("source", _("Choose where the money comes from."))
    if not memo.strip():
        raise InvalidInput.on("memo", _("Say where the money comes from."))
    if received_on > timezone.localdate():
        raise InvalidInput.on("received_on", _("Money cannot be received at a future date."))
    return ledger_post(
        key=key,
        date=received_on,
        memo=memo.strip(),
        legs=[debit(BANK, amount, activity.analytic), credit(INCOME_ACCOUNTS[source], amount, activity.analytic)],
        actor=actor,
    )


# --- the cooperative contribution ---------------------------------------------------------------


def contribution_rate(*, activity: Activity, on: str) -> Decimal:
    """The Activity's rate (an advisor's override) or its entity's, on "turnover" or "employment"."""
    if on == "turnover":
        return (
            activity.turnover_contribution_rate
            if activity.turnover_contribution_rate is not None
            else (activity.entity.turnover_contribution_rate)
        )
    if on == "employment":
        return (
            activity.employment_contribution_rate
            if activity.employment_contribution_rate is not None
            else (activity.entity.employment_contribution_rate)
        )
    raise ValueError(f"contribution on {on!r}")


def _contribution_post(
    *, activity: Activity, base: Decimal, on: str, booked_on: date, key: str, actor: User | None
) -> Transaction | None:
    base = _money(base, field="base")
    rate = contribution_rate(activity=activity, on=on)
    amount = to_money(base * rate)
    if amount == 0:
        return None
    return ledger_post(
        key=key,
        date=booked_on,
        memo=books_memo(
            lambda: (
                _("Cooperative contribution %(rate)s on %(base)s")
                % {"rate": f"{number_format(rate * 100, 2)} %", "base": amount_text(base)}
            )
        ),
        legs=[debit(CONTRIBUTION_CHARGE, amount, activity.analytic), credit(CONTRIBUTION_INCOME, amount)],
        actor=actor,
    )


def contribution_post_turnover(
    *, activity: Activity, turnover_excl_vat: Decimal, booked_on: date, key: str, actor: User | None
) -> Transaction | None:
    """Post the contribution on invoiced turnover excl. VAT (Belgium: 6.5%), once per key.

    It does not check the available balance: it is a share of money coming in, so the caller posts
    it when the client's payment arrives (posted at issue, it would charge money not yet received).
    """
    return _contribution_post(
        activity=activity, base=turnover_excl_vat, on="turnover", booked_on=booked_on, key=key, actor=actor
    )


def contribution_post_employment(
    *, activity: Activity, employment_budget: Decimal, booked_on: date, key: str, actor: User | None
) -> Transaction | None:
    """Post the contribution on the employment budget (Belgium: about 7.5%), once per key."""
    return _contribution_post(
        activity=activity, base=employment_budget, on="employment", booked_on=booked_on, key=key, actor=actor
    )

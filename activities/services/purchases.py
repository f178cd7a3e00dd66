"""Purchases: a supplier's invoice charged to an Activity once an advisor approves it.

Approval charges the Activity (under its lock, never beyond its balance) and owes the supplier, or
the holder who advanced the money; payment settles that debt from the bank, once per purchase.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from activities.models import (
    Activity,
    ActivityHolder,
    ActivityThirdParty,
    ExpenseCategory,
    Purchase,
    PurchasePayee,
    PurchaseStatus,
    ThirdParty,
)
from activities.services.shared import (
    OWED_TO_WORKER,
    SUPPLIERS,
    VAT_RECOVERABLE,
    _locked,
    _money,
    _paid_out,
    _refuse_future_payment,
    _refuse_overspending,
    _require,
    _require_open,
    _require_staff,
)
from members.models import Member, User
from smartcoop.audit.services import audit_record, name_actions
from smartcoop.errors import ConflictError, InvalidInput, NotFoundError
from smartcoop.input_rules import SPENDING, VALIDITY
from smartcoop.ledger.models import Transaction
from smartcoop.ledger.services import books_memo, credit, debit, ledger_post
from smartcoop.money import ZERO
from smartcoop.notifications import Plain, notify
from smartcoop.uploads import check_document, uploads_kept_only_on_success


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
    _require(actor, "buy", activity, _("Only a manager or a co-holder of the Activity can do this."))
    _require_open(activity)
    if not ActivityThirdParty.objects.filter(activity=activity, third_party=supplier).exists():
        raise NotFoundError()
    amount = _money(data.amount, field="amount")
    vat = _money(data.vat, field="vat", allow_zero=True)
    if vat >= amount:
        raise InvalidInput.on("vat", _("The VAT is part of the amount, so it must be smaller."))
    if not data.supplier_reference.strip():
        raise InvalidInput.on("supplier_reference", _("Enter the supplier's invoice number."))
    SPENDING.require(data.invoice_date, field="invoice_date")
    VALIDITY.require(data.due_date, field="due_date")
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
    try:
        with uploads_kept_only_on_success() as uploads, transaction.atomic():
            uploads.save(purchase.file, file, name=file.name or "invoice")
            purchase.save()
    except IntegrityError:
        # The same invoice sent twice at once: the unique index kept the first (and the file is gone).
        message = _("This invoice of %(supplier)s is already recorded.") % {"supplier": supplier.name}
        raise InvalidInput.on("supplier_reference", message) from None
    return purchase


def _purchase_creditor(purchase: Purchase) -> str:
    return OWED_TO_WORKER if purchase.payee == PurchasePayee.MEMBER else SUPPLIERS


def _purchase_split(purchase: Purchase) -> tuple[Decimal, Decimal]:
    recoverable = purchase.vat if purchase.category.vat_recoverable else ZERO
    return purchase.amount - recoverable, recoverable


name_actions(
    {
        "purchase.approved": gettext_lazy("Purchase approved"),
        "purchase.rejected": gettext_lazy("Purchase rejected"),
        "purchase.paid": gettext_lazy("Purchase paid"),
    }
)


def _notify_purchase(purchase: Purchase, decision: str, subject: str, **context: Plain) -> None:
    notify(
        user=purchase.submitted_by,
        key=f"purchase:{purchase.pk}:{decision}",
        subject=subject,
        template=f"purchase_{decision}",
        context={
            "reference": purchase.supplier_reference,
            "supplier": purchase.supplier.name,
            "code": purchase.activity.code,
            "amount": purchase.amount,
            **context,
        },
        link=reverse("activities:detail", args=[purchase.activity.code]),
    )


def purchase_approve(*, purchase: Purchase, actor: User) -> Transaction:
    """Charge the purchase to the Activity (within its available balance); it is owed until paid."""
    _require_staff(actor, purchase, purchase.activity)
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
        audit_record(
            actor=actor,
            action="purchase.approved",
            target=locked,
            before={"status": PurchaseStatus.SUBMITTED},
            after={"status": locked.status},
            activity=activity.code,
            amount=locked.amount,
            posting=posting.key,
        )
        # What the Activity is charged, as posted: the invoice's amount less the VAT the cooperative recovers.
        subject = gettext_noop("Invoice %(reference)s of %(supplier)s approved")
        _notify_purchase(locked, "approved", subject, charged=charge)
        return posting


def purchase_reject(*, purchase: Purchase, reason: str, actor: User) -> None:
    _require_staff(actor, purchase, purchase.activity)
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
        audit_record(
            actor=actor,
            action="purchase.rejected",
            target=locked,
            before={"status": PurchaseStatus.SUBMITTED},
            after={"status": locked.status},
            reason=locked.reason,
        )
        _notify_purchase(
            locked, "rejected", gettext_noop("Invoice %(reference)s of %(supplier)s rejected"), reason=locked.reason
        )


def purchase_pay(*, purchase: Purchase, paid_on: date, actor: User) -> Transaction:
    """The supplier (or the member who advanced it) was paid: once, whatever is retried."""
    _require_staff(actor, purchase, purchase.activity)
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
        audit_record(
            actor=actor,
            action="purchase.paid",
            target=locked,
            before={"status": PurchaseStatus.APPROVED, "paid_on": None},
            after={"status": locked.status, "paid_on": paid_on},
            activity=locked.activity.code,
            amount=locked.amount,
            posting=posting.key,
        )
        advanced_by = locked.advanced_by.display_name if locked.advanced_by is not None else ""
        subject = gettext_noop("Invoice %(reference)s of %(supplier)s paid")
        _notify_purchase(locked, "paid", subject, paid_on=paid_on, advanced_by=advanced_by)
        return posting

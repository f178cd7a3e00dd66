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

The services are grouped by topic, one module each: `activities` (opening an Activity and its
settings), `third_parties` (clients and suppliers), `expense_claims`, `purchases`, `transfers`
(between Activities, and money coming in outside invoices) and `contributions`; `shared` holds what
they have in common (the accounts posted to, the amount check, who may act, the lock and the
overspending check). Callers import from `activities.services`, which names them all.
"""

from activities.services.activities import (
    activity_add_holder,
    activity_add_trade,
    activity_create,
    activity_set_rates,
    activity_set_status,
    activity_trade_decide,
    activity_update,
)
from activities.services.contributions import (
    contribution_post_employment,
    contribution_post_turnover,
    contribution_rate,
)
from activities.services.expense_claims import (
    MAX_TRIP_KILOMETRES,
    TRIP_CEILING_MESSAGE,
    ExpenseLineData,
    expense_claim_approve,
    expense_claim_create,
    expense_claim_reimburse,
    expense_claim_reject,
    expense_claim_submit,
    expense_claim_total,
    expense_line_add,
    expense_line_remove,
)
from activities.services.purchases import PurchaseData, purchase_approve, purchase_pay, purchase_reject, purchase_submit
from activities.services.shared import (
    BANK,
    BUDGET_GIVEN,
    BUDGET_RECEIVED,
    CONTRIBUTION_CHARGE,
    CONTRIBUTION_INCOME,
    OWED_TO_WORKER,
    RECEIVABLE,
    SERVICES_PROVIDED,
    SERVICES_RECEIVED,
    SUPPLIERS,
    VAT_RECOVERABLE,
)
from activities.services.third_parties import (
    CONTACT_FIELDS,
    MAX_PAYMENT_TERMS_DAYS,
    PAYMENT_TERMS_CEILING_MESSAGE,
    SHARED_RECORD_MESSAGE,
    ThirdPartyContact,
    ThirdPartyData,
    clean_vat_number,
    enterprise_number_text,
    peppol_id_for,
    third_party_add,
    third_party_update,
    vat_number_text,
)
from activities.services.transfers import (
    INCOME_ACCOUNTS,
    TransferDraft,
    activity_income_record,
    activity_transfer_approve,
    activity_transfer_check,
    activity_transfer_recipient,
    activity_transfer_reject,
    activity_transfer_request,
)

__all__ = [
    "BANK",
    "BUDGET_GIVEN",
    "BUDGET_RECEIVED",
    "CONTACT_FIELDS",
    "CONTRIBUTION_CHARGE",
    "CONTRIBUTION_INCOME",
    "INCOME_ACCOUNTS",
    "MAX_PAYMENT_TERMS_DAYS",
    "MAX_TRIP_KILOMETRES",
    "OWED_TO_WORKER",
    "PAYMENT_TERMS_CEILING_MESSAGE",
    "RECEIVABLE",
    "SERVICES_PROVIDED",
    "SERVICES_RECEIVED",
    "SHARED_RECORD_MESSAGE",
    "SUPPLIERS",
    "TRIP_CEILING_MESSAGE",
    "VAT_RECOVERABLE",
    "ExpenseLineData",
    "PurchaseData",
    "ThirdPartyContact",
    "ThirdPartyData",
    "TransferDraft",
    "activity_add_holder",
    "activity_add_trade",
    "activity_create",
    "activity_income_record",
    "activity_set_rates",
    "activity_set_status",
    "activity_trade_decide",
    "activity_transfer_approve",
    "activity_transfer_check",
    "activity_transfer_recipient",
    "activity_transfer_reject",
    "activity_transfer_request",
    "activity_update",
    "clean_vat_number",
    "contribution_post_employment",
    "contribution_post_turnover",
    "contribution_rate",
    "enterprise_number_text",
    "expense_claim_approve",
    "expense_claim_create",
    "expense_claim_reimburse",
    "expense_claim_reject",
    "expense_claim_submit",
    "expense_claim_total",
    "expense_line_add",
    "expense_line_remove",
    "peppol_id_for",
    "purchase_approve",
    "purchase_pay",
    "purchase_reject",
    "purchase_submit",
    "third_party_add",
    "third_party_update",
    "vat_number_text",
]

"""Every write to members and the share register.

Register operations lock what they read, always in the same order, so concurrent operations
queue instead of overselling: the members concerned (by primary key), then the register counter
(which also numbers operations without gaps), then the ledger's rows through `ledger_post`.
Each operation carries an idempotency key naming its cause, so a retried request or task
records it once. Shares are always valued at the nominal value of the cooperative entity:
capital is never remunerated and shares never gain value (DOMAIN.md, "Money flows").

The services are grouped by topic, one module each: `members` (a member's record, identity,
contact details and assignment), `shares` (the register's operations: subscribe, issue, transfer,
buy back), `applications` (joining online), `capital_calls` (paying for shares),
`transfer_requests` (transfers asked for by members) and `register_exports` (the register as a
PDF); `shared` holds what they have in common (the counters, the nominal value, the bounds of a
number of shares, the members' lock and who may decide). Callers import from `members.services`,
which names them all.
"""

from members.services.applications import (
    ApplicationData,
    application_add_document,
    application_approve,
    application_check,
    application_reject,
    application_request_document,
    application_submit,
)
from members.services.capital_calls import (
    capital_call_issue,
    capital_call_payment,
    capital_call_qr_svg,
    capital_call_record_payment,
)
from members.services.members import (
    ASSIGNMENT_FIELDS,
    IDENTITY_FIELDS,
    Identity,
    check_assignment,
    member_assign,
    member_create,
    member_update_contact,
    member_update_identity,
)
from members.services.register_exports import register_export_build, register_export_request
from members.services.shared import MAX_SHARES_AT_ONCE, share_nominal_value
from members.services.shares import (
    BANK,
    CAPITAL,
    REFUND_DUE,
    shares_buy_back,
    shares_issue,
    shares_subscribe,
    shares_transfer,
)
from members.services.transfer_requests import (
    transfer_request_approve,
    transfer_request_cancel,
    transfer_request_reject,
    transfer_request_submit,
)

__all__ = [
    "ASSIGNMENT_FIELDS",
    "BANK",
    "CAPITAL",
    "IDENTITY_FIELDS",
    "MAX_SHARES_AT_ONCE",
    "REFUND_DUE",
    "ApplicationData",
    "Identity",
    "application_add_document",
    "application_approve",
    "application_check",
    "application_reject",
    "application_request_document",
    "application_submit",
    "capital_call_issue",
    "capital_call_payment",
    "capital_call_qr_svg",
    "capital_call_record_payment",
    "check_assignment",
    "member_assign",
    "member_create",
    "member_update_contact",
    "member_update_identity",
    "register_export_build",
    "register_export_request",
    "share_nominal_value",
    "shares_buy_back",
    "shares_issue",
    "shares_subscribe",
    "shares_transfer",
    "transfer_request_approve",
    "transfer_request_cancel",
    "transfer_request_reject",
    "transfer_request_submit",
]

"""Advisors' desk for Activities: their books, the approval queues, clients and suppliers, registers.

Everything that moves money or changes an Activity goes through `activities.services`, exactly as
from the Espace membre: the admin gathers the advisor's decision (and reason) and shows the
service's answer. So the object pages are read-only and the decisions are small forms placed after
the change form (a <form> nested in another is dropped by the HTML parser), each posting to one
view that calls one service.

An advisor reaches the Activities of their own office; a superuser or a holder of
`members.view_all_offices` every office. Expense claims and purchases follow their Activity's
office, transfers the office of the Activity that pays. The access policy decides it
(`activities.access`), asked through `PolicyAdmin`: its rows are `get_queryset`, which the lists,
searches, filters, object pages and decision views all read, so an Activity of another office is
as absent as one that never existed.

The admin is grouped by topic, one module each: `activities` (the Activity's page, its decisions
and the trade register), `expense_claims`, `purchases`, `transfers` and `third_parties`; `queues`
is what the three approval queues share, `shared` the typed inputs, filters and read-only base.
Importing this package registers them all.
"""

from activities.admin import activities, expense_claims, purchases, third_parties, transfers

__all__ = ["activities", "expense_claims", "purchases", "third_parties", "transfers"]

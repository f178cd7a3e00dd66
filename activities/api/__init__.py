"""Activities in the API: the trade register, a member's Activities and their books, expense claims,
clients and suppliers, purchases, transfers, and the advisors' decisions on them.

Who sees what is the access policy's answer (`activities.access`), read through the selectors: a
member sees the Activities they hold; the
books (figures, movements, purchases and transfers) are read by the managers and co-holders, not by
a worker, who only claims their own expenses (`HolderRole`); staff with two-factor authentication
see the Activities of their office (every office for who sees them all), as in the admin. A record
out of reach is answered 404, as if it did not exist. Approving, rejecting and paying are for staff
with two-factor authentication and the model's change permission, as in the admin. The trade
register is public to every signed-in user.

Every write is one service call; a service's `ApplicationError` becomes the one error format
(`{"message", "fields"}`) through `smartcoop.api.exception_handler`, with its status (an approval
beyond the balance is a 409 naming the balance). Money is a string with two decimals.

The endpoints are grouped by topic, one module each: `activities` (an Activity, its books and
movements, and what is created under it), `expense_claims`, `purchases`, `transfers`,
`third_parties` (clients and suppliers) and `trades` (the register); `permissions` lets the
advisors' decisions through the policy's door, and `shared` holds the serializers and helpers the
topics have in common. The router below is the one `smartcoop.urls` mounts.
"""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from activities.api.activities import ActivityViewSet
from activities.api.expense_claims import ExpenseClaimViewSet
from activities.api.purchases import PurchaseViewSet
from activities.api.third_parties import ClientViewSet
from activities.api.trades import TradeViewSet
from activities.api.transfers import TransferViewSet

# No root view: the project's router already answers /api/.
router = SimpleRouter()
router.register("trades", TradeViewSet, basename="trade")
router.register("activities", ActivityViewSet, basename="activity")
router.register("expense-claims", ExpenseClaimViewSet, basename="expense-claim")
router.register("purchases", PurchaseViewSet, basename="purchase")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("clients", ClientViewSet, basename="client")

routes: list[URLPattern | URLResolver] = [*router.urls]

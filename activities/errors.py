"""The refusals that belong to Activities, in the platform's one error hierarchy.

An Activity never commits more than it has (no bankruptcy): spending beyond its available balance
is a conflict with the state of its books, shown like every `ApplicationError` (409 in the API).
"""

from django.utils.translation import gettext_lazy as _

from smartcoop.errors import ConflictError


class InsufficientFunds(ConflictError):
    """Spending more than an Activity has: refused, with the balance in the message (no bankruptcy)."""

    default_message = _("The available balance does not cover this amount.")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from activities import (
            access,  # noqa: F401 -- registers the Activities' grants in the access policy
            dashboard,  # noqa: F401 -- registers the member's dashboard card of Activities
        )
        from activities.trade_register import registered_trades
        from members.trades import trade_register_lend

        trade_register_lend(registered_trades)  # joining picks trades from this register

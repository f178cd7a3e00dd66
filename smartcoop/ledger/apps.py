from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "smartcoop.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from smartcoop.ledger import access  # noqa: F401 -- registers the ledger's grants in the access policy

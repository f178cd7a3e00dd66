from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = _("Invoicing")

    def ready(self) -> None:
        from invoicing import access  # noqa: F401 -- registers the invoices' grants in the access policy
        from invoicing.movements import register

        register()  # the Activity page tells invoicing's postings in the member's language

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "smartcoop.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from smartcoop.audit import context

        context.connect_task_signals()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from members import access  # noqa: F401 -- registers the members' grants in the access policy
        from members import role_changes  # noqa: F401 -- connects the audit of role changes

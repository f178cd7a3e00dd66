from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        # Imported for their effect: `access` registers the members' grants in the access policy,
        # `role_changes` connects the audit of role changes.
        from members import access, role_changes  # noqa: F401

"""A change of role leaves an entry in the audit trail, whoever makes it and from wherever.

A user's roles are their groups, their own permissions, the flags `is_active`, `is_staff` and
`is_superuser`, and, for staff, the office they work at. They change on the admin's user page
(Django's user form, not a service), in a shell or in a data migration, so model signals catch
them all rather than one service. The acting user is whoever is signed in to the request being
served (`smartcoop.audit.context`); the platform, when there is no request.
"""

from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy

from members.models import User
from smartcoop.audit.context import acting_user
from smartcoop.audit.services import audit_record, changes, name_actions

ROLE_FIELDS = ["is_active", "is_staff", "is_superuser", "office"]
ACTION = "user.roles_changed"

name_actions({ACTION: gettext_lazy("Roles changed")})


@receiver(pre_save, sender=User, dispatch_uid="roles_remember_flags")
def _remember_flags(sender: type[User], instance: User, raw: bool, update_fields: Any, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(ROLE_FIELDS):
        return  # a login stamps last_login alone: no query for it
    instance.__dict__["_roles_stored"] = User.objects.filter(pk=instance.pk).values(*ROLE_FIELDS).first()


@receiver(post_save, sender=User, dispatch_uid="roles_record_flags")
def _record_flags(sender: type[User], instance: User, created: bool, raw: bool, **kwargs: Any) -> None:
    if raw:
        return
    stored = instance.__dict__.pop("_roles_stored", None)
    if created:
        # A new account counts as a change only when it starts with more than a member's rights.
        if not (instance.is_staff or instance.is_superuser):
            return
        stored = {"is_active": None, "is_staff": False, "is_superuser": False, "office": None}
    if stored is None:
        return
    before, after = changes(stored, instance, ROLE_FIELDS)
    if after:
        audit_record(actor=acting_user(), action=ACTION, target=instance, before=before, after=after)


def _field(sender: Any) -> str | None:
    if sender is User.groups.through:
        return "groups"
    if sender is User.user_permissions.through:
        return "user_permissions"
    return None


def _held(field: str, user_ids: list[int]) -> dict[int, list[str]]:
    held: dict[int, list[str]] = {pk: [] for pk in user_ids}
    if field == "groups":
        rows = User.groups.through.objects.filter(user_id__in=user_ids).values_list("user_id", "group__name")
        for user_id, name in rows:
            held[user_id].append(name)
    else:
        permissions = User.user_permissions.through.objects.filter(user_id__in=user_ids)
        for user_id, app, codename in permissions.values_list(
            "user_id", "permission__content_type__app_label", "permission__codename"
        ):
            held[user_id].append(f"{app}.{codename}")
    return {pk: sorted(names) for pk, names in held.items()}


def _users_touched(instance: Model, reverse: bool, pk_set: set[int] | None, sender: Any, field: str) -> list[int]:
    if not reverse:
        return [int(instance.pk)]
    if pk_set is not None:
        return sorted(pk_set)
    # A group or permission cleared of all its users: they are the ones it had.
    column = "group_id" if field == "groups" else "permission_id"
    return sorted(sender.objects.filter(**{column: instance.pk}).values_list("user_id", flat=True))


@receiver(m2m_changed, dispatch_uid="roles_record_memberships")
def _record_memberships(
    sender: Any, instance: Model, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    field = _field(sender)
    if field is None:
        return
    pending: dict[str, Any] = instance.__dict__.setdefault("_roles_memberships", {})
    if action in {"pre_add", "pre_remove", "pre_clear"}:
        users = _users_touched(instance, reverse, pk_set, sender, field)
        pending[field] = (users, _held(field, users))
        return
    if action not in {"post_add", "post_remove", "post_clear"} or field not in pending:
        return
    users, held_before = pending.pop(field)
    held_after = _held(field, users)
    changed = [pk for pk in users if held_before[pk] != held_after[pk]]
    targets = {instance.pk: instance} if not reverse else User.objects.in_bulk(changed)
    for pk in changed:
        audit_record(
            actor=acting_user(),
            action=ACTION,
            target=targets[pk],
            before={field: held_before[pk]},
            after={field: held_after[pk]},
        )

"""Writing the audit trail: `audit_record`, and `changes` to say what changed.

A service calls `audit_record` inside its own `transaction.atomic()` block, after its writes:
the entry commits with the change or not at all, so a refused or rolled-back change leaves no
row, and a retried idempotent service that returns early writes none either. Values are stored
as plain JSON, the way a reader compares them: a Decimal as its string ("12.50"), a date in ISO
form, a foreign key as its primary key, a choice as its stored value.

Apps give their action keys a readable name once with `name_actions` (and `name_values` for a
before/after key that is not a field of the record); the trail shows the key for one nobody named.
"""

import datetime
import enum
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.fields.files import FieldFile

from smartcoop.audit.context import current
from smartcoop.audit.models import AuditEntry

Values = dict[str, Any]

_action_names: dict[str, Any] = {}
_value_names: dict[str, Any] = {}


def name_actions(names: Mapping[str, Any]) -> None:
    """Readable names (lazy translations) for an app's action keys, shown in the admin."""
    _action_names.update(names)


def name_values(names: Mapping[str, Any]) -> None:
    """Readable names for before/after keys that are not a field of the record (e.g. shares held)."""
    _value_names.update(names)


def action_name(action: str) -> str:
    return str(_action_names.get(action, action))


def value_name(key: str) -> str | None:
    name = _value_names.get(key)
    return None if name is None else str(name)


def plain(value: Any) -> Any:
    """A value as JSON keeps it and a person compares it."""
    if isinstance(value, enum.Enum):
        value = value.value  # a choice as its stored value
    elif isinstance(value, models.Model):
        value = value.pk
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return _text(value)


def _text(value: Any) -> str:
    if isinstance(value, datetime.date | datetime.time):  # a datetime is a date
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    return str(value)  # str, Decimal ("12.50", never a float), UUID, lazy translations


def _raw(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, enum.Enum):
        return value.value
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> Values:
    """The named fields of a model instance as they are now (a foreign key as its id, never loaded).

    Values stay Python values, so `changes` compares 0.065 and 0.0650 as the same rate; they
    become plain JSON when recorded.
    """
    values: Values = {}
    for name in fields:
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            values[name] = _raw(getattr(instance, name))
            continue
        attname = getattr(field, "attname", name)  # advisor -> advisor_id: no query for the row
        values[name] = _raw(getattr(instance, attname))
    return values


def changes(
    old: models.Model | Mapping[str, Any], new: models.Model | Mapping[str, Any], fields: Iterable[str]
) -> tuple[Values, Values]:
    """(before, after) of the fields whose value differs, as plain values; two empty dicts when none did."""
    names = list(fields)
    was = snapshot(old, names) if isinstance(old, models.Model) else {n: _raw(old.get(n)) for n in names}
    now = snapshot(new, names) if isinstance(new, models.Model) else {n: _raw(new.get(n)) for n in names}
    changed = [n for n in names if was[n] != now[n]]
    return {n: plain(was[n]) for n in changed}, {n: plain(now[n]) for n in changed}


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: models.Model,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    **detail: Any,
) -> AuditEntry:
    """One entry of the trail: `actor` did `action` to `target`, from where the context says.

    Call it inside the service's transaction, after its writes. `actor` is None when the
    platform acts on its own (a scheduled task, a payment file read in the night).
    """
    entry = audit_entry(actor=actor, action=action, target=target, before=before, after=after, **detail)
    entry.save()
    return entry


def audit_record_many(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """Entries built by `audit_entry`, written in one statement: a bank statement's thousands of payments."""
    return AuditEntry.objects.bulk_create(entries, batch_size=2000)


def audit_entry(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: models.Model,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    **detail: Any,
) -> AuditEntry:
    """The entry `audit_record` writes, not yet saved."""
    if target.pk is None:
        raise ValueError("an audit entry names a saved record")
    origin = current()
    return AuditEntry(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        object_repr=str(target)[:200],
        before=plain(dict(before or {})),
        after=plain(dict(after or {})),
        detail=plain(detail),
        request_id=origin.request_id,
        ip_address=origin.ip_address,
        path=origin.path,
        task_name=origin.task_name[:200],
        task_id=origin.task_id[:64],
    )

"""The trail as people read it: field labels, choice names and related records instead of keys and ids.

Entries store plain values (a foreign key as its id). Showing a page of them resolves those ids
with one query per related model for the whole page, never one per entry.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext

from smartcoop.audit.models import AuditEntry
from smartcoop.audit.services import action_name, value_name

EMPTY = "—"


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: the record had no such value before (it was created, say)
    after: str


@dataclass
class Row:
    entry: AuditEntry
    action: str
    actor: str
    origin: str
    changes: list[Change] = field(default_factory=list)
    detail: list[tuple[str, str]] = field(default_factory=list)


def _field(model: type[models.Model] | None, key: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _related_model(model_field: Any) -> type[models.Model] | None:
    if model_field is not None and (model_field.many_to_one or model_field.one_to_one):
        return model_field.related_model  # type: ignore[no-any-return]
    return None


def _label(model_field: Any, key: str) -> str:
    if model_field is not None and hasattr(model_field, "verbose_name"):
        return str(capfirst(model_field.verbose_name))
    return capfirst(value_name(key) or key.replace("_", " "))


def _shown(value: Any, model_field: Any, related: dict[tuple[Any, Any], str]) -> str:
    if value is None or value in ("", []):
        return EMPTY
    target = _related_model(model_field)
    if target is not None:
        return related.get((target, value), f"#{value}")
    if model_field is not None and getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    return _plain_text(value)


def _plain_text(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _origin(entry: AuditEntry) -> str:
    if entry.task_name:
        return gettext("task %(name)s (%(id)s)") % {"name": entry.task_name, "id": entry.task_id[:8]}
    if entry.request_id:
        return gettext("request %(id)s from %(address)s") % {
            "id": entry.request_id[:8],
            "address": entry.ip_address or EMPTY,
        }
    return ""


def _in_field_order(model: type[models.Model] | None, keys: list[str]) -> list[str]:
    """The keys as the record's form lists its fields (JSON in PostgreSQL keeps no order of its own)."""
    order = {f.name: n for n, f in enumerate(model._meta.get_fields())} if model is not None else {}
    unique = list(dict.fromkeys(keys))
    return sorted(unique, key=lambda key: (order.get(key, len(order)), unique.index(key)))


def trail_rows(entries: Sequence[AuditEntry]) -> list[Row]:
    """Rows to show for `entries` (already loaded with their actor)."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for entry in entries:
        model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
        for key, value in [*entry.before.items(), *entry.after.items()]:
            target = _related_model(_field(model, key))
            if target is not None and value is not None:
                wanted[target].add(value)
    related = {
        (target, pk): str(obj)
        for target, pks in wanted.items()
        for pk, obj in target._default_manager.in_bulk(pks).items()
    }
    rows = []
    for entry in entries:
        model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
        row = Row(
            entry=entry,
            action=action_name(entry.action),
            actor=str(entry.actor) if entry.actor is not None else gettext("the platform"),
            origin=_origin(entry),
        )
        for key in _in_field_order(model, [*entry.before, *entry.after]):
            model_field = _field(model, key)
            if not entry.before and entry.after.get(key) in (None, "", []):
                continue  # a new record: its empty fields say nothing
            row.changes.append(
                Change(
                    label=_label(model_field, key),
                    before=_shown(entry.before.get(key), model_field, related) if entry.before else None,
                    after=_shown(entry.after.get(key), model_field, related),
                )
            )
        row.detail = [(_label(None, key), _shown(value, None, related)) for key, value in entry.detail.items()]
        rows.append(row)
    return rows

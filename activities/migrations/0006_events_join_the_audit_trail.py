"""An Activity's events move into the one audit trail, then their table goes.

Each `ActivityEvent` becomes an `audit.AuditEntry` about the Activity: its action under the
"activity." prefix, the rates and status it recorded as before and after of the Activity's own
fields, the rest as detail. Going back recreates an empty table: the entries stay in the trail,
which nobody can delete from.
"""

from typing import Any

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

RATES = ["turnover_contribution_rate", "employment_contribution_rate"]


def _rate(value: Any) -> Any:
    return None if value in (None, "None") else value


def _before_after(action: str, detail: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    rest = {k: v for k, v in detail.items() if k not in {"before", "after"}}
    if action == "rates_set":
        was = dict(zip(RATES, [_rate(v) for v in detail.get("before") or [None, None]], strict=False))
        now = dict(zip(RATES, [_rate(v) for v in detail.get("after") or [None, None]], strict=False))
    elif action == "status_set":
        was, now = {"status": detail.get("before")}, {"status": detail.get("after")}
    elif action == "trade_decided":
        was, now = {"approval": "pending"}, {"approval": rest.pop("approval", None)}
    else:
        return {}, {}, detail
    changed = [name for name in was if was[name] != now.get(name)]
    return {n: was[n] for n in changed}, {n: now.get(n) for n in changed}, rest


def move_events(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ActivityEvent = apps.get_model("activities", "ActivityEvent")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    activity_type, _created = ContentType.objects.get_or_create(app_label="activities", model="activity")
    entries = []
    for event in ActivityEvent.objects.select_related("activity").order_by("pk").iterator():
        before, after, rest = _before_after(event.action, dict(event.detail or {}))
        entries.append(
            AuditEntry(
                at=event.at,
                actor_id=event.actor_id,
                action=f"activity.{event.action}",
                content_type=activity_type,
                object_id=str(event.activity_id),
                object_repr=f"{event.activity.code} {event.activity.name}"[:200],
                before=before,
                after=after,
                detail=rest,
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0005_mileage_rates_from_the_platform"),
        ("audit", "0002_append_only"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(move_events, migrations.RunPython.noop),
        migrations.DeleteModel(name="ActivityEvent"),
    ]

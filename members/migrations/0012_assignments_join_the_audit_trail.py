"""Changes of office, advisor and category move into the one audit trail; administrators read it.

Each `MemberAssignment` becomes an `audit.AuditEntry` ("member.assigned") with the fields that
changed, its reason, who made it and when; then the table goes. Going back recreates an empty
table: the entries stay in the trail, which nobody can delete from.
"""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def _name(member: object) -> str:
    company = getattr(member, "company_name", "")
    person = f"{getattr(member, 'first_name', '')} {getattr(member, 'last_name', '')}".strip()
    return f"{getattr(member, 'number', '')} {company or person}"[:200]


def move_assignments(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    MemberAssignment = apps.get_model("members", "MemberAssignment")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    member_type, _created = ContentType.objects.get_or_create(app_label="members", model="member")
    entries = []
    for row in MemberAssignment.objects.select_related("member").order_by("pk").iterator():
        was = {"office": row.office_before_id, "advisor": row.advisor_before_id, "category": row.category_before}
        now = {"office": row.office_after_id, "advisor": row.advisor_after_id, "category": row.category_after}
        changed = [name for name in was if was[name] != now[name]]
        entries.append(
            AuditEntry(
                at=row.changed_at,
                actor_id=row.actor_id,
                action="member.assigned",
                content_type=member_type,
                object_id=str(row.member_id),
                object_repr=_name(row.member),
                before={name: was[name] for name in changed},
                after={name: now[name] for name in changed},
                detail={"reason": row.reason} if row.reason else {},
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)


def grant_trail(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # The trail's own permission, granted here because the roles are the members app's.
    audit = apps.get_app_config("audit")
    audit.models_module = True  # type: ignore[assignment]
    create_permissions(audit, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name="administrator").permissions.add(
        Permission.objects.get(content_type__app_label="audit", codename="view_auditentry")
    )


def revoke_trail(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name="administrator").permissions.remove(
        *Permission.objects.filter(content_type__app_label="audit", codename="view_auditentry")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0011_ledger_role_permissions"),
        ("audit", "0002_append_only"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(move_assignments, migrations.RunPython.noop),
        migrations.RunPython(grant_trail, revoke_trail),
        migrations.DeleteModel(name="MemberAssignment"),
    ]

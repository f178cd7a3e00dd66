"""The share register is append-only, in the database itself; the counters start at zero."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

FORWARD = r"""
CREATE FUNCTION members_register_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the share register is append-only: record a new operation instead'
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER members_shareoperation_append_only BEFORE UPDATE OR DELETE ON members_shareoperation
    FOR EACH ROW EXECUTE FUNCTION members_register_append_only();
"""

BACKWARD = r"""
DROP TRIGGER members_shareoperation_append_only ON members_shareoperation;
DROP FUNCTION members_register_append_only();
"""

COUNTERS = ["share_register", "member_number"]


def create_counters(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for name in COUNTERS:
        apps.get_model("members", "RegisterCounter").objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("members", "0003_member_and_share_register")]
    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(create_counters, migrations.RunPython.noop),
    ]

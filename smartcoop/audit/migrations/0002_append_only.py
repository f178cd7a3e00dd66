"""PostgreSQL refuses to change or delete an audit entry, whatever code or person tries.

A correction is a new entry. TRUNCATE, an owner's operation, is left alone: test runs reset
tables with it.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries cannot be changed or deleted: record a new entry instead'
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""

BACKWARD = r"""
DROP TRIGGER audit_entry_append_only ON audit_auditentry;
DROP FUNCTION audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

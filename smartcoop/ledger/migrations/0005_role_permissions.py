"""Kept so the migrations after it keep their place; it does nothing.

The ledger knows no roles: the members app, which defines them, grants them the ledger's
permissions (members migration `ledger_role_permissions`).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_journal_index_and_permission")]
    operations: list[migrations.operations.base.Operation] = []

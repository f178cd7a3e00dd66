"""Legs join only a header created by the same database transaction, proven by PostgreSQL's own id.

Migration 0002 recorded the open header in a transaction-local setting, which any session may set
itself: a hand-written `set_config` let a lone leg into a header committed long ago, unbalancing
the ledger. Each header now stores the id of the database transaction that inserted it
(`pg_current_xact_id()`, the top-level id even inside savepoints), filled by a trigger and
immutable like the rest of the row; a leg is accepted only when its header's id is the current
one. Every header inserted by this transaction is checked for balance at commit, so every leg is.
"""

from django.db import migrations

FORWARD = r"""
ALTER TABLE ledger_transaction ADD COLUMN created_xact xid8;

CREATE OR REPLACE FUNCTION ledger_transaction_opened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_xact := pg_current_xact_id();
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION ledger_legs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_legs l LEFT JOIN ledger_transaction t ON t.id = l.transaction_id
        WHERE t.created_xact IS DISTINCT FROM pg_current_xact_id()
    ) THEN
        RAISE EXCEPTION 'legs can only be added with their transaction header, in the same database transaction'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM new_legs l JOIN ledger_transaction t ON t.id = l.transaction_id
        WHERE l.booking_date <> t.booking_date
    ) THEN
        RAISE EXCEPTION 'a leg must carry the booking date of its transaction'
            USING ERRCODE = 'check_violation';
    END IF;

    INSERT INTO ledger_accountbalance (account_id, debit, credit)
    SELECT account_id, sum(debit), sum(credit)
    FROM new_legs GROUP BY account_id ORDER BY account_id
    ON CONFLICT (account_id) DO UPDATE
        SET debit = ledger_accountbalance.debit + EXCLUDED.debit,
            credit = ledger_accountbalance.credit + EXCLUDED.credit;

    INSERT INTO ledger_balance (account_id, analytic_id, debit, credit)
    SELECT account_id, analytic_id, sum(debit), sum(credit)
    FROM new_legs GROUP BY account_id, analytic_id ORDER BY account_id, analytic_id
    ON CONFLICT (account_id, analytic_id) DO UPDATE
        SET debit = ledger_balance.debit + EXCLUDED.debit, credit = ledger_balance.credit + EXCLUDED.credit;

    INSERT INTO ledger_dailymovement (account_id, analytic_id, booking_date, debit, credit)
    SELECT account_id, analytic_id, booking_date, sum(debit), sum(credit)
    FROM new_legs GROUP BY account_id, analytic_id, booking_date ORDER BY account_id, analytic_id, booking_date
    ON CONFLICT (account_id, analytic_id, booking_date) DO UPDATE
        SET debit = ledger_dailymovement.debit + EXCLUDED.debit,
            credit = ledger_dailymovement.credit + EXCLUDED.credit;
    RETURN NULL;
END $$;
"""

# Back to 0002's functions (the setting-based check), then drop the column.
BACKWARD = r"""
CREATE OR REPLACE FUNCTION ledger_transaction_opened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('ledger.open_transaction', NEW.id::text, true);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION ledger_legs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_legs
        WHERE transaction_id::text IS DISTINCT FROM current_setting('ledger.open_transaction', true)
    ) THEN
        RAISE EXCEPTION 'legs can only be added with their transaction header, in the same database transaction'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM new_legs l JOIN ledger_transaction t ON t.id = l.transaction_id
        WHERE l.booking_date <> t.booking_date
    ) THEN
        RAISE EXCEPTION 'a leg must carry the booking date of its transaction'
            USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO ledger_accountbalance (account_id, debit, credit)
    SELECT account_id, sum(debit), sum(credit) FROM new_legs GROUP BY account_id ORDER BY account_id
    ON CONFLICT (account_id) DO UPDATE
        SET debit = ledger_accountbalance.debit + EXCLUDED.debit,
            credit = ledger_accountbalance.credit + EXCLUDED.credit;
    INSERT INTO ledger_balance (account_id, analytic_id, debit, credit)
    SELECT account_id, analytic_id, sum(debit), sum(credit)
    FROM new_legs GROUP BY account_id, analytic_id ORDER BY account_id, analytic_id
    ON CONFLICT (account_id, analytic_id) DO UPDATE
        SET debit = ledger_balance.debit + EXCLUDED.debit, credit = ledger_balance.credit + EXCLUDED.credit;
    INSERT INTO ledger_dailymovement (account_id, analytic_id, booking_date, debit, credit)
    SELECT account_id, analytic_id, booking_date, sum(debit), sum(credit)
    FROM new_legs GROUP BY account_id, analytic_id, booking_date ORDER BY account_id, analytic_id, booking_date
    ON CONFLICT (account_id, analytic_id, booking_date) DO UPDATE
        SET debit = ledger_dailymovement.debit + EXCLUDED.debit,
            credit = ledger_dailymovement.credit + EXCLUDED.credit;
    RETURN NULL;
END $$;

ALTER TABLE ledger_transaction DROP COLUMN created_xact;
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_role_permissions")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

"""Maintain the per-account daily totals too, so an account's balance at a date sums days only.

With one daily row per account, analytic account and day, the balance of the bank account at a
date summed rows for every Activity on every day: 183,000 rows for half a year with a thousand
Activities, barely faster than summing the legs. One row per account and day bounds it to 365 a
year. Rows are upserted after the account totals and before the analytic ones, the same order in
every posting, so postings still queue rather than deadlock.
"""

from django.db import migrations

FUNCTION = r"""
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

    INSERT INTO ledger_accountdailymovement (account_id, booking_date, debit, credit)
    SELECT account_id, booking_date, sum(debit), sum(credit)
    FROM new_legs GROUP BY account_id, booking_date ORDER BY account_id, booking_date
    ON CONFLICT (account_id, booking_date) DO UPDATE
        SET debit = ledger_accountdailymovement.debit + EXCLUDED.debit,
            credit = ledger_accountdailymovement.credit + EXCLUDED.credit;

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

FORWARD = (
    """
INSERT INTO ledger_accountdailymovement (account_id, booking_date, debit, credit)
SELECT account_id, booking_date, sum(debit), sum(credit) FROM ledger_leg GROUP BY account_id, booking_date;
"""
    + FUNCTION
    + """
CREATE TRIGGER ledger_accountdailymovement_maintained
    BEFORE INSERT OR UPDATE OR DELETE ON ledger_accountdailymovement
    FOR EACH ROW EXECUTE FUNCTION ledger_totals_maintained_only();
"""
)

# Back to 0006's function (without the per-account days); the table goes with 0007's reversal.
BACKWARD = r"""
DROP TRIGGER ledger_accountdailymovement_maintained ON ledger_accountdailymovement;
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
        RAISE EXCEPTION 'a leg must carry the booking date of its transaction' USING ERRCODE = 'check_violation';
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
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_account_daily_movements")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

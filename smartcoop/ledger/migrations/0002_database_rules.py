"""The rules PostgreSQL itself enforces on the ledger, whatever code (or person) writes to it.

1. A transaction's legs balance, checked at commit (deferred constraint trigger), and there are
   at least two of them.
2. Legs are added only together with their header, and carry its booking date. (0002 recorded
   the open header in a transaction-local setting; 0006 replaced that with the database
   transaction's own id, which no session can forge.)
3. Posted headers and legs are never updated or deleted: a correction is a reversing entry.
   (TRUNCATE, an owner's operation, is left alone: test runs reset tables with it.)
4. Account totals, balances and daily movements are maintained by a statement-level trigger on leg insert, rows
   upserted in (account, analytic, date) order so concurrent postings always lock them in the same
   order and never deadlock; nobody else may write them.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION ledger_transaction_opened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('ledger.open_transaction', NEW.id::text, true);
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_transaction_opened BEFORE INSERT ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_opened();

CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    leg_count integer;
    difference numeric;
BEGIN
    SELECT count(*), coalesce(sum(debit - credit), 0) INTO leg_count, difference
    FROM ledger_leg WHERE transaction_id = NEW.id;
    IF leg_count < 2 THEN
        RAISE EXCEPTION 'ledger transaction % (%) has % leg(s): a posting needs at least two',
            NEW.id, NEW.key, leg_count USING ERRCODE = 'check_violation';
    END IF;
    IF difference <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % (%) does not balance: debits exceed credits by %',
            NEW.id, NEW.key, difference USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_transaction_balanced AFTER INSERT ON ledger_transaction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

CREATE FUNCTION ledger_legs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER ledger_legs_inserted AFTER INSERT ON ledger_leg
    REFERENCING NEW TABLE AS new_legs FOR EACH STATEMENT EXECUTE FUNCTION ledger_legs_inserted();

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'posted ledger rows cannot be changed or deleted (%): post a reversing entry', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER ledger_transaction_immutable BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_leg_immutable BEFORE UPDATE OR DELETE ON ledger_leg
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE FUNCTION ledger_totals_maintained_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Depth 1 is a statement from outside; the leg trigger's own upserts run one level deeper.
    IF pg_trigger_depth() <= 1 THEN
        RAISE EXCEPTION '% is maintained by the ledger from its legs and cannot be written directly', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_balance_maintained BEFORE INSERT OR UPDATE OR DELETE ON ledger_balance
    FOR EACH ROW EXECUTE FUNCTION ledger_totals_maintained_only();
CREATE TRIGGER ledger_dailymovement_maintained BEFORE INSERT OR UPDATE OR DELETE ON ledger_dailymovement
    FOR EACH ROW EXECUTE FUNCTION ledger_totals_maintained_only();
CREATE TRIGGER ledger_accountbalance_maintained BEFORE INSERT OR UPDATE OR DELETE ON ledger_accountbalance
    FOR EACH ROW EXECUTE FUNCTION ledger_totals_maintained_only();
"""

BACKWARD = r"""
DROP TRIGGER ledger_accountbalance_maintained ON ledger_accountbalance;
DROP TRIGGER ledger_dailymovement_maintained ON ledger_dailymovement;
DROP TRIGGER ledger_balance_maintained ON ledger_balance;
DROP FUNCTION ledger_totals_maintained_only();
DROP TRIGGER ledger_leg_immutable ON ledger_leg;
DROP TRIGGER ledger_transaction_immutable ON ledger_transaction;
DROP FUNCTION ledger_refuse_change();
DROP TRIGGER ledger_legs_inserted ON ledger_leg;
DROP FUNCTION ledger_legs_inserted();
DROP TRIGGER ledger_transaction_balanced ON ledger_transaction;
DROP FUNCTION ledger_check_balanced();
DROP TRIGGER ledger_transaction_opened ON ledger_transaction;
DROP FUNCTION ledger_transaction_opened();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

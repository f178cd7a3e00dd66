"""Recompute every maintained total from the legs and say where they differ.

The triggers keep the totals in the same transaction as the legs, so a difference means someone
bypassed them (a restored dump, a disabled trigger): this is the accountant's proof that balances
read in constant time are the sums of the legs.
"""

from django.db import connection

# Each query returns the rows where the maintained table and the legs disagree, with both sides.
_CHECKS = {
    "account totals": """
        WITH legs AS (SELECT account_id, sum(debit) d, sum(credit) c FROM ledger_leg GROUP BY account_id)
        SELECT a.code, NULL, coalesce(b.debit, 0), coalesce(b.credit, 0), coalesce(legs.d, 0), coalesce(legs.c, 0)
        FROM legs FULL JOIN ledger_accountbalance b ON b.account_id = legs.account_id
        JOIN ledger_account a ON a.id = coalesce(legs.account_id, b.account_id)
        WHERE coalesce(b.debit, 0) <> coalesce(legs.d, 0) OR coalesce(b.credit, 0) <> coalesce(legs.c, 0)
    """,
    "daily movements of accounts": """
        WITH legs AS (SELECT account_id, booking_date, sum(debit) d, sum(credit) c FROM ledger_leg GROUP BY 1, 2)
        SELECT a.code, coalesce(legs.booking_date, m.booking_date)::text,
               coalesce(m.debit, 0), coalesce(m.credit, 0), coalesce(legs.d, 0), coalesce(legs.c, 0)
        FROM legs FULL JOIN ledger_accountdailymovement m
            ON m.account_id = legs.account_id AND m.booking_date = legs.booking_date
        JOIN ledger_account a ON a.id = coalesce(legs.account_id, m.account_id)
        WHERE coalesce(m.debit, 0) <> coalesce(legs.d, 0) OR coalesce(m.credit, 0) <> coalesce(legs.c, 0)
    """,
    "balances by analytic account": """
        WITH legs AS (
            SELECT account_id, analytic_id, sum(debit) d, sum(credit) c FROM ledger_leg GROUP BY 1, 2
        )
        SELECT a.code, an.code, coalesce(b.debit, 0), coalesce(b.credit, 0), coalesce(legs.d, 0), coalesce(legs.c, 0)
        FROM legs FULL JOIN ledger_balance b
            ON b.account_id = legs.account_id AND b.analytic_id IS NOT DISTINCT FROM legs.analytic_id
        JOIN ledger_account a ON a.id = coalesce(legs.account_id, b.account_id)
        LEFT JOIN ledger_analyticaccount an ON an.id = coalesce(legs.analytic_id, b.analytic_id)
        WHERE coalesce(b.debit, 0) <> coalesce(legs.d, 0) OR coalesce(b.credit, 0) <> coalesce(legs.c, 0)
    """,
    "daily movements": """
        WITH legs AS (
            SELECT account_id, analytic_id, booking_date, sum(debit) d, sum(credit) c FROM ledger_leg GROUP BY 1, 2, 3
        )
        SELECT a.code, coalesce(an.code, '') || ' ' || coalesce(legs.booking_date, m.booking_date)::text,
               coalesce(m.debit, 0), coalesce(m.credit, 0), coalesce(legs.d, 0), coalesce(legs.c, 0)
        FROM legs FULL JOIN ledger_dailymovement m
            ON m.account_id = legs.account_id AND m.analytic_id IS NOT DISTINCT FROM legs.analytic_id
            AND m.booking_date = legs.booking_date
        JOIN ledger_account a ON a.id = coalesce(legs.account_id, m.account_id)
        LEFT JOIN ledger_analyticaccount an ON an.id = coalesce(legs.analytic_id, m.analytic_id)
        WHERE coalesce(m.debit, 0) <> coalesce(legs.d, 0) OR coalesce(m.credit, 0) <> coalesce(legs.c, 0)
    """,
}

_UNBALANCED = """
    SELECT t.id, t.key, sum(l.debit) - sum(l.credit), count(l.id)
    FROM ledger_transaction t LEFT JOIN ledger_leg l ON l.transaction_id = t.id
    GROUP BY t.id, t.key HAVING coalesce(sum(l.debit) - sum(l.credit), 0) <> 0 OR count(l.id) < 2
"""


def ledger_problems() -> list[str]:
    """Every discrepancy, one sentence each; an empty list means the ledger is sound."""
    problems: list[str] = []
    with connection.cursor() as cursor:
        for what, sql in _CHECKS.items():
            cursor.execute(sql)
            for code, where, kept_d, kept_c, legs_d, legs_c in cursor.fetchall():
                place = f"account {code}" + (f" {where}" if where else "")
                problems.append(
                    f"{what}: {place} holds D {kept_d} C {kept_c} but its legs sum to D {legs_d} C {legs_c}"
                )
        cursor.execute(_UNBALANCED)
        for transaction_id, key, difference, legs in cursor.fetchall():
            problems.append(f"transaction {transaction_id} ({key}) has {legs} leg(s) and is off by {difference}")
        cursor.execute("SELECT coalesce(sum(debit) - sum(credit), 0) FROM ledger_accountbalance")
        (trial,) = cursor.fetchone() or (0,)
        if trial != 0:
            problems.append(f"the trial balance is off by {trial}: debits and credits of all accounts differ")
    return problems

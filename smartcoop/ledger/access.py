"""Who reads the ledger: its grants in the access policy (`smartcoop.access`).

The ledger knows no domain, so it grants only what needs none: staff who see every office
(accountants, administrators) read every transaction and analytic account, and accountants export
the general journal. What an advisor reads (the transactions of their office's Activities) is
granted by the app that owns the Activities.
"""

from smartcoop.access import EVERYTHING, JOURNAL_PERMISSION, Rows, RowsOf, Rule, Standing, grant
from smartcoop.ledger.models import AnalyticAccount, Transaction


def _whole_ledger(permission: str) -> tuple[Rule, RowsOf]:
    def rule(who: Standing, _row: object) -> bool:
        return who.every_office and who.holds(permission)

    def rows(who: Standing) -> Rows:
        return EVERYTHING if rule(who, None) else None

    return rule, rows


for _model, _permission in ((Transaction, "ledger.view_transaction"), (AnalyticAccount, "ledger.view_analyticaccount")):
    _rule, _rows = _whole_ledger(_permission)
    grant(_model, "view", rule=_rule, rows=_rows)

# The general journal of every office, as a file: accountants (and administrators), with two-factor.
grant(Transaction, "export", rule=lambda who, _row: who.holds(JOURNAL_PERMISSION))

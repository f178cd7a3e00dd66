"""The neutral shape of a bank statement, whatever file it came in.

Both parsers return a `StatementData`, both writers take one: matching reads this shape only. An
amount is signed as the account holder sees it (positive: money received), in EUR, to the cent.
A structured communication is kept as Belgians write it, `+++123/4567/89012+++`, with
`structured=True`; a free communication as the payer typed it.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from smartcoop.money import ZERO


@dataclass(frozen=True)
class LineData:
    amount: Decimal
    counterparty_name: str = ""
    counterparty_iban: str = ""
    communication: str = ""
    structured: bool = False
    booking_date: dt.date | None = None  # the statement's date when None
    value_date: dt.date | None = None
    bank_reference: str = ""


@dataclass(frozen=True)
class StatementData:
    account_iban: str
    statement_id: str
    date: dt.date
    opening_balance: Decimal
    lines: Sequence[LineData] = field(default_factory=list)
    account_holder: str = ""
    bic: str = ""
    # The holder's enterprise number (CODA's header carries it); optional.
    enterprise_number: str = ""

    @property
    def closing_balance(self) -> Decimal:
        return self.opening_balance + sum((line.amount for line in self.lines), ZERO)

    def booking_date_of(self, line: LineData) -> dt.date:
        return line.booking_date or self.date

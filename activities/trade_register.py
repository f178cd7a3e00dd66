"""The trade register lent to joining: members reads it through `members.trades`, never imports it.

Members sits below activities, yet an applicant picks their trades from this register, as an
Activity's holder does. So this module hands members a reader of the register (one query, names in
the active language), registered when the app starts.
"""

from activities.models import Trade, _in_language
from activities.trade_catalogue import SECTORS
from members.trades import RegisteredTrade


def registered_trades() -> list[RegisteredTrade]:
    """The register in the sectors' order, trades by name within a sector, in the reader's language."""
    order = list(SECTORS)
    rows = sorted(
        Trade.objects.all(),
        key=lambda t: (order.index(t.sector) if t.sector in order else len(order), t.name.casefold()),
    )
    return [
        RegisteredTrade(
            code=trade.code,
            sector=trade.sector,
            sector_name=_in_language(*SECTORS.get(trade.sector, (trade.sector,) * 3)),
            name=trade.name,
            admission=trade.admission,
            reason=trade.reason,
        )
        for trade in rows
    ]

"""The trade register as joining reads it: codes, names, sectors and admissions, nothing more.

An applicant picks the trades they intend to practise from the cooperative's trade register, the
same register an Activity's trades come from. The register is kept by the activities app, a layer
above members, so members never imports it: at start-up activities lends a reader of its register
(`trade_register_lend`), as the apps lend their grants to the access policy. An application keeps
the codes chosen (stable identifiers) and the names as the applicant read them (what they declared).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

ALLOWED = "allowed"
ON_APPROVAL = "on_approval"
EXCLUDED = "excluded"


@dataclass(frozen=True)
class RegisteredTrade:
    """One line of the register, its name and reason already in the reader's language."""

    code: str
    sector: str
    sector_name: str
    name: str
    admission: str
    reason: str = ""

    @property
    def excluded(self) -> bool:
        return self.admission == EXCLUDED

    @property
    def on_approval(self) -> bool:
        return self.admission == ON_APPROVAL


# Returns the register in the sectors' order, trades by name within a sector, in the active language.
TradeRegisterReader = Callable[[], list[RegisteredTrade]]

_reader: list[TradeRegisterReader] = []


def trade_register_lend(reader: TradeRegisterReader) -> None:
    """Called once by the app that keeps the register (activities), from its AppConfig.ready."""
    _reader[:] = [reader]


def trade_register() -> list[RegisteredTrade]:
    if not _reader:
        raise ImproperlyConfigured("No trade register: the activities app lends it when it starts.")
    return _reader[0]()


def trades_by_code(codes: Iterable[str]) -> dict[str, RegisteredTrade]:
    """The register's lines for these codes (unknown codes are simply absent)."""
    wanted = set(codes)
    return {trade.code: trade for trade in trade_register() if trade.code in wanted}


@dataclass(frozen=True)
class TradeChoice:
    """A checkbox of the trade picker (templates/trades/_picker.html)."""

    value: str
    label: str
    admission: str
    reason: str
    checked: bool

    @property
    def excluded(self) -> bool:
        return self.admission == EXCLUDED

    @property
    def on_approval(self) -> bool:
        return self.admission == ON_APPROVAL


@dataclass(frozen=True)
class TradeSector:
    name: str
    choices: list[TradeChoice]

    @property
    def any_checked(self) -> bool:
        return any(choice.checked for choice in self.choices)


def trade_sectors(chosen: Iterable[str], *, register: list[RegisteredTrade] | None = None) -> list[TradeSector]:
    """The register (read again unless given) grouped by sector for the picker, the chosen codes ticked."""
    ticked = set(chosen)
    sectors: dict[str, TradeSector] = {}
    for trade in trade_register() if register is None else register:
        sector = sectors.setdefault(trade.sector, TradeSector(trade.sector_name, []))
        sector.choices.append(TradeChoice(trade.code, trade.name, trade.admission, trade.reason, trade.code in ticked))
    return list(sectors.values())

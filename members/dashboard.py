"""The cards the apps above members add to the member's dashboard.

The dashboard is a members page, but what a member does day to day lives in the apps above it
(their Activities and the money they have). Members imports nothing from those apps (DESIGN.md,
"Layers"), so each of them registers a card here when it starts, as they register their grants in
the access policy: a function that, given the user and their entry in the register (None for an
account that never joined, already read by the dashboard), returns the template to include and its
context, or None when it has nothing to say to this user. The dashboard renders the cards in the
order of `position`, after the membership card.

A card reads what it shows in a fixed number of queries whatever the member holds: the dashboard's
test bounds the page's query count.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from members.models import Member, User


@dataclass(frozen=True)
class DashboardCard:
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    position: int = 100


CardMaker = Callable[[User, Member | None], DashboardCard | None]

_makers: list[CardMaker] = []


def dashboard_card(maker: CardMaker) -> CardMaker:
    """Register `maker` (used as a decorator); registering the same function twice keeps one."""
    if maker not in _makers:
        _makers.append(maker)
    return maker


def dashboard_cards(user: User, member: Member | None) -> list[DashboardCard]:
    cards = (maker(user, member) for maker in _makers)
    return sorted((card for card in cards if card is not None), key=lambda card: card.position)

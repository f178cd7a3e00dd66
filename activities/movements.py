"""What a movement of an Activity's books was, told in the reader's language from its cause.

A ledger transaction carries two texts: its memo, written once in the books' language for the
accountants (`smartcoop.ledger.services.books_memo`), and its key, which names its cause
(`expense-claim:12:approve`). The memo stays as it is in the ledger, the journal and the admin; a
member reads their Activity's movements (the page, the CSV, the API) in their own language, so
those describe each movement from its key:

- `KINDS` is the registry, one entry per kind of posting: a pattern over the key, whose groups are
  the structured data the key holds (an id, an invoice number), the loader that reads what else
  the text needs (a claim's title, a supplier's name), and the text itself, a msgid with
  placeholders translated when read.
- Causes are loaded per loader, never per row: all the claims of a page in one query, all its
  purchases in another. A page costs at most one query per kind of cause on it, however long.
- The texts are the memos' own msgids: what the accountant reads in the books' language, the
  member reads in theirs, from one wording.
- A reversal (`reversal:<id>`) is told from the transaction it reverses, read first in one query;
  the reversed one's cause then joins the others' loading. The reason the advisor gave exists only
  in the memo: it is taken out of it by the memo's own pattern, in the books' language (a memo that
  does not follow it keeps the memo).
- A key the registry does not know keeps its memo: money received outside an invoice (the memo is
  what the advisor typed, in no language of the code), an advisor's manual posting, a demo posting
  described by hand. So does a known key whose cause is no longer found.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from activities.models import ActivityTransfer, ExpenseClaim, Purchase
from smartcoop.ledger.models import Transaction

Data = dict[str, str]


class Posted(Protocol):
    """What the describer reads of a movement: its cause and, failing that, its memo."""

    @property
    def key(self) -> str: ...

    @property
    def memo(self) -> str: ...


def _claims(ids: Iterable[int]) -> dict[int, Data]:
    return {pk: {"title": title} for pk, title in ExpenseClaim.objects.filter(pk__in=ids).values_list("pk", "title")}


def _purchases(ids: Iterable[int]) -> dict[int, Data]:
    rows = Purchase.objects.filter(pk__in=ids).values_list("pk", "supplier_reference", "supplier__name")
    return {pk: {"reference": reference, "supplier": supplier} for pk, reference, supplier in rows}


def _transfers(ids: Iterable[int]) -> dict[int, Data]:
    rows = ActivityTransfer.objects.filter(pk__in=ids).values_list(
        "pk", "source__code", "destination__code", "description"
    )
    return {
        pk: {"source": source, "destination": destination, "description": description}
        for pk, source, destination, description in rows
    }


# Each reads the causes of a page by the ids their keys hold, in one query.
LOADERS: dict[str, Callable[[Iterable[int]], dict[int, Data]]] = {
    "claim": _claims,
    "purchase": _purchases,
    "transfer": _transfers,
}


@dataclass(frozen=True)
class Kind:
    """A kind of posting: its key's pattern (an `id` group when a loader reads the cause), its text."""

    pattern: re.Pattern[str]
    text: str
    loader: str | None = None
    # Other texts, chosen by the loaded cause's "variant" (an invoice or a credit note).
    variants: Mapping[str, str] | None = None


# The texts are those of the memos the services write (`books_memo`): the accountant's memo and the
# member's description are one sentence, read in the books' language and in the reader's.
KINDS = [
    Kind(re.compile(r"expense-claim:(?P<id>\d+):approve"), gettext_noop("Expense claim %(id)s: %(title)s"), "claim"),
    Kind(re.compile(r"expense-claim:(?P<id>\d+):reimburse"), gettext_noop("Expense claim %(id)s reimbursed")),
    Kind(
        re.compile(r"purchase:(?P<id>\d+):approve"),
        gettext_noop("Purchase %(reference)s from %(supplier)s"),
        "purchase",
    ),
    Kind(re.compile(r"purchase:(?P<id>\d+):pay"), gettext_noop("Purchase %(reference)s paid"), "purchase"),
    Kind(
        re.compile(r"activity-transfer:(?P<id>\d+)"),
        gettext_noop("Transfer from %(source)s to %(destination)s: %(description)s"),
        "transfer",
    ),
    # Posted on money received, keyed by the receipt's own key (`contribution_post_turnover`). Its
    # memo names the rate and the base, which neither the key nor a record keeps: the amount of
    # the movement is the figure.
    Kind(re.compile(r".+:contribution"), gettext_noop("Cooperative contribution on turnover")),
    # The ledger's demo invoice (smartcoop/ledger/demo.py), until invoicing posts its own.
    Kind(re.compile(r"demo:invoice:(?P<number>[^:]+):issue"), gettext_noop("Invoice %(number)s issued")),
    Kind(re.compile(r"demo:invoice:(?P<number>[^:]+):payment"), gettext_noop("Payment of invoice %(number)s")),
]


def movements_register(
    *, kinds: Sequence[Kind], loaders: Mapping[str, Callable[[Iterable[int]], dict[int, Data]]]
) -> None:
    """The postings of an app above this one (invoicing), told the same way: registered at start-up."""
    LOADERS.update(loaders)
    KINDS[:0] = [kind for kind in kinds if kind not in KINDS]


REVERSAL = re.compile(r"reversal:(?P<id>\d+)")
# The memo `ledger_reverse` writes; told to the member with the reversed one's description for its key.
REVERSAL_MEMO = gettext_noop("Reversal of %(key)s: %(reason)s")


def _kind_of(key: str) -> tuple[Kind, re.Match[str]] | None:
    for kind in KINDS:
        found = kind.pattern.fullmatch(key)
        if found is not None:
            return kind, found
    return None


@dataclass(frozen=True)
class _Reversed:
    key: str
    memo: str


def _reversed(keys: Iterable[str]) -> dict[int, _Reversed]:
    """The transactions the reversals among `keys` reverse, by id (one query, none without reversals)."""
    ids = {int(found["id"]) for found in map(REVERSAL.fullmatch, keys) if found is not None}
    if not ids:
        return {}
    rows = Transaction.objects.filter(pk__in=ids).values_list("pk", "key", "memo")
    return {pk: _Reversed(key, memo) for pk, key, memo in rows}


def _reason(memo: str, reversed_key: str) -> str | None:
    """The reason typed for a reversal, out of its memo; None when the memo is not of that pattern."""
    with translation.override(settings.BOOKS_LANGUAGE):
        pattern = gettext(REVERSAL_MEMO).replace("%(key)s", reversed_key)
    before, found, after = pattern.partition("%(reason)s")
    if not found or not memo.startswith(before) or not memo.endswith(after):
        return None
    return memo[len(before) : len(memo) - len(after)].strip()


class _Describer:
    """Describes a batch of postings: their causes are loaded at once, then each is told in turn."""

    def __init__(self, postings: Sequence[Posted]) -> None:
        self.reversed = _reversed(p.key for p in postings)
        wanted: dict[str, set[int]] = defaultdict(set)
        for key in [p.key for p in postings] + [r.key for r in self.reversed.values()]:
            known = _kind_of(key)
            if known is not None and known[0].loader is not None:
                wanted[known[0].loader].add(int(known[1]["id"]))
        self.loaded = {loader: LOADERS[loader](ids) for loader, ids in wanted.items()}

    def told(self, key: str, memo: str) -> str:
        reversal = REVERSAL.fullmatch(key)
        if reversal is not None:
            original = self.reversed.get(int(reversal["id"]))
            if original is None:
                return memo
            reason = _reason(memo, original.key)
            if reason is None:
                return memo
            return gettext(REVERSAL_MEMO) % {"key": self.told(original.key, original.memo), "reason": reason}
        known = _kind_of(key)
        if known is None:
            return memo
        kind, found = known
        data: Mapping[str, str] = found.groupdict()
        if kind.loader is not None:
            cause = self.loaded[kind.loader].get(int(found["id"]))
            if cause is None:
                return memo
            data = {**data, **cause}
        text = kind.variants.get(data.get("variant", ""), kind.text) if kind.variants else kind.text
        return gettext(text) % data


def movements_describe(postings: Sequence[Posted], *, language: str | None = None) -> list[str]:
    """What each of `postings` was, in `language` (the active one by default), in their order."""
    describer = _Describer(postings)
    with translation.override(language) if language else nullcontext():
        return [describer.told(p.key, p.memo) for p in postings]

"""Whether the name a bank gives for a payer is the name of a client on an invoice.

Banks shorten names (35 characters in CODA), write them in capitals, drop accents, and put the
legal form anywhere ("THEATRE DE LA BALSAMINE ASBL" for "Théâtre de la Balsamine"). Both names
are reduced to their words without accents, case or legal form; they are similar when one's words
are all in the other, or when they read almost alike (a typing slip, a word cut short).
"""

import unicodedata
from difflib import SequenceMatcher

# Legal forms and small words that tell nothing about who pays.
_NOISE = frozenset(
    {
        "sa", "nv", "srl", "bv", "sprl", "bvba", "sc", "cv", "scrl", "cvba", "scs", "asbl", "vzw", "aisbl",
        "ivzw", "snc", "vof", "sarl", "sas", "sasu", "eurl", "gmbh", "ag", "kg", "ltd", "llc", "inc", "plc",
        "ebvba", "sccrl", "de", "la", "le", "les", "du", "des", "van", "der", "het", "den", "the", "et", "and",
        "en",
    }
)  # fmt: skip
SIMILAR = 0.85


def name_words(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in plain if not unicodedata.combining(char)).casefold()
    words = "".join(char if char.isalnum() else " " for char in plain).split()
    return [word for word in words if word not in _NOISE]


def similar_names(payer: str, client: str) -> bool:
    ours, theirs = name_words(payer), name_words(client)
    if not ours or not theirs:
        return False
    if set(ours) <= set(theirs) or set(theirs) <= set(ours):
        return max(len(word) for word in set(ours) & set(theirs) or {""}) >= 3
    return SequenceMatcher(None, " ".join(ours), " ".join(theirs)).ratio() >= SIMILAR

"""Substring search that an index can serve, Chinese included: character bigrams.

Chinese has no spaces, and people search for any part of a text ("卡纸" in "打印机频繁卡纸").
Trigram indexes cannot serve two-character terms, so a text is indexed by the set of its
character bigrams: every pair of adjacent letters, digits or CJK characters, lower-cased and
NFKC-normalised. A text can contain a query only if it contains all the query's bigrams; the
index narrows the rows to those, and an exact ``icontains`` on the candidates confirms.
Single-character queries have no bigram and fall back to the plain scan.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# What people search for are runs of letters, digits, CJK ideographs (any script's word
# characters); punctuation and spaces separate runs. Every pair of adjacent word characters,
# overlapping ("abc" → "ab", "bc"), is a bigram: found for all runs at once by the regular
# expression engine rather than pair by pair in Python.
_PAIR = re.compile(r"(?=(\w\w))", re.UNICODE)

# Full-width punctuation (，：；！？（）…, the ideographic space: how Chinese text is written)
# separates runs before NFKC and after it (which maps it to ASCII or CJK punctuation), but it
# makes almost every Chinese text fail the quick "already normal" check, and NFKC of the whole
# text was then most of the work of a case's search document. Turned into spaces first, the
# bigrams are the same (``core/tests/test_search.py`` checks each of these characters between
# all kinds of neighbours against the definition) and the check usually passes. The full-width
# low line is left alone: NFKC makes it an underscore, a word character.
_FULLWIDTH_SEPARATORS = re.compile(
    "[\u2026\u3000\uff01-\uff0f\uff1a-\uff20\uff3b-\uff3e\uff40\uff5b-\uff65]"
)


def normalize(text: str) -> str:
    """Return ``text`` in the form both documents and queries are indexed in."""
    text = text or ""
    if not unicodedata.is_normalized("NFKC", text):  # a quick check; most text already is
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def _indexable(text: str) -> str:
    """Return ``text`` normalised for its bigrams (full-width separators as spaces)."""
    return normalize(_FULLWIDTH_SEPARATORS.sub(" ", text)).replace("_", "")


def bigrams(text: str) -> set[str]:
    """Return the character bigrams of ``text`` (``"SR-12"`` → ``{"sr", "12"}``).

    Underscores are word characters that are not indexed: they are dropped from their run
    (``"a_b"`` gives ``"ab"``), which removing them from the text does, as runs stay apart at
    the non-word characters between them.
    """
    return set(_PAIR.findall(_indexable(text)))


def document(parts: Iterable[str | None], *, limit: int = 4000) -> str:
    """Return the space-separated, sorted bigrams of several text fields (for storage).

    ``limit`` caps how much of each field is indexed (long descriptions add little).
    """
    grams: set[str] = set()
    for part in parts:
        if part:
            grams.update(_PAIR.findall(_indexable(part[:limit])))
    return " ".join(sorted(grams))


def query_grams(query: str) -> list[str]:
    """Return the bigrams a row must have to possibly contain ``query`` (empty: no index help)."""
    return sorted(bigrams(query))

"""The relevance contract of the catalogue search, one for both databases.

A search is decided here, in Python, from the folded query words, the catalogue's vocabulary and the
synonyms; SQLite and PostgreSQL only run the attempts this module plans (:class:`Attempt`), each with the
same match and the same ranking keys (see catalog-svc's README, "The relevance contract"):

1. **Synonyms**: a run of query words that is a synonym's term (``lltp``, ``cap 3``, ``so do``) is replaced
   by its expansion (``ly lich tu phap``…). Admins edit the synonyms (``search_synonyms``).
2. **Exact**: the rows with every word as the prefix of one of their words, in any order.
3. **Corrected** (only when the exact attempt found nothing): a word that starts no word of the vocabulary
   stands for the known words one edit away (a letter added, dropped, changed, or two swapped), any of which
   matches; a word with none of those is left out. ``match`` is then ``fuzzy`` and ``did_you_mean`` says
   the query as it was understood.
4. **All but one** (last resort, for three words or more): the rows with all of the (corrected) words but
   any one of them.
5. Nothing: ``did_you_mean`` offers the query with its unknown words two edits away, when that finds
   something.

Every attempt ranks the same way: how many of the query's words (a corrected word: any of its
alternatives) start a word of the name, most first; then the shortest name; then the name holding the
query (its first alternatives) as a phrase; then the code in byte order. Nothing engine-specific enters the
order, so both databases give the same page and the same total.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from rapidfuzz import process
from rapidfuzz.distance import OSA

from catalog_svc.procedures.search_types import Match, SearchResult
from catalog_svc.text import MAX_QUERY_TOKENS, fold

#: How many known words a misspelt word may stand for.
MAX_CORRECTIONS: Final = 6
#: Words shorter than this are never corrected (one edit away from too many words).
MIN_CORRECTED_LENGTH: Final = 3
#: From how many distinct words a query may be answered by the rows with all of them but one (with fewer,
#: one word alone would match most of a large catalogue: slow, and no answer).
MIN_WORDS_ALL_BUT_ONE: Final = 3
#: How long a process keeps its copy of the vocabulary and synonyms before reading them again, so the
#: words another replica published reach this one within that delay (its own publishes clear it at once).
LEXICON_TTL_S: Final = 30.0


@dataclass(frozen=True)
class Lexicon:
    """The words of the published catalogue (``search_terms``) and the synonyms (``search_synonyms``)."""

    terms: Sequence[str]
    synonyms: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    loaded_at: float = field(default_factory=time.monotonic)

    @classmethod
    def of(cls, terms: Sequence[str], synonyms: Mapping[str, str]) -> Lexicon:
        """A lexicon from the vocabulary's words and the synonyms (term → expansion, any text)."""
        folded = {
            tuple(fold(term).split()): tuple(fold(expansion).split()) for term, expansion in synonyms.items()
        }
        return cls(sorted(set(terms)), {term: words for term, words in folded.items() if term and words})

    def knows(self, word: str) -> bool:
        """Whether some word of the catalogue starts with ``word`` (so the exact match can find it)."""
        at = bisect.bisect_left(self.terms, word)
        return at < len(self.terms) and self.terms[at].startswith(word)

    def near(self, word: str, edits: int) -> list[str]:
        """The known words at most ``edits`` edits from ``word`` (optimal string alignment distance),
        nearest first, then in byte order."""
        found = process.extract(word, self.terms, scorer=OSA.distance, score_cutoff=edits, limit=None)
        ranked = sorted((distance, term) for term, distance, _ in found if distance > 0)
        return [term for _, term in ranked[:MAX_CORRECTIONS]]

    def expand(self, words: Sequence[str]) -> list[str]:
        """``words`` with every run that is a synonym's term replaced by its expansion (longest run first,
        left to right)."""
        longest = max((len(term) for term in self.synonyms), default=0)
        out: list[str] = []
        at = 0
        while at < len(words):
            for span in range(min(longest, len(words) - at), 0, -1):
                expansion = self.synonyms.get(tuple(words[at : at + span]))
                if expansion is not None:
                    out += expansion
                    at += span
                    break
            else:
                out.append(words[at])
                at += 1
        return out


@dataclass(frozen=True)
class Attempt:
    """One way of matching and ranking: for every group, a row has a word starting with one of its words
    (``all_but_one``: for every group but one, whichever)."""

    groups: tuple[tuple[str, ...], ...]
    #: The query as a phrase (repeated words kept; a corrected word as its nearest known word): a name
    #: holding it ranks higher.
    phrase: str
    match: Match
    all_but_one: bool = False
    understood: str | None = None


#: Runs one attempt with a page window: ``(attempt, offset, limit) → result``.
Finder = Callable[[Attempt, int, int], Awaitable[SearchResult]]


def _attempt(
    sequence: Sequence[tuple[str, ...]],
    match: Match,
    *,
    all_but_one: bool = False,
    understood: str | None = None,
) -> Attempt:
    """The attempt matching each distinct group of ``sequence`` (the query's words in order, each with its
    alternatives) and ranking by the phrase of their first alternatives."""
    groups = tuple(dict.fromkeys(_shortest(group) for group in sequence))[:MAX_QUERY_TOKENS]
    phrase = " ".join(group[0] for group in sequence)
    return Attempt(groups, phrase, match, all_but_one, understood)


def _shortest(group: tuple[str, ...]) -> tuple[str, ...]:
    """``group`` without the words another of its words starts (``da`` stands for ``dai``, ``dang``…: a
    word starting with ``dang`` starts with ``da``), so a match and the ranking read no word twice."""
    return tuple(
        word for word in group if not any(word != other and word.startswith(other) for other in group)
    )


def plan(words: Sequence[str], lexicon: Lexicon) -> list[Attempt]:
    """The attempts of a search for the folded query ``words`` (in order, repeats kept), in order: the first
    that finds anything answers."""
    words = lexicon.expand(words)
    attempts = [_attempt([(word,) for word in words], "exact")]
    corrected: list[tuple[str, ...]] = []
    changed = False
    for word in words:
        if lexicon.knows(word):
            corrected.append((word,))
            continue
        changed = True
        if len(word) >= MIN_CORRECTED_LENGTH and not word.isdigit():
            near = lexicon.near(word, 1)
            if near:
                corrected.append(tuple(near))
    if not corrected:
        return attempts
    understood = " ".join(group[0] for group in corrected)
    if changed:
        attempts.append(_attempt(corrected, "fuzzy", understood=understood))
    if len(set(corrected)) >= MIN_WORDS_ALL_BUT_ONE:
        attempts.append(_attempt(corrected, "fuzzy", all_but_one=True, understood=understood))
    return attempts


def suggestion(words: Sequence[str], lexicon: Lexicon) -> Attempt | None:
    """When nothing matched: the query with each unknown word replaced by the nearest known word two edits
    away, if every unknown word has one."""
    fixed: list[tuple[str, ...]] = []
    changed = False
    for word in lexicon.expand(words):
        if lexicon.knows(word):
            fixed.append((word,))
            continue
        near = lexicon.near(word, 2) if len(word) >= MIN_CORRECTED_LENGTH and not word.isdigit() else []
        if not near:
            return None
        fixed.append((near[0],))
        changed = True
    if not changed:
        return None
    return _attempt(fixed, "none", understood=" ".join(group[0] for group in fixed))


async def search(
    words: Sequence[str], lexicon: Lexicon, find: Finder, *, offset: int, limit: int
) -> SearchResult:
    """The page of the first attempt that finds anything, saying back the query as it was understood when
    words were corrected; when nothing matches, a suggestion (``did_you_mean``) if one finds something."""
    for attempt in plan(words, lexicon):
        result = await find(attempt, offset, limit)
        if result.total:
            return replace(result, did_you_mean=attempt.understood)
    nothing = SearchResult([], 0, "none", {"field": [], "level": [], "agency": []})
    guess = suggestion(words, lexicon)
    if guess is not None and (await find(guess, 0, 1)).total:
        return replace(nothing, did_you_mean=guess.understood)
    return nothing

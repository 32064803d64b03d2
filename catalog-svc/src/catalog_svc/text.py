"""Vietnamese text folding for search: one normal form for the stored text and the query alike.

Folding lowercases, removes diacritics (``Cấp giấy phép`` → ``cap giay phep``), maps ``đ`` to ``d`` (Unicode
does not decompose it) and turns everything that is not a letter or digit into a single space. Both databases
index and query the folded form, so SQLite and PostgreSQL see exactly the same tokens.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MAX_QUERY_TOKENS: Final = 32
MAX_TOKEN_LENGTH: Final = 40

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_D = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """The accent-free, lowercase, space-separated form of ``text``."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _NOT_ALNUM.sub(" ", stripped.lower()).strip()


def query_tokens(query: str | None) -> list[str]:
    """The distinct folded tokens of a search query, in order, bounded in number and length."""
    if not query:
        return []
    tokens: list[str] = []
    for token in fold(query).split():
        token = token[:MAX_TOKEN_LENGTH]
        if token not in tokens:
            tokens.append(token)
        if len(tokens) == MAX_QUERY_TOKENS:
            break
    return tokens


def query_words(query: str | None) -> list[str]:
    """The folded words of a search query in order, repeats kept (the query as a phrase), bounded in number
    and length like :func:`query_tokens`."""
    if not query:
        return []
    return [word[:MAX_TOKEN_LENGTH] for word in fold(query).split()[: MAX_QUERY_TOKENS * 2]]


def name_key(name: str) -> str:
    """The folded name with a leading space, so ``LIKE '% tok%'`` finds a word starting with ``tok``."""
    return " " + fold(name)

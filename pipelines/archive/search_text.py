"""Full-text search that works for Chinese, Japanese and Korean inside SQLite's stock FTS5.

SQLite's ``unicode61`` tokenizer treats a run of Han characters as one long token, so ``青岛`` finds
nothing inside ``青岛市南区``; the ``trigram`` tokenizer cannot match two-character words. Instead of a
custom tokenizer (which would make the database unreadable in a plain ``sqlite3`` shell) the *indexed
text* is rewritten: each CJK run becomes its overlapping bigrams plus its last character, and queries are
rewritten the same way into FTS5 phrases. Text in other scripts passes through untouched and is tokenized
by ``unicode61`` as usual.

The index is ``articles_bigrams`` (``pipelines.archive.schema.FTS_TABLE``). Datasette registers
``match_query`` as ``escape_fts``; from a shell, ``sqlite-utils query --functions 'from
pipelines.archive.search_text import match_query'`` registers it under its own name (README, "The archive").
"""

from __future__ import annotations

import re

from pipelines.text.cjk import CJK_RUN, OTHER_WORD, is_cjk

# A query "word": a CJK run (pipelines.text.cjk), or a run of other letters/digits (what unicode61 keeps as
# one token).
_QUERY_TOKEN = re.compile(f"{CJK_RUN.pattern}|{OTHER_WORD.pattern}")
_QUOTED_OR_BARE = re.compile(r'"([^"]*)"?|(\S+)')


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_text(text: str | None) -> str:
    """The form of ``text`` stored in the FTS table: CJK runs as bigrams plus their final character."""
    if not text:
        return ""

    def expand(match: re.Match[str]) -> str:
        run = match.group(0)
        # The trailing single character lets a one-character query match by prefix (see match_query).
        return " " + " ".join([*_bigrams(run), run[-1]]) + " "

    return re.sub(r"[ \t]+", " ", CJK_RUN.sub(expand, text)).strip()


def _phrase_tokens(words: list[str]) -> list[str]:
    """The indexed tokens a phrase of query words must match, in order.

    Adjacent CJK words of one phrase are one run (Chinese puts no spaces between words). A CJK run
    followed by another word is indexed with its last character after its bigrams, so that character is
    part of the phrase.
    """
    runs: list[str] = []
    for word in words:
        if runs and is_cjk(word) and is_cjk(runs[-1]):
            runs[-1] += word
        else:
            runs.append(word)
    tokens: list[str] = []
    for position, word in enumerate(runs):
        if not is_cjk(word):
            tokens.append(word.lower())
        elif len(word) == 1:
            tokens.append(word)
        else:
            tokens.extend(_bigrams(word))
            if position < len(runs) - 1:
                tokens.append(word[-1])
    return tokens


def match_query(query: str | None) -> str:
    """Rewrite a user's search box text into a safe FTS5 MATCH expression for ``index_text`` content.

    Every whitespace-separated word or double-quoted phrase must match (implicit AND). Operators and syntax
    characters typed by the user (``AND``, ``*``, ``-``, stray quotes) are treated as text, never as FTS
    syntax, so no query can raise an FTS syntax error. A query with no searchable characters matches nothing.
    """
    phrases: list[str] = []
    for quoted, bare in _QUOTED_OR_BARE.findall(query or ""):
        words = _QUERY_TOKEN.findall(quoted if quoted else bare)
        tokens = _phrase_tokens(words)
        if not tokens:
            continue
        phrase = '"' + " ".join(tokens) + '"'
        # A lone CJK character ending a phrase is only ever the first half of an indexed bigram (or a run's
        # last character), so it is searched as a prefix.
        if len(tokens[-1]) == 1 and is_cjk(tokens[-1]):
            phrase += "*"
        phrases.append(phrase)
    return " ".join(phrases) if phrases else '""'


def query_phrases(query: str | None) -> list[list[str]]:
    """What a match for ``query`` contains, for highlighting it in the original text: a list of phrases,
    each a list of words that appear in order. A bare word is a phrase of one word (a bare ``青岛port``
    is two), a double-quoted phrase keeps its words together. Duplicates are dropped."""
    phrases: list[list[str]] = []
    for quoted, bare in _QUOTED_OR_BARE.findall(query or ""):
        words = _QUERY_TOKEN.findall(quoted if quoted else bare)
        candidates = [words] if quoted else [[word] for word in words]
        for phrase in candidates:
            if phrase and phrase not in phrases:
                phrases.append(phrase)
    return phrases

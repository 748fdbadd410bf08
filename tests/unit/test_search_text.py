"""pipelines.archive.search_text: the CJK bigram index text and the query rewriting, against a real FTS5 table."""

from __future__ import annotations

import sqlite3

import pytest

from pipelines.archive.schema import FTS_SQL
from pipelines.archive.search_text import index_text, match_query, query_phrases

DOCS = {
    1: "青岛市南区加快棚户区改造",
    2: "记者 闫可凯 报道：崂山风景区游客创新高",
    3: "The Port of Qingdao handled a record number of containers",
    4: "青岛port开放日",
    5: "岛",
    6: "Café culture in 青岛 2024年",
}


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(FTS_SQL)
    for rowid, text in DOCS.items():
        conn.execute(
            "insert into articles_bigrams (rowid, title, text) values (?, '', ?)", [rowid, index_text(text)]
        )
    return conn


def search(conn: sqlite3.Connection, query: str) -> set[int]:
    rows = conn.execute(
        "select rowid from articles_bigrams where articles_bigrams match ?", [match_query(query)]
    )
    return {row[0] for row in rows}


def test_index_text_turns_cjk_runs_into_bigrams_plus_last_character() -> None:
    assert index_text("青岛市") == "青岛 岛市 市"
    assert index_text("在青岛port") == "在青 青岛 岛 port"
    assert index_text("Hello world") == "Hello world"
    assert index_text(None) == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("青岛", {1, 4, 6}),
        ("市南区", {1}),
        ("棚户区改造", {1}),
        ("闫可凯", {2}),
        ("崂山", {2}),
        ("qingdao", {3}),
        ("CONTAINERS", {3}),
        ("cafe", {6}),  # remove_diacritics applies to queries too
        ("青岛 市南区", {1}),  # every word must match
        ("青岛 containers", set()),
        ("香蕉", set()),
        ("岛", {1, 4, 5, 6}),  # one character: prefix of a bigram, or a run's last character
        ("青岛port", {4}),  # a CJK run followed by a word inside one token
        ('"青岛 port"', {4}),
        ('"市南 区"', {1}),  # CJK words of a quoted phrase are one run
        ('"record number"', {3}),
        ('"number record"', set()),
        ("2024年", {6}),
    ],
)
def test_queries_find_the_documents_containing_them(
    fts: sqlite3.Connection, query: str, expected: set[int]
) -> None:
    assert search(fts, query) == expected


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"青岛',
        "*",
        "青岛*",
        "AND",
        "OR",
        "NOT",
        "青岛 AND",
        "-",
        "- 青岛",
        "(",
        ")",
        "NEAR(a b)",
        "title:青岛",
        "^青岛",
        "+",
        "'",
        "a'b",
        "\\",
        "{}",
        "[x]",
        "",
        "   ",
        "。，！",
        "\x00",
    ],
)
def test_fts_syntax_characters_never_raise(fts: sqlite3.Connection, query: str) -> None:
    search(fts, query)


def test_operators_are_searched_as_words(fts: sqlite3.Connection) -> None:
    assert match_query("青岛 AND 市南区") == '"青岛" "and" "市南 南区"'
    assert search(fts, "qingdao OR 闫可凯") == set()  # "or" is a word every result would need
    assert search(fts, "-青岛") == {1, 4, 6}  # a minus is not negation
    assert match_query("-") == '""'
    assert search(fts, "*") == set()


def test_query_phrases_for_highlighting() -> None:
    assert query_phrases('青岛 "record number" 青岛port') == [["青岛"], ["record", "number"], ["port"]]
    assert query_phrases("* - AND") == [["AND"]]
    assert query_phrases(None) == []

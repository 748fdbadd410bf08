"""Storing articles: new, unchanged, updated with the old text kept, stable ids, keys, search index."""

from __future__ import annotations

import json

import sqlite_utils

from pipelines.archive.lookup import find_article_by_keys
from pipelines.archive.schema import SEARCH_IDS_SQL
from pipelines.archive.search_text import match_query
from pipelines.archive.store import save_article, save_duplicate, stable_id
from pipelines.dedup.exact import find_duplicate


def fts_ids(db: sqlite_utils.Database, query: str) -> list[int]:
    rows = db.execute(SEARCH_IDS_SQL, [match_query(query)])
    return [r[0] for r in rows.fetchall()]


def test_new_article_gets_a_stable_id_from_its_url(db, make_record) -> None:
    record = make_record(url="https://qingdao.example.com/a.html")
    result = save_article(db, record)
    assert result.outcome == "new"
    assert result.article_id == stable_id("https://qingdao.example.com/a.html")
    row = db["articles"].get(result.article_id)
    assert row["version"] == 1
    assert json.loads(row["authors"]) == []
    assert db["sources"].get("example")["key"] == "example"


def test_document_without_url_gets_its_id_from_content(db, make_record) -> None:
    record = make_record(url=None, path="seeds/a.txt")
    result = save_article(db, record)
    assert result.article_id == stable_id(record["content_hash"])
    assert find_article_by_keys(db, ["file:seeds/a.txt"]) == result.article_id


def test_same_record_twice_is_unchanged(db, make_record) -> None:
    first = save_article(db, make_record())
    again = save_article(db, make_record(fetched_at="2024-03-02T10:00:00+08:00"))
    assert (again.outcome, again.article_id) == ("unchanged", first.article_id)
    assert db["articles"].count == 1
    assert db["article_versions"].count == 0


def test_changed_text_is_a_new_version_and_the_old_text_is_kept(db, make_record) -> None:
    first = save_article(db, make_record(text="崂山景区今天开放。游客很多。" * 5))
    result = save_article(db, make_record(text="崂山景区今天因大风关闭。" * 5))
    assert (result.outcome, result.article_id) == ("updated", first.article_id)
    row = db["articles"].get(first.article_id)
    assert row["version"] == 2 and "关闭" in row["text"]
    (old,) = db["article_versions"].rows
    assert old["version"] == 1 and "开放" in old["text"]
    assert fts_ids(db, "关闭") == [first.article_id]
    assert fts_ids(db, "开放") == []


def test_an_article_found_by_any_of_its_keys(db, make_record) -> None:
    first = save_article(db, make_record(url="https://a.example.com/1.html", path="seeds/one.html"))
    # The same local file later read with a different URL in its sidecar is still the same article.
    again = save_article(db, make_record(url="https://a.example.com/1.html?utm=x", path="seeds/one.html"))
    assert again.article_id == first.article_id
    assert find_article_by_keys(db, ["https://a.example.com/1.html?utm=x"]) == first.article_id


def test_exact_copy_under_another_url_is_a_duplicate(db, make_record) -> None:
    original = save_article(db, make_record(url="https://a.example.com/1.html"))
    copy = make_record(url="https://b.example.org/copy.html")
    assert find_duplicate(db, copy) == original.article_id
    save_duplicate(db, copy, original.article_id)
    assert find_article_by_keys(db, copy["keys"]) == original.article_id
    # Once remembered, the copy's URL is that article coming back, not a new duplicate.
    assert find_duplicate(db, copy) is None


def test_short_equal_texts_are_not_called_copies(db, make_record) -> None:
    save_article(db, make_record(text="图片新闻", url="https://a.example.com/1.html"))
    assert find_duplicate(db, make_record(text="图片新闻", url="https://a.example.com/2.html")) is None


def test_search_index_finds_chinese_words_and_english(db, make_record) -> None:
    zh = save_article(db, make_record(text="市北区棚户区改造进入收尾阶段，闫可凯带队入户。" * 3))
    en = save_article(
        db, make_record(text="Qingdao port handled record container volumes.", url="https://e.example.com/p")
    )
    assert fts_ids(db, "棚户区改造") == [zh.article_id]
    assert fts_ids(db, "闫可凯") == [zh.article_id]
    assert fts_ids(db, "container") == [en.article_id]
    assert fts_ids(db, "火星") == []

"""URL canonicalisation: one spelling per page."""

from __future__ import annotations

import pytest

from pipelines.documents.urls import add_alias_keys, canonicalize_url, url_keys


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://News.Example.CN:80/a/1.html", "http://news.example.cn/a/1.html"),
        ("https://news.example.cn:443/a/1.html#comments", "https://news.example.cn/a/1.html"),
        ("https://news.example.cn:8443/a/1.html", "https://news.example.cn:8443/a/1.html"),
        ("https://news.example.cn", "https://news.example.cn/"),
        ("https://news.example.cn/a/1.html?b=2&a=1", "https://news.example.cn/a/1.html?a=1&b=2"),
        (
            "https://news.example.cn/a/1.html?utm_source=wx&utm_medium=share&spm=a.b.c&from=timeline&id=7",
            "https://news.example.cn/a/1.html?id=7",
        ),
        (
            "https://news.example.cn/a/1.html?isappinstalled=0&share_token=x&ref=home",
            "https://news.example.cn/a/1.html",
        ),
        (
            "https://news.example.cn/a/1.html;jsessionid=ABC123?PHPSESSID=z&sid=9",
            "https://news.example.cn/a/1.html",
        ),
        ("https://news.example.cn/a/./b/../1.html", "https://news.example.cn/a/1.html"),
        ("https://news.example.cn/新闻/1.html", "https://news.example.cn/%E6%96%B0%E9%97%BB/1.html"),
    ],
)
def test_canonical_spelling(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_page_ids_in_the_query_are_kept() -> None:
    # cid/uid/aid name pages on many Chinese CMSs: dropping them would merge different articles.
    url = "https://www.example.cn/show.php?cid=12&aid=3456&uid=9"
    assert canonicalize_url(url) == "https://www.example.cn/show.php?aid=3456&cid=12&uid=9"


def test_host_aliases_map_mobile_to_desktop() -> None:
    aliases = {"m.ifeng.com": "ifeng.com", "I.IFENG.COM": "ifeng.com"}
    assert (
        canonicalize_url("https://m.ifeng.com/c/8abc?from=wx", host_aliases=aliases)
        == "https://ifeng.com/c/8abc"
    )
    assert canonicalize_url("https://i.ifeng.com/c/8abc", host_aliases=aliases) == "https://ifeng.com/c/8abc"
    assert canonicalize_url("https://m.ifeng.com/c/8abc") == "https://m.ifeng.com/c/8abc"


@pytest.mark.parametrize(
    "url",
    [
        "HTTP://WWW.Example.COM:80/a/../b/c.html?utm_source=x&b=2&a=1#frag",
        "https://m.example.cn/新闻/一.html?q=青岛&from=share",
        "https://example.cn/?",
    ],
)
def test_canonicalisation_is_idempotent(url: str) -> None:
    once = canonicalize_url(url, host_aliases={"m.example.cn": "example.cn"})
    assert canonicalize_url(once, host_aliases={"m.example.cn": "example.cn"}) == once


def test_non_web_keys_are_left_alone() -> None:
    assert canonicalize_url("file:seeds/one.html") == "file:seeds/one.html"


def test_url_keys_put_canonical_spellings_first_and_keep_the_given_ones() -> None:
    keys = url_keys("https://a.example.cn/1.html?utm_source=x", None, "https://a.example.cn/1.html")
    assert keys == ["https://a.example.cn/1.html", "https://a.example.cn/1.html?utm_source=x"]


def test_alias_keys_are_added_first() -> None:
    keys = add_alias_keys(["https://m.example.cn/1.html", "file:a.html"], {"m.example.cn": "www.example.cn"})
    assert keys == ["https://www.example.cn/1.html", "https://m.example.cn/1.html", "file:a.html"]


def test_two_urls_of_one_page_are_one_article(db, make_record) -> None:
    from pipelines.archive.lookup import find_article_by_keys
    from pipelines.archive.store import save_article

    first = save_article(db, make_record(url="https://qingdao.example.com/news/1.html?spm=1&from=wx"))
    known = find_article_by_keys(db, [canonicalize_url("https://QINGDAO.example.com:443/news/1.html#top")])
    assert known == first.article_id
    again = save_article(db, make_record(url="https://qingdao.example.com/news/1.html?utm_medium=feed"))
    assert again.article_id == first.article_id
    assert db.execute("select count(*) from articles").fetchone()[0] == 1
    keys = {k for (k,) in db.execute("select key from article_keys")}
    assert "https://qingdao.example.com/news/1.html?utm_medium=feed" in keys  # every URL kept as an alias

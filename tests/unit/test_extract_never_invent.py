"""Never invent a date: a year or a month stays a year or a month, no date stays null (never the fetch or
ingest day), and every date has a sortable UTC form and the page's own wording."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipelines.documents import RawDocument, record_from_document
from pipelines.extract import extract_page
from pipelines.extract.dates import StatedDate, find_relative_date, parse_partial_date
from pipelines.extract.page_dates import stated_precision

PAGES = Path(__file__).resolve().parents[1] / "support" / "fixtures" / "pages"
CST = timezone(timedelta(hours=8))
FETCHED = datetime(2024, 5, 20, 15, 0, tzinfo=CST)
PROSE = "<p>" + "青岛市近日召开会议，部署海洋经济发展工作，要求各部门加快推进重点项目建设。" * 3 + "</p>"


def zh_page(head: str = "", info: str = "", first: str = "") -> bytes:
    return (
        f'<html lang="zh-CN"><head><meta charset="utf-8"><title>海洋经济会议召开</title>{head}</head>'
        f"<body><article><h1>海洋经济会议召开</h1>{info}{first}{PROSE}{PROSE}</article></body></html>"
    ).encode()


def test_a_stated_date_is_written_no_more_precisely_than_stated() -> None:
    moment = datetime(2004, 5, 20, 10, 20, 33, tzinfo=CST)
    assert StatedDate(moment, "second").iso() == "2004-05-20T10:20:33+08:00"
    assert StatedDate(moment, "day").iso() == "2004-05-20"
    assert StatedDate(moment, "second").coarser("month").iso() == "2004-05"
    assert StatedDate(moment, "second").coarser("year").iso() == "2004"
    assert StatedDate(moment, "second").utc() == "2004-05-20T02:20:33Z"


@pytest.mark.parametrize(
    ("value", "iso", "precision"),
    [("2004", "2004", "year"), ("2004-05", "2004-05", "month"), ("2004年5月", "2004-05", "month")],
)
def test_partial_dates_keep_their_precision(value: str, iso: str, precision: str) -> None:
    found = parse_partial_date(value)
    assert found is not None and (found.iso(), found.precision) == (iso, precision)


@pytest.mark.parametrize("value", ["2004-05-20", "2004-13", "今天", "12345"])
def test_only_years_and_months_are_partial(value: str) -> None:
    assert parse_partial_date(value) is None


@pytest.mark.parametrize(
    ("day", "page_text", "precision"),
    [
        (date(2021, 1, 1), "© 2021 Example", "year"),
        (date(2021, 1, 1), "pubblicato il 12 marzo 2021", "year"),
        (date(2021, 3, 1), "Archive: March 2021", "month"),
        (date(2021, 3, 1), "/news/2021/03/index.html", "month"),
        (date(2021, 3, 1), "posted 2021/03/01", "day"),
        (date(2021, 3, 1), "2021年3月1日 10:00", "day"),
        (date(2021, 3, 1), "1 March 2021", "day"),
        (date(2021, 3, 12), "12 March 2021", "day"),
        (date(2021, 3, 12), "March 12th, 2021", "day"),
        (date(2019, 5, 17), "https://sports.163.com/19/0517/20/EFH8QJ2L00058780.html", "day"),
        (date(2019, 5, 17), "/news/201905/17/1234.shtml", "day"),
        (date(2004, 5, 7), "pubdate 2004-05", "month"),  # a day htmldate filled from today's date
        (date(2021, 3, 12), "nothing at all", None),  # not even the year shown: no date
        (date(2021, 3, 12), "© 2021 Example", "year"),
    ],
)
def test_htmldates_day_is_only_as_precise_as_the_page(
    day: date, page_text: str, precision: str | None
) -> None:
    assert stated_precision(day, page_text) == precision


def test_a_year_only_page_is_published_that_year_not_on_the_first_of_january() -> None:
    html = (
        "<html><head><title>Harbour plan</title></head><body><article><h1>Harbour plan</h1>"
        '<p class="byline">By Ann Lee, pubblicato il 12 marzo 2021</p>'
        + "<p>The council met on Tuesday to discuss the new harbour plan and its budget.</p>" * 8
        + "</article></body></html>"
    )
    article = extract_page(html.encode(), "https://example.org/news/harbour-plan")
    assert (article.published, article.published_precision) == ("2021", "year")
    assert article.published_utc == "2021-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("meta", "published", "precision"), [("2004", "2004", "year"), ("2004-05", "2004-05", "month")]
)
def test_a_declared_year_or_month_is_kept(meta: str, published: str, precision: str) -> None:
    article = extract_page(zh_page(f'<meta name="pubdate" content="{meta}">'), "https://example.cn/a.html")
    assert (article.published, article.published_precision) == (published, precision)


def test_prose_that_says_today_is_not_a_date() -> None:
    page = zh_page(first="<p>今天上午，青岛市召开海洋经济发展大会，会议由市政府主持。</p>")
    article = extract_page(page, "https://example.cn/news/a.html", fetched_at=FETCHED)
    assert article.published is None and article.published_utc is None
    assert "no_date" in article.extraction_flags


def test_a_relative_date_line_is_still_read() -> None:
    page = zh_page(info='<div class="info">3小时前 来源：青岛日报</div>')
    article = extract_page(page, "https://example.cn/news/a.html", fetched_at=FETCHED)
    assert article.published == "2024-05-20T12:00:00+08:00"
    assert article.published_text == "3小时前"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("昨天 10:20", "2024-05-19T10:20:00+08:00"),
        ("发布时间：5月9日 10:00 来源：青岛日报", "2024-05-09T10:00:00+08:00"),
        ("今天上午，市政府召开会议", None),
        ("记者5月20日从市政府了解到", None),
        ("今日，青岛市举行活动", None),
    ],
)
def test_relative_dates_must_stand_on_their_own(text: str, found: str | None) -> None:
    stated = find_relative_date(text, default_tz="Asia/Shanghai", now=FETCHED)
    assert (stated.iso() if stated else None) == found


def test_the_date_line_gives_precision_utc_and_wording() -> None:
    page = zh_page(info='<div class="info">发布时间：2023年08月10日 07:15 来源：青岛日报</div>')
    article = extract_page(page, "https://example.cn/news/a.html")
    assert article.published == "2023-08-10T07:15:00+08:00"
    assert article.published_precision == "minute"
    assert article.published_utc == "2023-08-09T23:15:00Z"
    assert article.published_text == "2023年08月10日 07:15"


def test_published_utc_sorts_across_offsets() -> None:
    early = extract_page(
        zh_page('<meta property="article:published_time" content="2023-08-10T07:15:00+08:00">')
    )
    late = extract_page(
        zh_page('<meta property="article:published_time" content="2023-08-10T02:00:00+02:00">')
    )
    assert early.published is not None and late.published is not None
    assert early.published > late.published  # as text, the offsets mislead
    assert early.published_utc is not None and late.published_utc is not None
    assert early.published_utc < late.published_utc
    assert early.published_precision == "second"


def test_a_time_attribute_gives_the_time_a_page_only_dates_by_day() -> None:
    page = (PAGES / "zh_portal_163.html").read_bytes()
    article = extract_page(page, "https://sports.163.com/19/0517/20/EFH8QJ2L00058780.html")
    assert article.published == "2019-05-17T20:02:46+08:00"
    assert article.published_text == "2019-05-17 20:02:46"


def frontmatter(date_line: str) -> RawDocument:
    text = (
        f"---\ntitle: 海洋经济会议召开\n{date_line}tags: [会议]\n---\n"
        "今天上午，青岛市召开海洋经济发展大会，会议由市政府主持。\n"
        + "青岛市近日召开会议，部署海洋经济发展工作，要求各部门加快推进重点项目建设。\n"
        * 4
    )
    return RawDocument(body=text.encode(), name="doc.txt", fetched_at=FETCHED.isoformat(), kind="frontmatter")


def test_a_document_without_a_date_is_not_dated_the_day_it_was_read() -> None:
    record = record_from_document(frontmatter(""))
    assert record["published"] is None and record["published_utc"] is None
    assert "no_date" in record["extraction_flags"]


@pytest.mark.parametrize(
    ("line", "published", "precision"),
    [
        ("date: 2022-07-01\n", "2022-07-01", "day"),
        ("date: 2004\n", "2004", "year"),
        ("date: '2004-05'\n", "2004-05", "month"),
        ("date: 2022-07-01T09:00:00+08:00\n", "2022-07-01T09:00:00+08:00", "second"),
    ],
)
def test_a_documents_date_keeps_its_precision(line: str, published: str, precision: str) -> None:
    record = record_from_document(frontmatter(line))
    assert (record["published"], record["published_precision"]) == (published, precision)


def test_utc_form_of_a_day_is_its_local_start() -> None:
    record = record_from_document(frontmatter("date: 2022-07-01\n"))
    assert record["published_utc"] == datetime(2022, 7, 1, tzinfo=CST).astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


_ZH_BODY = "".join(
    f"<p>第{i}段：会议指出，要坚持问题导向，聚焦难点堵点，推动各项工作落实落细，取得更大成效。</p>"
    for i in range(6)
)


@pytest.mark.parametrize(
    "hidden",
    [
        '<script>var pubdate="2017-04-01 13:06:59";</script>',
        '<script type="application/json">{"dateCreated":"2017-04-01T13:06:59"}</script>',
        '<div data-time="2017-04-01"></div>',
        '<img src="/uploads/2017/04/01/a.jpg" alt="">',
    ],
)
def test_a_date_only_in_scripts_or_attributes_is_not_shown(hidden: str) -> None:
    """htmldate finds a day in a script, an attribute or an image path; the page shows no date (labelled
    pages of encyclopedias, Q&A and forums with relative dates only), so none is stored."""
    page = (
        '<html><head><meta charset="utf-8"><title>崂山区推进重点工作</title></head><body>'
        f"<h1>崂山区推进重点工作</h1>{hidden}{_ZH_BODY}</body></html>"
    )
    assert extract_page(page.encode()).published is None


def test_a_shown_date_htmldate_finds_is_kept() -> None:
    page = (
        '<html><head><meta charset="utf-8"><title>崂山区推进重点工作</title></head><body>'
        f"<h1>崂山区推进重点工作</h1><p class='foot'>2017-04-01</p>{_ZH_BODY}</body></html>"
    )
    assert (extract_page(page.encode()).published or "").startswith("2017-04-01")


def test_a_date_the_page_declares_in_json_ld_is_stated() -> None:
    """A date in the page's declared metadata (JSON-LD, a <meta> value) is the page's own statement."""
    page = (
        '<html><head><meta charset="utf-8"><title>崂山区推进重点工作</title>'
        '<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage",'
        '"datePublished":"2003-02-28T21:51:08Z"}]}</script></head><body>'
        f"<h1>崂山区推进重点工作</h1>{_ZH_BODY}</body></html>"
    )
    from pipelines.extract.page_dates import shown_text
    from pipelines.extract.parse import parse_html

    tree = parse_html(page)
    assert "2003-02-28" in shown_text(tree)
    assert "崂山区推进重点工作" in shown_text(tree)

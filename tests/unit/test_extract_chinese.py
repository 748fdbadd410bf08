"""End-to-end Chinese rules on a page of our own, and that they stay off for English pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipelines.extract import EXTRACTOR_NAME, EXTRACTOR_VERSION, NotAnArticle, extract_page

PAGES = Path(__file__).resolve().parents[1] / "support" / "fixtures" / "pages"


@pytest.fixture(scope="module")
def article():  # type: ignore[no-untyped-def]
    body = (PAGES / "zh_city_news.html").read_bytes()
    result = extract_page(body, "https://news.example.cn/city/2023/0618/a1.html")
    assert result is not None
    return result


def test_title_split(article) -> None:  # type: ignore[no-untyped-def]
    assert article.title == "滨海新城推出三项便民举措 老街区改造全面提速"
    assert article.section == "城市频道"
    assert article.site_name == "示例新闻网"


def test_body_starts_with_lead_once(article) -> None:  # type: ignore[no-untyped-def]
    assert article.text.startswith("滨海新城推出三项便民举措")
    assert article.text.count("首批十二个小区年内完工") == 1
    assert "改造内容：" in article.text and "管网更新和加装电梯" in article.text


@pytest.mark.parametrize(
    "furniture",
    [
        "责任编辑",
        "原标题",
        "分享到",
        "版权所有",
        "ICP备",
        "标签：",
        "相关阅读",
        "另一条新闻",
        ".jpg",
        "本报讯",
        "通讯员",
        "来源：",
    ],
)
def test_furniture_removed(article, furniture: str) -> None:  # type: ignore[no-untyped-def]
    assert furniture not in article.text


def test_credits(article) -> None:  # type: ignore[no-untyped-def]
    assert article.authors[0] == "李晓明"
    assert {"name": "赵一鸣", "role": "correspondent"} in article.contributors
    assert {"name": "孙悦", "role": "correspondent"} in article.contributors
    assert article.editor == "陈静"
    assert article.original_title == "老街区改造进入快车道"
    assert article.source_outlet == "示例日报"


def test_date_near_headline_in_china_time(article) -> None:  # type: ignore[no-untyped-def]
    assert article.published == "2023-06-18T09:30:00+08:00"


def test_source_timezone_overrides_default() -> None:
    body = (PAGES / "zh_city_news.html").read_bytes()
    result = extract_page(body, timezone="Asia/Taipei")
    assert result is not None and result.published == "2023-06-18T09:30:00+08:00"
    result = extract_page(body, timezone="Europe/London")
    assert result is not None and result.published == "2023-06-18T09:30:00+01:00"


def test_tags_images_and_identity(article) -> None:  # type: ignore[no-untyped-def]
    assert "老街区改造" in article.tags and "便民" in article.tags
    assert article.images[0] == "https://news.example.cn/static/icons/share_w20_h20.png"
    assert article.image == "https://img.example.cn/2023/0618/street_w640_h480.jpg"
    assert article.language == "zh"
    assert article.encoding == "utf-8"
    assert (article.extractor, article.extractor_version) == (EXTRACTOR_NAME, EXTRACTOR_VERSION)
    assert article.as_dict()["title"] == article.title


def test_gbk_page_without_header_has_no_mojibake() -> None:
    html = (
        (PAGES / "zh_city_news.html")
        .read_text(encoding="utf-8")
        .replace('charset="utf-8"', 'charset="gb2312"')
    )
    result = extract_page(html.encode("gb18030"))
    assert result is not None and result.encoding == "gb18030"
    assert result.title == "滨海新城推出三项便民举措 老街区改造全面提速"
    assert "\ufffd" not in result.text


ENGLISH = b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Harbour district speeds up street renewal - City News</title>
<meta property="og:site_name" content="City News">
<meta property="article:published_time" content="2023-06-18T09:30:00">
</head><body><article><h1>Harbour district speeds up street renewal</h1>
<p>The harbour district will renew twelve old housing estates this year, officials said on Sunday,
starting with drainage pipes and lifts for elderly residents.</p>
<p>Editor: the work follows a "first underground, then above ground" rule, the renewal office said.</p>
<p>Source: the city renewal office expects the first estates to be finished before the end of the year.</p>
<p>Reporter Li said residents welcomed the change after years of flooded streets in the rainy season.</p>
</article></body></html>"""


def test_chinese_rules_do_not_fire_on_english() -> None:
    result = extract_page(ENGLISH, "https://citynews.example.com/a/1")
    assert result is not None
    assert result.language == "en"
    assert result.title == "Harbour district speeds up street renewal"
    assert result.section is None and result.contributors == []
    assert "Editor: the work follows" in result.text and "Source: the city renewal" in result.text
    # no offset on the page and no source zone given: UTC, not China time
    assert result.published == "2023-06-18T09:30:00+00:00"


def test_not_an_article() -> None:
    empty = b"<html><head><title>x</title></head><body><div></div></body></html>"
    with pytest.raises(NotAnArticle) as info:
        extract_page(empty)
    assert info.value.reason and "\n" not in info.value.reason
    # The one extraction entry point raises for a page without an article; it neither logs nor returns None.
    with pytest.raises(NotAnArticle) as with_url:
        extract_page(empty, "https://x.example/")
    assert with_url.value.reason == info.value.reason == "no body text found"
    with pytest.raises(NotAnArticle):
        extract_page(b"")


def test_closing_names_and_split_keyword_line() -> None:
    body = """<html lang="zh-CN"><head><meta charset="utf-8"><title>古镇灯光节开幕_旅游频道_示例网</title></head>
<body><article><h1>古镇灯光节开幕</h1>
<p>5月18日晚，古镇“光之城”灯光节正式开幕，二十余组灯光装置沿河展开，吸引大批市民和游客前来观赏。</p>
<p>据主办方介绍，本届灯光节将持续到十月底，期间每周末还将举办沉浸式演出和非遗市集。（郭旭）</p>
<p>关键字：</p><p>灯光节</p><p>古镇</p>
</article></body></html>""".encode()
    result = extract_page(body, "https://travel.example.cn/a/1.html")
    assert result is not None
    assert result.authors == ["郭旭"]
    assert result.text.endswith("期间每周末还将举办沉浸式演出和非遗市集。")
    assert {"灯光节", "古镇"} <= set(result.tags)
    assert "关键字" not in result.text


RELATIVE = """<html lang="zh-CN"><head><meta charset="utf-8"><title>夜市人气旺_本地频道_示例网</title></head>
<body><article><h1>夜市人气旺</h1><div class="info">3小时前 来源：示例晚报</div>
<p>入夏以来，城区几处夜市人气持续走高，摊主们延长营业时间，市民纷纷出门纳凉消费，夜间经济明显回暖。</p>
<p>市场监管部门表示，将加强夜市食品安全巡查，确保市民吃得放心、逛得安心。</p>
</article></body></html>""".encode()


def test_relative_date_needs_fetched_at() -> None:
    fetched = datetime(2024, 7, 1, 21, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    result = extract_page(RELATIVE, fetched_at=fetched)
    assert result is not None and result.published == "2024-07-01T18:00:00+08:00"
    assert result.source_outlet == "示例晚报"
    naive = extract_page(RELATIVE, fetched_at=datetime(2024, 7, 1, 21, 0))  # naive = source zone
    assert naive is not None and naive.published == "2024-07-01T18:00:00+08:00"
    undated = extract_page(RELATIVE)
    assert undated is not None and undated.published is None


def test_caption_printed_twice_before_the_body_is_dropped() -> None:
    from pipelines.extract.chinese import clean_chinese_body

    caption = "《城市访谈》之《老街新貌》5月20日起电视频道22:00播出"
    body = "本报讯 以镜头之名，探寻老街的变化。5月20日起，栏目将推出系列访谈节目，讲述街坊们的故事。"
    cleaned = clean_chinese_body([caption, caption + "收起", caption, body], titles=["老街新貌"])
    assert cleaned.lines == [body]  # a player's caption (and its toggle) is not the story

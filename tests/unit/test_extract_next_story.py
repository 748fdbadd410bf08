"""The next story's headline ends the body (pipelines.extract.feeds.drop_appended_feed), also when the
article's own lines are not found in the page by their start: a line joined from several elements
("<span>【</span>#话题#<span>】</span> 据…", a 360kuai story) left the next story's <h1> as the first line
found, and the body ran on into that story."""

from __future__ import annotations

from pipelines.extract.feeds import drop_appended_feed
from pipelines.extract.pagemeta import read_page_meta
from pipelines.extract.parse import parse_html

TITLE = "美官员否认伊朗直升机事故存在谋杀行为"
LEAD = (
    "据美国一家广播公司报道，载有伊朗总统的直升机发生“硬着陆”事故后，美参议院多数党领袖表示，已从情报部门"
    "获悉，“没有证据表明该事件中存在谋杀行为”。他称，事发地点天气糟糕，大雾弥漫，“所以这看起来像是一起"
    "事故，但全面调查仍在进行中”。伊朗通讯社和路透社20日报道，伊朗总统在直升机事故中遇难。"
)
FIRST_LINE = f"【#{TITLE}#】#美官员回应伊朗直升机事故# {LEAD}"
NEXT_TITLE = "31岁在晚会一炮而红，观众都以为他隐退了，其实已经去世10年了"
NEXT = [
    "如果说在中国传唱度最高的歌曲，那这一首歌绝对算得上是家喻户晓，那就是一首关于海湾的老歌。",
    "这首歌有很多明星都翻唱过，但这首歌其实原唱是一位很多人已经不太熟悉的歌手。",
    "他出生于一个军人家庭，自幼受到了良好的教育，从小对唱歌产生了浓厚的兴趣，高中毕业后走上了音乐的道路。",
]


def page(lead: str) -> str:
    """A 360kuai story page: the logo is the first <h1>, the story's own <h1> carries a button's text (so
    neither is taken for the headline the <title> holds), and the next story, with its <h1> of the same
    class, follows in the same container."""
    return f"""<html><head><meta charset="utf-8"><title> {TITLE}_【快资讯】 </title></head><body>
<header><h1 class="logo">快资讯</h1></header>
<div class="detail-content">
<div class="content--normal">
<h1 class="article__title"><span class="article__title">{TITLE}</span><div class="audio">播报文章</div></h1>
<div class="author-info"><div>中国新闻网</div><time>2024-05-20 13:09</time></div>
<div id="article__content"><p><span>【</span>#{TITLE}#<span>】</span>#美官员回应伊朗直升机事故#<span> {lead}</span></p>
</div></div>
<div class="recommend--wrapper"><div class="content--recommend">
<h1 class="article__title"><span class="article__title">{NEXT_TITLE}</span></h1>
<div class="recommend__content">{"".join(f"<p>{p}</p>" for p in NEXT)}</div>
</div></div></div></body></html>"""


def cut(html: str, lines: list[str]) -> list[str]:
    tree = parse_html(html)
    return drop_appended_feed(tree, lines, read_page_meta(tree))


def test_the_next_storys_headline_ends_a_body_not_found_by_its_start() -> None:
    lines = [FIRST_LINE, NEXT_TITLE, *NEXT]
    assert cut(page(LEAD), lines) == [FIRST_LINE]


def test_a_headline_after_a_few_words_only_is_kept() -> None:
    # What stands above the <h1> is no body (a profile box, a kicker): the <h1> may be the story's own.
    lead = "据报道。"
    first = f"【#{TITLE}#】#美官员回应伊朗直升机事故# {lead}"
    lines = [first, NEXT_TITLE, *NEXT]
    assert cut(page(lead), lines) == lines


def test_a_body_found_by_its_start_is_cut_as_before() -> None:
    html = page(LEAD).replace("<span>【</span>#", "【#").replace("#<span>】</span>#", "#】#")
    html = html.replace(f"#<span> {LEAD}</span>", f"# {LEAD}")
    lines = [FIRST_LINE, NEXT_TITLE, *NEXT]
    assert cut(html, lines) == [FIRST_LINE]

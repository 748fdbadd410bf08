#!/usr/bin/env python
"""Build the Chinese hold-out set (``zh-holdout``): 27 pages of 16 sites that no rule was written on.

    python bench/datasets/build_zh_holdout.py [--out DIR] [--mirror-root DIR] [--labels FILE]

The pages are Chinese article pages shipped in the test folders of four public repositories (a Taiwanese
news scraper, two crawlers' test resources, a zhihu client), pinned to commits; none of them is a source of
the other sets. They were labelled by hand (title, date, authors, editor, outlet: bench/zh_labels.jsonl,
dataset ``zh-holdout``; rules in bench/README_labels.md) and measured once before any rule looked at them
(bench/README.md, issue 13's sixth pass). Bytes are stored untouched (gzip only); a page the repository keeps
compressed (``.html.gz``, ``.html.xz``) is stored as the HTML it holds. By default each file is downloaded
from raw.githubusercontent.com; ``--mirror-root`` reads ``<root>/<owner>+<name>/repo`` git mirrors instead.

``text`` (the body label) is written on 17 pages: the story paragraphs of the article container, chosen by
number after reading them (``BODY_CUTS``), without photo captions, byline lines, the sites' hotline boxes,
share buttons and related-story lists; null elsewhere (title, date and author scoring only).
"""

from __future__ import annotations

import argparse
import gzip
import json
import lzma
import re
import sys
from pathlib import Path

from lxml import html as lxml_html

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_zh_testpages import Origin, fetch, load_labels
from show_page import decode

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO.parent / "shared" / "datasets" / "zh-holdout"
DEFAULT_LABELS = REPO / "bench" / "zh_labels.jsonl"
NAME = "zh-holdout"

TWNEWS = ("virus-warnning/twnews", "MIT")
EVENTS = ("sonyfe25cp/EventsMachine", "none stated (no licence file)")
HTMLSPIDER = ("museless/Htmlspider", "none stated (no licence file)")
ZHIHU = ("7sDream/zhihu-py3", "MIT")

# (id, (repository, licence), commit, path, the page's URL where the source records or shows it)
PAGES: list[tuple[str, tuple[str, str], str, str, str | None]] = [
    (
        "twnews_appledaily_2018",
        TWNEWS,
        "cb6ddf715d9cb22c7786809e6a3a57b4d8c600f8",
        "twnews/samples/appledaily.html",
        "https://tw.appledaily.com/new/realtime/20160521/867195/",
    ),
    (
        "twnews_appledaily_2019",
        TWNEWS,
        "e62541311a0dd4b3bc17537a3b07896476b8c6b6",
        "twnews/samples/appledaily.html.gz",
        "https://tw.appledaily.com/new/realtime/20160521/867195/",
    ),
    (
        "twnews_chinatimes_2018",
        TWNEWS,
        "cb6ddf715d9cb22c7786809e6a3a57b4d8c600f8",
        "twnews/samples/chinatimes.html",
        "https://www.chinatimes.com/realtimenews/20180916001767-260402",
    ),
    (
        "twnews_chinatimes_2019",
        TWNEWS,
        "e62541311a0dd4b3bc17537a3b07896476b8c6b6",
        "twnews/samples/chinatimes.html.gz",
        "https://www.chinatimes.com/realtimenews/20180916001767-260402",
    ),
    (
        "twnews_cna_2018",
        TWNEWS,
        "cb6ddf715d9cb22c7786809e6a3a57b4d8c600f8",
        "twnews/samples/cna.html",
        "https://www.cna.com.tw/news/asoc/201603190029.aspx",
    ),
    (
        "twnews_cna_2019",
        TWNEWS,
        "e62541311a0dd4b3bc17537a3b07896476b8c6b6",
        "twnews/samples/cna.html.gz",
        "https://www.cna.com.tw/news/asoc/201603190029.aspx",
    ),
    (
        "twnews_ettoday_2018",
        TWNEWS,
        "cb6ddf715d9cb22c7786809e6a3a57b4d8c600f8",
        "twnews/samples/ettoday.html",
        "https://www.ettoday.net/news/20171209/1069025.htm",
    ),
    (
        "twnews_ettoday_2019",
        TWNEWS,
        "e62541311a0dd4b3bc17537a3b07896476b8c6b6",
        "twnews/samples/ettoday.html.gz",
        "https://www.ettoday.net/news/20171209/1069025.htm",
    ),
    (
        "twnews_ltn_2018",
        TWNEWS,
        "cb6ddf715d9cb22c7786809e6a3a57b4d8c600f8",
        "twnews/samples/ltn.html",
        "http://news.ltn.com.tw/news/life/breakingnews/2504351",
    ),
    (
        "twnews_ltn_2019",
        TWNEWS,
        "e62541311a0dd4b3bc17537a3b07896476b8c6b6",
        "twnews/samples/ltn.html.gz",
        "https://news.ltn.com.tw/news/life/breakingnews/2504351",
    ),
    (
        "twnews_setn_2018",
        TWNEWS,
        "cb6ddf715d9cb22c7786809e6a3a57b4d8c600f8",
        "twnews/samples/setn.html",
        "https://www.setn.com/News.aspx?NewsID=350370",
    ),
    (
        "twnews_setn_2019",
        TWNEWS,
        "e62541311a0dd4b3bc17537a3b07896476b8c6b6",
        "twnews/samples/setn.html.gz",
        "https://www.setn.com/News.aspx?NewsID=350370",
    ),
    (
        "twnews_udn_2018",
        TWNEWS,
        "cb6ddf715d9cb22c7786809e6a3a57b4d8c600f8",
        "twnews/samples/udn.html",
        "https://udn.com/news/story/7315/3004543",
    ),
    (
        "twnews_udn_2019",
        TWNEWS,
        "e62541311a0dd4b3bc17537a3b07896476b8c6b6",
        "twnews/samples/udn.html.gz",
        "https://udn.com/news/story/7315/3705102",
    ),
    (
        "events_fenghuang",
        EVENTS,
        "ca2dd9edb72b16d2f84bb76a5999af955a4afb7a",
        "gossip/src/test/resources/fenghuang.html",
        None,
    ),
    (
        "events_chinanews",
        EVENTS,
        "ca2dd9edb72b16d2f84bb76a5999af955a4afb7a",
        "gossip/src/test/resources/gn-news-chinanews.html",
        None,
    ),
    (
        "events_qq_huanqiu",
        EVENTS,
        "ebaf4ff10fb1ad757779e7f7cf08328780459320",
        "gossip/src/test/resources/gn-news-qq.html",
        None,
    ),
    (
        "events_qq2",
        EVENTS,
        "ca2dd9edb72b16d2f84bb76a5999af955a4afb7a",
        "gossip/src/test/resources/qq2.html",
        None,
    ),
    (
        "htmlspider_sina_1",
        HTMLSPIDER,
        "a04a5777ea47a506c4017ffe8774e97ff4efea0c",
        "sourcecode/python/sina.shtml",
        "http://finance.sina.com.cn/stock/t/2016-01-19/doc-ifxnrahr8493103.shtml",
    ),
    (
        "htmlspider_sina_2",
        HTMLSPIDER,
        "85da68a968949e32f8c058a83c129887a0faf4a2",
        "sourcecode/python/Html/sina.shtml",
        "http://finance.sina.com.cn/money/forex/datafx/2016-02-01/doc-ifxnzanm3942480.shtml",
    ),
    (
        "htmlspider_hexun",
        HTMLSPIDER,
        "a04a5777ea47a506c4017ffe8774e97ff4efea0c",
        "sourcecode/python/hexun.html",
        "http://gold.hexun.com/2015-12-31/181523842.html",
    ),
    (
        "htmlspider_163_gdp",
        HTMLSPIDER,
        "d10527db12609bf333ac1fc18ce6f7d066003bd1",
        "sourcecode/python/163.html",
        None,
    ),
    (
        "htmlspider_163_export",
        HTMLSPIDER,
        "d32409542ccce8bdc340bf913b0d9aefd9669d35",
        "sourcecode/python/163.html",
        None,
    ),
    (
        "htmlspider_cfi_1",
        HTMLSPIDER,
        "ae0100b43be721d953f567e29f380d0e028b70be",
        "sourcecode/python/cfi.html",
        None,
    ),
    (
        "htmlspider_cfi_2",
        HTMLSPIDER,
        "a04a5777ea47a506c4017ffe8774e97ff4efea0c",
        "sourcecode/python/cfi.html",
        None,
    ),
    (
        "htmlspider_cnfol",
        HTMLSPIDER,
        "ecfdea35dedc94a9c855aa00351f47cd1d5b6138",
        "sourcecode/python/cnfol.shtml",
        None,
    ),
    (
        "zhihu_py3_answer",
        ZHIHU,
        "00fc1f69537c1f7b24ae827ee9796eb16981993e",
        "test/data/answer.html",
        "http://www.zhihu.com/question/24825703",
    ),
]

# id -> (XPath of the article container, numbers of the paragraphs kept, as listed by ``paragraphs``)
BODY_CUTS: dict[str, tuple[str, list[int]]] = {
    "twnews_appledaily_2018": ("//div[contains(@class,'ndArticle_margin')]", [0]),
    "twnews_chinatimes_2018": ("//article", [0]),
    "twnews_chinatimes_2019": ("//article", [10]),
    "twnews_cna_2018": ("//div[@class='paragraph']", [0]),
    "twnews_cna_2019": ("//div[@class='paragraph']", [0]),
    "twnews_ettoday_2018": ("//div[@class='story']", [2, 3, 4, 5]),
    "twnews_ettoday_2019": ("//div[@class='story']", [2, 3, 4, 5]),
    "twnews_setn_2018": ("//div[@id='Content1']", [1, 2, 3]),
    "twnews_udn_2018": ("//div[@id='story_body_content']", [5, 6, 7, 8]),
    "twnews_udn_2019": ("//div[@id='story_body_content']", [6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17]),
    "twnews_ltn_2018": ("//div[@itemprop='articleBody']", [1, 2, 3, 4]),
    "events_chinanews": ("//div[@class='left_zw']", [0, 1, 2, 3, 4, 5]),
    "events_qq2": ("//div[@id='Cnt-Main-Article-QQ']", [0, 1, 2, 3, 4, 5, 6]),
    "events_qq_huanqiu": ("//div[@id='Cnt-Main-Article-QQ']", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    "events_fenghuang": ("//div[@id='artical_real']", [0, 1, 2, 3, 4]),
    "htmlspider_sina_1": ("//div[@id='artibody']", [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]),
    "htmlspider_163_export": ("//div[@id='endText']", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
}
# One <p> of this page holds the story, its closing byline and a hotline box: the story precedes the byline.
BODY_ENDS = {"twnews_appledaily_2018": "（王煌忠／台中報導）"}


def paragraphs(raw: bytes, xpath: str) -> list[str]:
    """The texts of the paragraphs (p, h2, h3, li, outermost) of the first element ``xpath`` finds."""
    doc = lxml_html.document_fromstring(
        decode(raw).encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8")
    )
    nodes = doc.xpath(xpath)
    if not nodes:
        return []
    for hidden in nodes[0].xpath(".//script|.//style|.//noscript"):
        hidden.drop_tree()
    texts = []
    for el in nodes[0].xpath(".//p|.//h2|.//h3|.//li"):
        if not el.xpath("ancestor::p"):
            text = re.sub(r"\s+", " ", el.text_content()).strip()
            if text:
                texts.append(text)
    return texts


def body_label(page_id: str, raw: bytes) -> str | None:
    if page_id not in BODY_CUTS:
        return None
    xpath, keep = BODY_CUTS[page_id]
    found = paragraphs(raw, xpath)
    text = "\n".join(found[i] for i in keep if i < len(found))
    if page_id in BODY_ENDS:
        text = text.split(BODY_ENDS[page_id])[0].strip()
    return text or None


def stored_html(path: str, data: bytes) -> bytes:
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".xz"):
        return lzma.decompress(data)
    return data


def readme() -> str:
    lines = [
        f"{NAME}: {len(PAGES)} Chinese article pages from the test folders of four public repositories, a",
        "hold-out set for the extractor (no rule was written on them before they were measured).",
        "Built by bench/datasets/build_zh_holdout.py (newsarchive); bytes untouched, gzip only.",
        "",
        "Repositories (licence of the repository; the pages are third-party news pages captured for tests,",
        "no separate terms stated for them):",
    ]
    for repo, licence in (TWNEWS, EVENTS, HTMLSPIDER, ZHIHU):
        count = sum(1 for _, (r, _), *_ in PAGES if r == repo)
        lines.append(f"  https://github.com/{repo}  licence: {licence}  ({count} pages)")
    lines += [
        "",
        "Labels: bench/zh_labels.jsonl (dataset zh-holdout), by hand from what a reader sees (rules in",
        "bench/README_labels.md); text on the pages of BODY_CUTS (see the script). No extractor output used.",
        "The twnews pages are 7 stories, each in two captures (2018 and 2019 layouts).",
        "",
        "Pages (id <- repository@commit:path):",
    ]
    lines += [f"  {page_id} <- {repo}@{commit}:{path}" for page_id, (repo, _), commit, path, _ in PAGES]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="dataset folder to (re)write")
    parser.add_argument("--mirror-root", type=Path, help="read git mirrors <root>/<owner>+<name>/repo")
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS, help="hand labels (JSON lines)")
    args = parser.parse_args(argv)
    labels = load_labels(args.labels, NAME)
    pages_dir = args.out / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for page_id, (repo, licence), commit, path, url in PAGES:
        raw = stored_html(path, fetch(Origin(repo, commit, licence), path, args.mirror_root))
        # mtime=0: the same bytes give the same .gz on every rebuild.
        (pages_dir / f"{page_id}.html.gz").write_bytes(gzip.compress(raw, mtime=0))
        label = labels.get(page_id, {})
        authors = label.get("authors") if isinstance(label.get("authors"), list) else []
        rows.append(
            {
                "id": page_id,
                "lang": "zh",
                "url": url,
                "title": label.get("title"),
                "date": label.get("date"),
                "author": "; ".join(str(a) for a in authors) if authors else None,
                "text": body_label(page_id, raw),
                "tags": None,
                "extra": {"origin": f"{repo}@{commit}:{path}", "licence": licence, "site": label.get("site")},
            }
        )
    with (args.out / "truth.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    (args.out / "README.txt").write_text(readme(), encoding="utf-8")
    missing = [page_id for page_id, *_ in PAGES if page_id not in labels]
    texts = sum(1 for row in rows if row["text"])
    print(
        f"{len(rows)} pages written to {args.out}; {len(rows) - len(missing)} labelled, {texts} with a body"
    )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Rebuild ../shared/datasets/zh-extractor-testpages from the public test folders it came from.

    python bench/datasets/build_zh_testpages.py [--out DIR] [--mirror-root DIR] [--labels FILE]

Every page is a Chinese test page shipped in the test folder of an open-source extraction
tool (trafilatura, htmldate, newspaper4k, goose3, GerapyAutoExtractor, cx-extractor-python),
pinned to one commit.  Bytes are stored untouched (gzip only), so a page that declares
gb2312 stays gb2312.  By default each file is downloaded from
raw.githubusercontent.com at its pinned commit; with --mirror-root the script reads
``<root>/<owner>+<name>/repo`` (a bare git mirror) with ``git show`` instead, so the set can
be rebuilt offline.

truth.jsonl gets the hand-made labels of bench/zh_labels.jsonl for these pages (title, date,
authors joined with "; ").  None of the sources has an independent body label (newspaper4k's
txt files and cx-extractor's Text folder are the tools' own output), so ``text`` is null,
except on the NetEase (163.com) pages: there the article sits in one container,
``#endText``, and ``text`` is written from it by the rule in ``netease_body`` (read and
checked page by page): the summary box shown above the story, then every non-empty
paragraph of the container, leaving out the source and editor lines, the "原标题" line,
photo captions marked with a triangle, and NetEase's promotion box of related headlines
that follows the story inside the same container.
Licences and origins are written to README.txt; see also bench/README_labels.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

sys.path.insert(0, str(Path(__file__).resolve().parent))
from show_page import decode

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO.parent / "shared" / "datasets" / "zh-extractor-testpages"
DEFAULT_LABELS = REPO / "bench" / "zh_labels.jsonl"
NAME = "zh-extractor-testpages"


@dataclass(frozen=True)
class Origin:
    repo: str
    commit: str
    licence: str


TRAFILATURA = Origin("adbar/trafilatura", "e90b0ef51ab026fdb905fb6c5b3c84dd3d784fd5", "Apache-2.0")
HTMLDATE = Origin("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67", "Apache-2.0")
NEWSPAPER4K = Origin("AndyTheFactory/newspaper4k", "540bff3e8344cb8291c4829fafd98860f30d9692", "MIT")
GOOSE3 = Origin("goose3/goose3", "c5a8902eed0c4592a1ff5ec51a0277cf73a3aca7", "Apache-2.0")
GERAPY = Origin("Gerapy/GerapyAutoExtractor", "d65ddd09d4714db4615ea0d522829b20ca7805e5", "Apache-2.0")
CX = Origin("chrislinan/cx-extractor-python", "56f19b1b7a340f730a9cfd28d2e11e65709f8852", "MIT")

# (id, origin, path in the repository, original URL as recorded by the source, or None)
PAGES: list[tuple[str, Origin, str, str | None]] = [
    (
        "trafilatura_chineselyrics4u.com.zhineng",
        TRAFILATURA,
        "tests/cache/chineselyrics4u.com.zhineng.html",
        "http://www.chineselyrics4u.com/2011/07/zhi-neng-xiang-nian-ni-jam-hsiao-jing.html",
    ),
    (
        "trafilatura_archive.org.he.xinhuanet.com.25340717",
        TRAFILATURA,
        "tests/eval/archive.org.he.xinhuanet.com.25340717.html",
        "https://web.archive.org/web/20120611024252/http://www.he.xinhuanet.com/news/2012-06/04/content_25340717.htm",
    ),
    (
        "trafilatura_baike.baidu.com.tanya",
        TRAFILATURA,
        "tests/eval/baike.baidu.com.tanya.html",
        "https://baike.baidu.com/item/%E8%94%A1%E5%81%A5%E9%9B%85",
    ),
    (
        "trafilatura_banyuetan.org.1000200033136171577956287380194268_1",
        TRAFILATURA,
        "tests/eval/banyuetan.org.1000200033136171577956287380194268_1.html",
        "http://www.banyuetan.org/jmcs/detail/20200102/1000200033136171577956287380194268_1.html",
    ),
    (
        "trafilatura_xinhuanet.com.c_1125597921",
        TRAFILATURA,
        "tests/eval/xinhuanet.com.c_1125597921.html",
        "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm",
    ),
    # the source's URL carries tracking parameters (edtsign, spm ...), left out here
    (
        "htmldate_sohu.com-Likeqiang",
        HTMLDATE,
        "tests/eval/sohu.com-Likeqiang.html",
        "https://www.sohu.com/a/733320600_429139",
    ),
    (
        "htmldate_1500260110",
        HTMLDATE,
        "tests/test_set/1500260110.html",
        "https://news.sina.com.tw/article/20200121/34046328.html",
    ),
    (
        "htmldate_1546021647",
        HTMLDATE,
        "tests/test_set/1546021647.html",
        "http://www.upmedia.mg/news_info.php?SerialNo=83141",
    ),
    (
        "htmldate_1564888577",
        HTMLDATE,
        "tests/test_set/1564888577.html",
        "https://news.ltn.com.tw/news/business/breakingnews/3119452",
    ),
    ("htmldate_1580240354", HTMLDATE, "tests/test_set/1580240354.html", "http://city.udn.com/67926/6950016"),
    (
        "htmldate_1728970162",
        HTMLDATE,
        "tests/test_set/1728970162.html",
        "https://money.udn.com/money/story/5603/4909425",
    ),
    (
        "newspaper4k_chinese_article_001",
        NEWSPAPER4K,
        "tests/data/html/chinese_article_001.html",
        "https://china.chinadaily.com.cn/a/202311/17/WS65571297a310d5acd876f404.html",
    ),
    (
        "newspaper4k_chinese_article_002",
        NEWSPAPER4K,
        "tests/data/html/chinese_article_002.html",
        "http://www.news.cn/fortune/2023-11/17/c_1129981476.htm",
    ),
    (
        "goose3_bbc_chinese",
        GOOSE3,
        "tests/data/content/test_bbc_chinese.html",
        "http://www.bbc.co.uk/zhongwen/simp/chinese_news/2012/12/121210_hongkong_politics.shtml",
    ),
    ("gerapy_china_news1", GERAPY, "samples/detail/china_news1.html", None),
    ("gerapy_ifeng_news1", GERAPY, "samples/detail/ifeng_news1.html", "https://news.ifeng.com/c/7kQcQG2peWU"),
    (
        "gerapy_ifeng_news1_detail_20220630",
        GERAPY,
        "samples/detail/ifeng_news1_detail_20220630.html",
        "https://news.ifeng.com/c/7kQcQG2peWU",
    ),
    ("gerapy_netease_news1", GERAPY, "samples/detail/netease_news1.html", None),
]
# cx-extractor-python ships 74 raw money.163.com pages (2015); a spread of 20 is taken.
CX_NUMBERS = (1, 2, 5, 9, 10, 12, 13, 14, 18, 19, 22, 29, 33, 36, 44, 45, 53, 62, 68, 74)
PAGES += [(f"cx_163_{n}", CX, f"RawHtml/{n}.html", None) for n in CX_NUMBERS]

# Sites for pages whose source records no URL (read from the page itself).
SITE_HINTS = {"gerapy_china_news1": "chinanews.com", "gerapy_netease_news1": "163.com"}
SITE_HINTS.update({f"cx_163_{n}": "163.com" for n in CX_NUMBERS})


# NetEase pages whose #endText holds the story (the two 亦观察 column pages do not).
NETEASE_BODY = {f"cx_163_{n}" for n in CX_NUMBERS if n not in (2, 5)} | {"gerapy_netease_news1"}
_NETEASE_DROP = re.compile(r"^(?:本文来源|责任编辑|[（(]原标题[：:]|△)")


def netease_body(raw: bytes) -> str | None:
    """The story text of a NetEase article page, paragraph per line (rule in the module doc)."""
    doc = lxml_html.document_fromstring(
        decode(raw).encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8")
    )
    containers = doc.xpath('//*[@id="endText"]')
    if not containers:
        return None
    paragraphs = [
        " ".join(box.text_content().split()) for box in doc.xpath('//*[contains(@class, "ep-summary")]')
    ]
    for para in containers[0].xpath(".//p"):
        for hidden in para.xpath(".//style|.//script"):
            hidden.drop_tree()
        text = " ".join(para.text_content().split())
        if text.startswith("网易财经 会赚钱的客户端"):
            break  # the promotion box of related headlines follows the story inside #endText
        if text and not _NETEASE_DROP.match(text):
            paragraphs.append(text)
    paragraphs = [p for p in paragraphs if p]
    return "\n".join(paragraphs) or None


def fetch(origin: Origin, path: str, mirror_root: Path | None) -> bytes:
    if mirror_root is not None:
        git_dir = mirror_root / origin.repo.replace("/", "+") / "repo"
        if (git_dir / ".git").is_dir():  # a mirror with a work tree keeps its objects there
            git_dir = git_dir / ".git"
        done = subprocess.run(
            ["git", "--git-dir", str(git_dir), "show", f"{origin.commit}:{path}"],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(
                f"build_zh_testpages: {origin.repo}@{origin.commit[:12]}:{path} not in {git_dir}"
            )
        return done.stdout
    url = f"https://raw.githubusercontent.com/{origin.repo}/{origin.commit}/{path}"
    with urllib.request.urlopen(url, timeout=60) as response:
        data: bytes = response.read()
    return data


def load_labels(path: Path, dataset: str = NAME) -> dict[str, dict[str, object]]:
    """The hand labels of one dataset's pages, by page id."""
    labels: dict[str, dict[str, object]] = {}
    if not path.exists():
        return labels
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row.get("dataset") == dataset:
                labels[row["id"]] = row
    return labels


def truth_row(
    page_id: str, url: str | None, label: dict[str, object], text: str | None, origin: str, licence: str
) -> dict[str, Any]:
    """A page's row of truth.jsonl: the bench's fields from its hand label, ``text`` the body label."""
    authors = label.get("authors")
    names = [str(a) for a in authors] if isinstance(authors, list) else []
    return {
        "id": page_id,
        "lang": "zh",
        "url": url,
        "title": label.get("title"),
        "date": label.get("date"),
        "author": "; ".join(names) if names else None,
        "text": text,
        "tags": None,
        "extra": {"origin": origin, "licence": licence, "site": label.get("site")},
    }


def write_set(out: Path, rows: list[dict[str, Any]], readme_text: str) -> None:
    """truth.jsonl and README.txt of a set whose pages are written."""
    with (out / "truth.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "README.txt").write_text(readme_text, encoding="utf-8")


def readme(pages: list[tuple[str, Origin, str, str | None]]) -> str:
    origins = sorted({origin for _, origin, _, _ in pages}, key=lambda o: o.repo)
    lines = [
        f"{NAME}: {len(pages)} Chinese pages from the test folders of open-source extraction tools.",
        "Built by bench/datasets/build_zh_testpages.py (newsarchive); bytes untouched, gzip only.",
        "",
        "Origins (repository, commit, licence of the repository; the pages themselves are third-party",
        "web pages captured by those projects for their tests, no separate terms stated for them):",
    ]
    for origin in origins:
        count = sum(1 for _, o, _, _ in pages if o == origin)
        lines.append(
            f"  https://github.com/{origin.repo} @ {origin.commit}  licence {origin.licence}  ({count} pages)"
        )
    lines += [
        "",
        "Labels: title, date, author (names joined with '; ') come from bench/zh_labels.jsonl, made by",
        "hand from what a reader sees on each page (rules in bench/README_labels.md). No extractor",
        "output and none of the sources' own expectations were used as labels.",
        "text: no source has an independent body label (newspaper4k's txt files and cx-extractor's",
        "Text folder are the tools' own outputs). text = null (title/date/author scoring only) except on",
        f"the {len(NETEASE_BODY)} NetEase pages, where it is the story container #endText read by a rule",
        "checked page by page: summary box + paragraphs, without source/editor/原标题 lines, triangle-marked",
        "photo captions and the related-headlines box (build_zh_testpages.netease_body).",
        "Notes: newspaper4k's chinese_article.html is the same BBC story as goose3's test_bbc_chinese",
        "and is left out; the two Gerapy ifeng pages are two captures (layouts) of one story;",
        "cx_163_* are money.163.com pages of 2015 stored as gb2312 bytes.",
        "",
        "Pages (id <- repository path):",
    ]
    lines += [f"  {page_id} <- {origin.repo}:{path}" for page_id, origin, path, _ in pages]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="dataset folder to (re)write")
    parser.add_argument("--mirror-root", type=Path, help="read bare git mirrors <root>/<owner>+<name>/repo")
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS, help="hand labels (JSON lines)")
    args = parser.parse_args(argv)
    labels = load_labels(args.labels)
    pages_dir = args.out / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for page_id, origin, path, url in PAGES:
        raw = fetch(origin, path, args.mirror_root)
        # mtime=0: the same bytes give the same .gz on every rebuild.
        (pages_dir / f"{page_id}.html.gz").write_bytes(gzip.compress(raw, mtime=0))
        text = netease_body(raw) if page_id in NETEASE_BODY else None
        origin_text = f"{origin.repo}@{origin.commit}:{path}"
        rows.append(truth_row(page_id, url, labels.get(page_id, {}), text, origin_text, origin.licence))
        rows[-1]["extra"]["site"] = SITE_HINTS.get(page_id)
    write_set(args.out, rows, readme(PAGES))
    missing = [page_id for page_id, *_ in PAGES if page_id not in labels]
    print(f"{len(rows)} pages written to {args.out}; {len(rows) - len(missing)} labelled", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

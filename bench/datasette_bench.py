"""Benchmark the published archive: build a synthetic archive of 100,000 articles (Chinese and English text,
many sources, ten years of dates) and time pages through Datasette's in-process client.

    python bench/datasette_bench.py [--articles 100000] [--db bench/out/bench.db] [--rounds 40] [--rebuild]

Prints one line per page: median and 95th percentile in milliseconds. The database is kept between runs
(``--rebuild`` makes it again); it is built with the project's schema and search text, in bulk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlite_utils  # noqa: E402

from pipelines.archive.runs import finish_run, save_error, start_run  # noqa: E402
from pipelines.archive.schema import FTS_TABLE, ensure_db_shape, open_archive  # noqa: E402
from pipelines.archive.search_text import index_text  # noqa: E402
from pipelines.archive.store import next_search_rowid, now_iso, stable_id  # noqa: E402
from pipelines.documents.records import content_hash, count_words  # noqa: E402

PLACES = [
    "青岛",
    "崂山",
    "市南区",
    "市北区",
    "黄岛",
    "李沧",
    "城阳",
    "即墨",
    "胶州",
    "平度",
    "莱西",
    "济南",
    "烟台",
    "潍坊",
    "威海",
    "日照",
    "临沂",
    "淄博",
    "山东",
    "胶东",
]
WORDS = [
    "经济",
    "发展",
    "项目",
    "建设",
    "改造",
    "棚户区",
    "居民",
    "社区",
    "市民",
    "政府",
    "会议",
    "工作",
    "推进",
    "企业",
    "投资",
    "港口",
    "集装箱",
    "旅游",
    "游客",
    "景区",
    "学校",
    "学生",
    "教育",
    "医院",
    "医疗",
    "交通",
    "地铁",
    "道路",
    "公交",
    "环境",
    "海洋",
    "科技",
    "创新",
    "产业",
    "文化",
    "活动",
    "节日",
    "啤酒",
    "天气",
    "降雨",
    "气温",
    "警方",
    "安全",
    "消防",
    "法院",
    "记者",
    "采访",
    "表示",
    "介绍",
    "今年",
    "去年",
    "计划",
    "完成",
    "增长",
    "提高",
    "服务",
    "群众",
    "城市",
    "农村",
    "乡村",
    "振兴",
    "人才",
    "就业",
    "住房",
    "改革",
]
PUNCT = ["，", "。", "、", "；"]
EN_WORDS = [
    "the",
    "port",
    "city",
    "government",
    "project",
    "container",
    "record",
    "growth",
    "tourism",
    "visitors",
    "festival",
    "beer",
    "ocean",
    "science",
    "school",
    "hospital",
    "metro",
    "traffic",
    "weather",
    "police",
    "court",
    "investment",
    "company",
    "officials",
    "said",
    "year",
    "new",
    "plan",
    "Qingdao",
    "Shandong",
    "Laoshan",
    "economy",
    "district",
    "residents",
    "housing",
    "culture",
]
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏"
    "卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯"
    "邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉林波宁可凯"
SECTIONS = ["要闻", "社会", "财经", "旅游", "教育", "健康", "交通", "体育", "文化", "法治", "科技", "区市"]
REGIONS = ["青岛", "青岛", "青岛", "山东", "济南", "烟台"]
SOURCES = [f"source-{n:02d}" for n in range(40)]


def _zipf(words: list[str]) -> list[float]:
    return [1 / (rank + 1) for rank in range(len(words))]


WORD_WEIGHTS = _zipf(WORDS)


def chinese_word(rng: random.Random) -> str:
    # Word frequencies like a regional outlet's: 青岛 in about half the articles, another place name in a few
    # percent each, and common words by a Zipf law.
    draw = rng.random()
    if draw < 0.006:
        return PLACES[0]
    if draw < 0.012:
        return rng.choice(PLACES[1:])
    return rng.choices(WORDS, WORD_WEIGHTS)[0]


def chinese_sentence(rng: random.Random) -> str:
    words = [chinese_word(rng) for _ in range(rng.randint(6, 14))]
    out = ""
    for i, word in enumerate(words):
        out += word + (rng.choice(PUNCT[:1] + PUNCT[2:]) if i % 4 == 3 and i < len(words) - 1 else "")
    return out + "。"


def english_sentence(rng: random.Random) -> str:
    words = rng.choices(EN_WORDS, k=rng.randint(8, 16))
    return " ".join(words).capitalize() + "."


def synthetic_articles(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    authors = [rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))) for _ in range(500)]
    start = datetime(2015, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=3652).total_seconds())
    for n in range(count):
        english = rng.random() < 0.2
        sentence = english_sentence if english else chinese_sentence
        paragraphs = [
            "".join(sentence(rng) + (" " if english else "") for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(2, 4))
        ]
        text = "\n".join(p.strip() for p in paragraphs)
        title = english_sentence(rng)[:70] if english else chinese_sentence(rng)[:24]
        source = SOURCES[n % len(SOURCES)] if rng.random() < 0.5 else rng.choice(SOURCES[:8])
        moment = start + timedelta(seconds=rng.randrange(span))
        published = moment.astimezone().isoformat(timespec="seconds")
        url = f"https://{source}.example.cn/news/{n}.html"
        chars, words = count_words(text)
        yield {
            "id": stable_id(url),
            "url": url,
            "canonical_url": url,
            "source": source,
            "region": rng.choice(REGIONS),
            "section": rng.choice(SECTIONS),
            "title": title,
            "authors": json.dumps(rng.sample(authors, rng.randint(0, 2)), ensure_ascii=False),
            "published": published,
            "published_utc": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),  # what the reader sorts by
            "language": "en" if english else "zh",
            "summary": text[:80],
            "text": text,
            "tags": json.dumps(rng.sample(WORDS, 2), ensure_ascii=False),
            "char_count": chars,
            "word_count": words,
            "content_hash": content_hash(text),
            "first_seen": published,
            "fetched_at": published,
            "last_changed": published,
            "version": 1,
            "cluster_id": n // 3 if n % 10 == 0 else None,
            "extractor": "synthetic",
        }


def build(path: Path, count: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    db = sqlite_utils.Database(path)
    ensure_db_shape(db)
    db.table("sources").insert_all(
        {
            "key": key,
            "name": f"来源 {n:02d}",
            "region": REGIONS[n % len(REGIONS)],
            "kind": "site",
            "added": now_iso(),
        }
        for n, key in enumerate(SOURCES)
    )
    batch: list[dict[str, Any]] = []
    started = time.perf_counter()
    with db.conn:
        for article in synthetic_articles(count):
            batch.append(article)
            if len(batch) == 2000:
                _insert(db, batch)
                batch = []
        _insert(db, batch)
    # A crawl run with an error, as a crawl records them, for the home page and crawl health.
    run_id = start_run(db, kind="crawl", spider="bench", source=SOURCES[0], args={})
    save_error(db, run_id, "https://x.example/", "bench", "fetch")
    finish_run(db, run_id, status="finished", finish_reason="finished")
    db.close()
    print(f"built {count} articles in {time.perf_counter() - started:.0f} s: {path}", flush=True)


def _insert(db: sqlite_utils.Database, batch: list[dict[str, Any]]) -> None:
    # The search index's row ids are articles.search_rowid, given out in order (pipelines.archive.store).
    first = next_search_rowid(db)
    rows = [{**a, "search_rowid": first + n} for n, a in enumerate(batch)]
    db.table("articles").insert_all(rows, batch_size=500)
    db.conn.executemany(
        f"insert into [{FTS_TABLE}] (rowid, title, text) values (?, ?, ?)",
        [(a["search_rowid"], index_text(a["title"]), index_text(a["text"])) for a in rows],
    )


async def measure(db_path: Path, rounds: int) -> list[tuple[str, float, float]]:
    from publish import make_datasette

    ds = make_datasette(str(db_path))
    await ds.invoke_startup()
    name = db_path.stem
    db = sqlite_utils.Database(db_path)
    ids = [row[0] for row in db.execute("select id from articles order by random() limit ?", [rounds + 5])]
    db.close()
    places = ["崂山", "黄岛", "即墨", "胶州", "李沧", "城阳", "平度", "莱西"]  # each in ~2.5% of articles
    frequent = ["青岛", "啤酒", "地铁", "人才", "港口"]  # each in 20-55% of articles
    ranked = ["青岛", "崂山 游客", "棚户区改造", "container", "啤酒节", "市南区"]
    pages: dict[str, list[str]] = {
        "articles list": [f"/{name}/articles"] * rounds,
        "facet page": [
            f"/{name}/articles?region={REGIONS[n % len(REGIONS)]}&section={SECTIONS[n % len(SECTIONS)]}"
            for n in range(rounds)
        ],
        "two-character search": [
            f"/{name}/articles?_search={places[n % len(places)]}" for n in range(rounds)
        ],
        # The worst case: words in a fifth to a half of all articles (青岛 in a Qingdao archive).
        "frequent-word search": [
            f"/{name}/articles?_search={frequent[n % len(frequent)]}" for n in range(rounds)
        ],
        "ranked search": [f"/{name}/search?q={ranked[n % len(ranked)]}" for n in range(rounds)],
        "article page": [f"/{name}/articles/{ids[n]}" for n in range(rounds)],
    }
    return await time_pages(ds, pages)


async def time_pages(ds: Any, pages: dict[str, list[str]]) -> list[tuple[str, float, float]]:
    """(label, median ms, p95 ms) per page: each page's paths requested one at a time through Datasette's
    in-process client, after 3 warm-up requests. Any status but 200 stops the benchmark."""
    results = []
    for label, paths in pages.items():
        for path in paths[:3]:  # warm caches (schema, page cache) before timing
            await ds.client.get(path)
        timings = []
        for path in paths:
            started = time.perf_counter()
            response = await ds.client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        results.append((label, statistics.median(timings), p95))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "bench.db")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    if args.rebuild or not args.db.exists():
        build(args.db, args.articles)
    # As `newsarchive serve` does before serving: bring the archive to the current schema (new indexes).
    db = open_archive(str(args.db))
    count = db.execute("select count(*) from articles").fetchone()[0]
    db.close()
    print(f"datasette bench: {count} articles, {args.rounds} requests per page")
    for label, median, p95 in asyncio.run(measure(args.db, args.rounds)):
        print(f"{label:<22} median {median:7.1f} ms   p95 {p95:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

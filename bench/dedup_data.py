"""A labelled deduplication set: base stories, their syndicated variants, and hard negatives.

Base stories come from ``../shared/datasets/*/truth.jsonl`` (the ``text`` field, read in place, never
copied) when present, plus Chinese regional stories generated here so the set exists without ../shared.
Every document carries the id of the story it tells; copies share it, hard negatives have their own.

Variants (each copy applies one to three): re-templated page (other site furniture), title suffix,
boilerplate added or removed, one or two paragraphs cut or added, punctuation changed (full/half width,
「」 for “”), a different date line, a truncated copy. Exact copies (same text, another URL) are included.
Hard negatives: other stories of the same site and day (same furniture, same topic templates), and
follow-ups that reuse one background paragraph of the story.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.text.cjk import HAN_CHAR

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@dataclass
class Doc:
    story: str  # label: documents of one story share it
    url: str
    site: str
    title: str
    text: str
    published: str
    kind: str  # "base", a variant's transforms joined by "+", "negative", "follow-up"
    extra: dict[str, Any] = field(default_factory=dict)  # original_title, source_outlet, site_name


# --- sites and their furniture -------------------------------------------------------------------------

ZH_SITES = [
    (
        "qd-daily",
        "青岛日报",
        ["来源：青岛日报", "责任编辑：{editor}"],
        ["青岛日报社版权所有，未经授权不得转载"],
    ),
    ("qdnews", "青岛新闻网", ["青岛新闻网讯"], ["欢迎下载青岛新闻客户端，随时随地看新闻", "责编：{editor}"]),
    (
        "bandao",
        "半岛网",
        ["半岛全媒体记者 {editor}"],
        ["更多精彩内容，请关注半岛都市报", "爆料热线：0532-82888000"],
    ),
    ("dzw", "大众网", ["大众网·海报新闻记者 {editor} 青岛报道"], ["大众网青岛频道欢迎各界投稿"]),
    (
        "ifeng-qd",
        "凤凰网青岛",
        [],
        ["打开凤凰新闻，查看更多高清图片", "特别声明：以上文章内容仅代表作者本人观点"],
    ),
    ("sina-sd", "新浪山东", ["原标题：{title}"], ["新浪山东综合", "海量资讯、精准解读，尽在新浪财经APP"]),
    ("qq-qd", "大青岛", [], ["本文由大青岛综合整理，转载请注明出处", "监制：{editor}"]),
    ("lunan", "鲁南网", ["鲁南网讯（记者 {editor}）"], ["鲁南网新闻热线欢迎您提供新闻线索"]),
    ("jiaodong", "胶东在线", ["胶东在线{date_zh}讯"], ["胶东在线，胶东人自己的网站"]),
    ("qdcaijing", "青岛财经网", [], ["风险提示：本文不构成投资建议", "编辑：{editor}  审核：{editor2}"]),
]
EN_SITES = [
    (
        "wire-en",
        "Daily Wire Service",
        [],
        ["Advertisement", "Sign up for our newsletter to get the day's top stories."],
    ),
    ("metro-en", "The Metro Herald", ["By {editor}"], ["© 2024 Metro Herald Media. All rights reserved."]),
    (
        "portal-en",
        "NewsPortal",
        [],
        ["This story originally appeared on a partner site.", "Read more stories like this"],
    ),
    ("blog-en", "Regional Blog", ["Reposted from the wire"], ["Comments are closed for this post."]),
    ("local-en", "Local Gazette", [], ["Got a tip? Contact our newsroom any time, day or night."]),
]
EDITORS = ["王晓明", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周强", "吴敏", "孙涛", "高杰"]
EN_EDITORS = ["Anna Smith", "Li Wei", "John Baker", "Maria Lopez", "Tom Chen", "Sarah Kim"]

# --- a Chinese regional story generator ------------------------------------------------------------------

PLACES = [
    "市南区",
    "市北区",
    "李沧区",
    "崂山区",
    "黄岛区",
    "城阳区",
    "即墨区",
    "胶州市",
    "平度市",
    "莱西市",
    "西海岸新区",
    "高新区",
    "董家口",
    "红岛",
    "沙子口",
    "中山路",
    "台东",
    "八大关",
    "五四广场",
    "金沙滩",
]
ORGS = [
    "市交通运输局",
    "市教育局",
    "市卫生健康委",
    "市文化和旅游局",
    "市应急管理局",
    "市生态环境局",
    "市住房城乡建设局",
    "青岛港集团",
    "市气象台",
    "市公安局",
    "市商务局",
    "市市场监管局",
    "市人社局",
    "市城市管理局",
    "市海洋发展局",
]
TOPICS: dict[str, list[str]] = {
    "交通": [
        "记者从{org}获悉，{place}至{place2}段道路改造工程将于{month}月底完工。",
        "届时，{place}周边通行能力将提升约{pct}%，市民出行时间有望缩短{num}分钟。",
        "施工期间，相关路段实行交通管制，请过往车辆提前绕行。",
        "地铁{line}号线{place}站出入口同步改造，预计新增停车泊位{num}个。",
    ],
    "旅游": [
        "{month}月以来，{place}累计接待游客{num}万人次，同比增长{pct}%。",
        "据{org}介绍，今年推出{num}条精品旅游线路，串联{place}、{place2}等热门景点。",
        "节假日期间，景区实行预约限流，游客需提前通过官方平台预约。",
        "海鲜排档、特色民宿生意火爆，不少外地游客专程前来打卡。",
    ],
    "教育": [
        "{org}发布消息，{place}今年将新建改扩建中小学{num}所，新增学位{num2}个。",
        "新学期开学在即，{place}各学校已完成校舍安全排查。",
        "今年全市义务教育招生将继续实行划片入学，{place}部分学区调整。",
        "家长可于{month}月{day}日起登录招生平台填报信息。",
    ],
    "港口": [
        "{month}月份，青岛港集装箱吞吐量完成{num}万标准箱，同比增长{pct}%。",
        "{place}港区新开通{num}条外贸航线，通达东南亚、欧洲等地区。",
        "自动化码头作业效率再创新高，单机平均效率达到每小时{num2}自然箱。",
        "港口方面表示，将持续优化营商环境，服务山东外向型经济发展。",
    ],
    "天气": [
        "据{org}预报，受冷空气影响，{month}月{day}日起本市将出现大风降温天气。",
        "{place}沿海最大风力可达{num}级，最低气温降至{pct}摄氏度左右。",
        "气象部门提醒市民注意防寒保暖，海上作业船只及时回港避风。",
        "未来一周以晴到多云天气为主，空气质量总体良好。",
    ],
    "安全": [
        "{month}月{day}日，{place}一居民楼发生火情，消防救援人员迅速到场处置。",
        "经过{num}分钟扑救，明火被扑灭，未造成人员伤亡，起火原因正在调查中。",
        "{org}提醒，冬季用电用火增多，市民要注意家中电动车充电安全。",
        "{place}开展安全隐患排查整治行动，共排查企业{num2}家。",
    ],
    "经济": [
        "今年前{month}个月，{place}实现地区生产总值{num}亿元，同比增长{pct}%。",
        "{org}数据显示，全区新签约重点项目{num2}个，总投资超过{num}亿元。",
        "下一步，{place}将聚焦海洋经济、先进制造业等领域，加快推进项目落地。",
        "民营经济活力持续释放，新增市场主体{num2}户。",
    ],
    "社区": [
        "{place}棚户区改造项目进入收尾阶段，{num}户居民将于年内回迁。",
        "街道工作人员逐户走访，帮助居民解决搬迁中的实际困难。",
        "社区新建的养老服务中心投入使用，可为周边{num2}名老人提供助餐服务。",
        "{org}表示，将继续推进老旧小区改造，今年计划完成{num}个小区。",
    ],
}
CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好"
    "应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命"
    "此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老"
    "头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质海港"
)


def _fill(template: str, rng: random.Random) -> str:
    place, place2 = rng.sample(PLACES, 2)
    return template.format(
        place=place,
        place2=place2,
        org=rng.choice(ORGS),
        month=rng.randint(1, 12),
        day=rng.randint(1, 28),
        num=rng.randint(3, 980),
        num2=rng.randint(10, 9000),
        pct=rng.randint(2, 45),
        line=rng.randint(1, 15),
    )


def _unique_sentence(rng: random.Random) -> str:
    """A clause of random two-character words: stands in for the story's own wording."""
    words = ["".join(rng.choices(CHARS, k=2)) for _ in range(rng.randint(6, 12))]
    cut = rng.randint(2, len(words) - 2)
    return "".join(words[:cut]) + "，" + rng.choice(PLACES) + "".join(words[cut:]) + "。"


def zh_story(rng: random.Random, topic: str) -> tuple[str, str]:
    """(title, text): a lead, a few topic sentences shared with the topic's other stories, own details."""
    paragraphs = []
    for _ in range(rng.randint(4, 7)):
        sentences = [_unique_sentence(rng) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.6:
            sentences.insert(rng.randint(0, len(sentences)), _fill(rng.choice(TOPICS[topic]), rng))
        paragraphs.append("".join(sentences))
    title = rng.choice(PLACES) + "".join(rng.choices(CHARS, k=rng.randint(6, 12)))
    return title, "\n".join(paragraphs)


# --- bases ------------------------------------------------------------------------------------------------


def shared_bases(limit: int, min_chars: int = 600) -> list[tuple[str, str, str, str]]:
    """(id, language, title, text) from ../shared truth files with at least three paragraphs."""
    found = []
    for truth in sorted(SHARED_DATASETS.glob("*/truth.jsonl")):
        for line in truth.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            text = (row.get("text") or "").strip()
            paragraphs = [p for p in text.splitlines() if p.strip()]
            if len(text) >= min_chars and len(paragraphs) >= 3:
                title = row.get("title") or paragraphs[0][:60]
                found.append((f"{truth.parent.name}/{row['id']}", row.get("lang") or "", title, text))
    rng = random.Random(3)
    rng.shuffle(found)
    return _distinct(found)[:limit]


def _distinct(found: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    """Leave out texts sharing a fifth of their 8-character grams with one kept (test corpora reuse one
    sample text in many pages): labelled as different stories, they would be wrong labels."""
    kept: list[tuple[str, str, str, str]] = []
    owner: dict[str, int] = {}
    for item in found:
        chars = "".join(ch for ch in item[3] if ch.isalnum())
        grams = {chars[i : i + 8] for i in range(0, max(len(chars) - 7, 0), 4)}
        hits: dict[int, int] = {}
        for g in grams:
            if g in owner:
                hits[owner[g]] = hits.get(owner[g], 0) + 1
        if grams and max(hits.values(), default=0) >= len(grams) / 5:
            continue
        for g in grams:
            owner.setdefault(g, len(kept))
        kept.append(item)
    return kept


# --- transforms -------------------------------------------------------------------------------------------

ZH_PUNCT = str.maketrans(
    {
        "“": "「",
        "”": "」",
        "‘": "『",
        "’": "』",
        "，": ",",
        "：": ":",
        "；": ";",
        "（": "(",
        "）": ")",
        "！": "!",
        "？": "?",
    }
)
EN_PUNCT = str.maketrans({'"': "”", "'": "’", ",": "，", "-": "–"})
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def _furniture(
    site: tuple[str, str, list[str], list[str]], rng: random.Random, title: str, when: str
) -> tuple[list[str], list[str]]:
    _, _, head, foot = site
    values = {
        "editor": rng.choice(EDITORS + EN_EDITORS),
        "editor2": rng.choice(EDITORS),
        "title": title,
        "date_zh": when,
    }
    return [h.format(**values) for h in head], [f.format(**values) for f in foot]


def apply_transforms(
    paragraphs: list[str], kinds: list[str], rng: random.Random, zh: bool, filler: list[str]
) -> list[str]:
    out = list(paragraphs)
    for kind in kinds:
        if kind == "cut" and len(out) > 3:
            for _ in range(rng.randint(1, 2 if len(out) > 5 else 1)):
                out.pop(rng.randrange(1, len(out)))
        elif kind == "add":
            out.insert(rng.randint(1, len(out)), rng.choice(filler))
        elif kind == "punct":
            table = ZH_PUNCT if zh else EN_PUNCT
            out = [p.translate(table).translate(FULL_WIDTH_DIGITS) for p in out]
        elif kind == "truncate":
            keep = max(2, round(len(out) * rng.uniform(0.55, 0.75)))
            out = out[:keep] + (["（未完，点击阅读全文）"] if zh else ["Continue reading..."])
        elif kind == "date":
            out.insert(
                0,
                rng.choice(
                    [
                        "2024年3月{d}日 09:{m:02d}",
                        "2024-03-{d:02d} 09:{m:02d}:00",
                        "发布时间：2024/03/{d:02d}",
                        "March {d}, 2024",
                    ]
                ).format(d=rng.randint(1, 28), m=rng.randint(0, 59)),
            )
    return out


VARIANT_KINDS = ["retemplate", "suffix", "boilerplate", "cut", "add", "punct", "truncate", "date"]


def generate(
    n_own: int = 250,
    n_shared: int = 250,
    variants: tuple[int, int] = (3, 6),
    seed: int = 42,
    use_shared: bool = True,
) -> Iterator[Doc]:
    """Base stories (own Chinese, then shared), each with its variants, and hard negatives."""
    rng = random.Random(seed)
    bases: list[tuple[str, bool, str, str]] = []  # (story id, zh, title, text)
    topics = list(TOPICS)
    own_topic: dict[str, str] = {}
    for n in range(n_own):
        topic = topics[n % len(topics)]
        title, text = zh_story(rng, topic)
        bases.append((f"zh-{n}", True, title, text))
        own_topic[f"zh-{n}"] = topic
    unused: list[str] = []  # shared texts that are no base: follow-ups take their new reporting from them
    if use_shared and SHARED_DATASETS.exists():
        found = shared_bases(n_shared * 2)
        for sid, lang, title, text in found[:n_shared]:
            bases.append((f"shared:{sid}", lang == "zh" or _mostly_cjk(text), title, text))
        unused = [text for _, _, _, text in found[n_shared:]]
    filler_zh = [_unique_sentence(rng) + _unique_sentence(rng) for _ in range(200)]
    filler_en = [
        "Editor's note: this article has been updated with additional reporting from the scene.",
        "Officials did not immediately respond to a request for comment on Tuesday evening.",
        "The story is developing and will be updated as more information becomes available.",
    ]
    counter = 0

    def url_for(site_key: str) -> str:
        nonlocal counter
        counter += 1
        return f"https://www.{site_key}.example.cn/news/2024/{counter:07d}.html"

    for story, zh, title, text in bases:
        sites = ZH_SITES if zh else EN_SITES
        day = rng.randint(1, 28)
        when = f"2024-03-{day:02d}T{rng.randint(6, 20):02d}:{rng.randint(0, 59):02d}:00+08:00"
        home = rng.choice(sites)
        paragraphs = [p for p in text.splitlines() if p.strip()]
        head, foot = _furniture(home, rng, title, f"3月{day}日")
        yield Doc(
            story,
            url_for(home[0]),
            home[0],
            title,
            "\n".join([*head, *paragraphs, *foot]),
            when,
            "base",
            {"site_name": home[1]},
        )
        if rng.random() < 0.4:  # an exact copy: the same extracted text under another URL and title
            copy_site = rng.choice(sites)
            yield Doc(
                story,
                url_for(copy_site[0]),
                copy_site[0],
                title + " - " + copy_site[1],
                "\n".join([*head, *paragraphs, *foot]),
                when,
                "exact",
                {"site_name": copy_site[1]},
            )
        for v in range(rng.randint(*variants)):
            site = rng.choice(sites)
            kinds = rng.sample(VARIANT_KINDS, rng.randint(1, 3))
            body = apply_transforms(paragraphs, kinds, rng, zh, filler_zh if zh else filler_en)
            v_head, v_foot = _furniture(site, rng, title, f"3月{day}日")
            if "boilerplate" in kinds:
                v_head = [*v_head, f"原标题：{title}" if zh else f"Originally published as: {title}"]
                v_foot = [*v_foot, "来源：" + home[1] if zh else "Source: " + home[1]]
            if "retemplate" not in kinds and v == 0:
                v_head, v_foot = head, foot  # the first copy keeps the home furniture: an exact copy
            suffix = (
                rng.choice(["_凤凰网", " - 青岛新闻网", "|大众网", " – Regional Blog", ""])
                if "suffix" in kinds
                else ""
            )
            extra = {"site_name": site[1]}
            if "boilerplate" in kinds:
                extra.update(original_title=title, source_outlet=home[1])
            published = when[:11] + f"{min(int(when[11:13]) + v + 1, 23):02d}" + when[13:]
            yield Doc(
                story,
                url_for(site[0]),
                site[0],
                title + suffix,
                "\n".join([*v_head, *body, *v_foot]),
                published,
                "+".join(kinds),
                extra,
            )
        # Hard negatives: the same site on the same day, same furniture, same topic when we know it.
        for k in range(rng.randint(1, 2)):
            if story in own_topic:
                n_title, n_text = zh_story(rng, own_topic[story])
                n_paragraphs = n_text.splitlines()
            else:
                n_title, n_paragraphs = title, []
            kind = "negative"
            if k == 1 or not n_paragraphs:
                # A follow-up: new reporting plus one background paragraph of the story.
                if zh:
                    _, fresh = zh_story(rng, own_topic.get(story, "社区"))
                    new = fresh.splitlines()
                else:
                    if not unused:
                        continue
                    new = [p for p in unused.pop().splitlines() if p.strip()][:6]
                n_paragraphs = [*new[:2], max(paragraphs, key=len)[:300], *new[2:]]
                kind = "follow-up"
            n_head, n_foot = _furniture(home, rng, n_title, f"3月{day}日")
            yield Doc(
                f"{story}/neg{k}",
                url_for(home[0]),
                home[0],
                n_title,
                "\n".join([*n_head, *n_paragraphs, *n_foot]),
                when,
                kind,
                {"site_name": home[1]},
            )


def _mostly_cjk(text: str) -> bool:
    sample = text[:500]
    return len(HAN_CHAR.findall(sample)) > len(sample) / 3


def synthetic_stream(count: int, seed: int = 11) -> Iterator[tuple[str, str, str]]:
    """(url, site, text) for timing at scale: Chinese stories, one in ten a variant of an earlier one."""
    rng = random.Random(seed)
    topics = list(TOPICS)
    recent: list[str] = []
    for n in range(count):
        site = rng.choice(ZH_SITES)
        if recent and rng.random() < 0.1:
            paragraphs = rng.choice(recent).splitlines()
            text = "\n".join(
                apply_transforms(
                    paragraphs,
                    rng.sample(["cut", "punct", "truncate"], 1),
                    rng,
                    True,
                    ["附近居民表示，希望工程早日完工。"],
                )
            )
        else:
            text = zh_story(rng, rng.choice(topics))[1]
            recent = [*recent[-499:], text]
        yield f"https://www.{site[0]}.example.cn/n/{n}.html", site[0], text

"""Chinese bylines: credited people with roles, the source outlet, and where they sit.

Chinese news credits people with a role word before the names ("记者 王萌 通讯员 朱青秦
雪莹", "文/张三", "责任编辑：李四") or a short verb after them ("张三 摄").  These credits
are metadata, not article text, so the extractor removes them from the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipelines.text.cjk import HAN, is_han

__all__ = [
    "Credits",
    "dateline_credits",
    "has_common_surname",
    "header_credits",
    "is_dateline",
    "is_user_name",
    "looks_like_outlet",
    "names_only",
    "parse_credits",
    "person_names",
    "role_of_label",
    "strip_byline",
]

# Role words → role.  Sorted longest first so "责任编辑" wins over "编辑", "摄影记者" over "记者".
_ROLES_BY_KIND = {
    "reporter": "首席记者 特派记者 见习记者 实习记者 融媒体记者 全媒体记者 "
    "本报记者 本台记者 本网记者 记者 記者 实习生 實習生",
    "correspondent": "特约通讯员 通讯员 通訊員",
    "author": "特约评论员 评论员 撰文 文字 作者 撰稿 采写 採寫 执笔 執筆 文",
    "photographer": "摄影记者 攝影記者 摄影 攝影 图片 圖片 摄像 攝像 图 圖 摄 攝",
    "editor": "责任编辑 責任編輯 实习编辑 流程编辑 编辑 編輯 责编 校对 审校 美编 一审",
    "chief_editor": "值班主编 总编辑 主编 审核 终审 二审 三审 监制 策划 统筹",
    "translator": "编译 翻译 译者 译",
}
_ROLE_WORDS: list[tuple[str, str]] = sorted(
    ((word, role) for role, words in _ROLES_BY_KIND.items() for word in words.split()),
    key=lambda wr: -len(wr[0]),
)
_ROLE_OF = dict(_ROLE_WORDS)
# Single-character role words ("文", "图", "摄", "译") are only credits when followed by a
# slash or colon ("文/张三"), otherwise they are just the first character of a sentence.
_SHORT = {"文", "图", "圖", "摄", "攝", "译"}
_ROLE_RE = "|".join(re.escape(w) for w, _ in _ROLE_WORDS if w not in _SHORT)
_SOURCE_WORDS = r"来源|來源|稿源|出处|出處|转自|轉自|转载自|来自"
_OPEN = r"[(（\[【〔]"
_CLOSE = r"[)）\]】〕]"

# One credit: role word, separator, then the name list up to the next role word or bracket.
_CREDIT = re.compile(
    rf"(?P<role>{_ROLE_RE}|[文图圖摄攝译](?=\s*[/／:：|｜丨]))\s*[:：/／|｜丨]?\s*"
    rf"(?P<names>[^:：/／()（）\[\]【】〔〕]*?)\s*(?={_ROLE_RE}|{_SOURCE_WORDS}|[文图圖摄攝译]\s*[/／:：丨]|{_CLOSE}|$)"
)
# "张三 摄" / "张三/摄" / "张三 报道": a role verb after the name.
_POSTFIX = re.compile(
    rf"(?P<names>[{HAN}·]{{2,4}}(?:[ 　、,，][{HAN}·]{{2,4}})*)"
    r"\s*[/／]?\s*(?P<verb>摄影?|攝影?|报道|報導|報道|編譯|编译)$"
)
_SHOT = ("摄", "攝")  # the verb of a photo credit ("张三 摄", "林歆芳攝")
# Why: "文/攝" or "图/文" after the names says what the named people did (wrote and photographed); it is
# no further credit with names of its own ("記者 林安鎮 實習生 黃衛平 文/攝").
_ROLE_PAIR = re.compile(r"(?<![^\s(（])[文图圖摄攝][/／、][文图圖摄攝](?=\s*(?:$|[)）\]】]))")
# Why: portals link an outlet's microblog right after its name ("成都商报(微博)记者 余文龙"); the mark
# is a link label, not part of the credit.
_MICROBLOG = re.compile(r"[(（]微博[)）]")
# (not a label: "来源： 访问量：199" leaves the source empty; the next field's label is no outlet)
_SOURCE = re.compile(
    rf"(?:{_SOURCE_WORDS})\s*[:：]\s*(?P<outlet>\d{{0,4}}[^\s\d|｜:：,，。;；()（）\[\]【】]{{2,30}})"
    r"(?![^\s\d|｜:：,，。;；()（）\[\]【】]|[:：])"
)
# A Chinese person name: 2–4 Han characters (5 for compound surnames) or a minority name
# with a middle dot; grammatical particles never occur in names.
_CJK_NAME = re.compile(rf"^[{HAN}]{{2,5}}$|^[{HAN}]{{1,6}}[·•・][{HAN}]{{1,8}}$")
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z'’.\-]+(?: [A-Z][A-Za-z'’.\-]+){0,3}$")
# Particles and pronouns never occur in names ("我已授权" is a checkbox label, not a person).
_NOT_IN_NAMES = set("的了是在说称这那们讯我您已")
_ORG_END = re.compile(r"(?:社|网|網|报|報|电视台|日报|晚报|中心|集团|公司|官方|微博|微信)$")
# Why: a role word or a piece of page chrome is never a person's name ("记者 韩冬 实习生 李沐阳"
# lists two people; "作者：责任编辑：…" has an empty author; "扫一扫" is a share button).
_NOT_NAMES = re.compile(
    "|".join(re.escape(w) for w, _ in _ROLE_WORDS if len(w) >= 2)
    + r"|责任|責任|来源|來源|作者|实习|實習|扫一扫|字号|分享|打印|收藏|评论|点击|阅读|浏览|关注|网|網"
    # Why: login boxes, comment boxes and outlets' desks sit next to bylines: "我已授权", "网友",
    # "半岛全媒体" (the desk of "半岛全媒体记者 张晓宁") are no one's name.
    + r"|授权|授權|登录|登錄|注册|註冊|密码|密碼|验证|驗證|同意|协议|協議|用户|用戶|匿名|游客|遊客"
    + r"|媒体|媒體|客户端"
    # A link to the site's other edition in the author slot ("作者: <a>手机版</a>"); "佚名" says "no name".
    + r"|手机版|手機版|电脑版|電腦版|网页版|網頁版|触屏版|佚名|不详|不詳"
    # A comment box's buttons ("退出 马上发表") read as its first poster; an answer's fold button after
    # its writer's name ("甜阁下，心理咨询师 收起").
    + r"|退出|发表|發表|回复|回覆|举报|舉報|收起|展开|展開|折叠|摺疊"
    + r"|新闻|新聞|频道|頻道|编辑部|本报|本報|本台"
    # Section headings that start with the role word ("記者調查", "记者手记") and the labels of an info
    # line ("时间：") are no names.
    + r"|调查|調查|手记|手記|观察|觀察|走访|走訪|采访|採訪|探访|探訪|暗访|暗訪|连线|連線"
    + r"|时间|時間|日期|更新|跟贴|跟帖|热门|熱門|简介|簡介|介绍|介紹|主页|主頁|专栏|專欄"
)
# A dateline on its own: a place and a day the story was filed ("澎湖縣28日電", "北京12月9日电").
_BARE_DATELINE = re.compile(rf"^[{HAN}]{{1,10}}(?:\d{{1,2}}月)?\d{{1,2}}日(?:电|電|讯|訊)$")


def is_dateline(text: str) -> bool:
    """Whether ``text`` is a dateline (place and day, "澎湖縣28日電"), which some sites' markup declares as
    the author's name."""
    return _BARE_DATELINE.match(text.strip()) is not None


# Why: "青岛报道" / "北京电" after the names is the dateline verb of the byline, not a person.
# A bare "报道" closes "记者 王晨 孙浩 报道" (it is the verb, not a third reporter).
# "发自上海" closes "(王霄 发自上海)": where the reporter filed from.
_DATELINE_TOKEN = re.compile(rf"^[{HAN}]{{0,6}}(?:报道|報道|報導|电|電|讯|訊)$|^(?:发自|發自)[{HAN}]{{2,6}}$")
# A staff code glued to a name: "责任编辑：王晓易_NE0011" (NetEase), "编辑：李明_NB123".
_STAFF_CODE = re.compile(rf"(?<=[{HAN}])_[A-Za-z]{{1,6}}\d{{2,8}}\b")
_NAME_SPLIT = re.compile(r"[ \u3000、，,;；]+")


@dataclass
class Credits:
    contributors: list[dict[str, str]] = field(default_factory=list)
    source_outlet: str | None = None

    def add(self, name: str, role: str) -> None:
        if _ORG_END.search(name):
            return  # "图/新华社": an agency credit, not a person
        entry = {"name": name, "role": role}
        if entry not in self.contributors:
            self.contributors.append(entry)

    def extend(self, other: Credits) -> None:
        for c in other.contributors:
            self.add(c["name"], c["role"])
        self.source_outlet = self.source_outlet or other.source_outlet


def person_names(segment: str) -> list[str] | None:
    """The person names in a credit segment ("王萌 朱青秦", "Zhang Yiran"), [] for an empty one, or None
    when it holds anything that is not a name (a role word, an outlet, a sentence).

    Also :mod:`.people`'s test of whether an author meta value names people."""
    segment = segment.strip(" \u3000:：/／|｜.。")
    if not segment:
        return []
    if _LATIN_NAME.match(segment):
        return [segment]
    names = _join_spaced(n for n in _NAME_SPLIT.split(segment) if n)
    while len(names) > 1 and _DATELINE_TOKEN.match(names[-1]):
        names.pop()
    for name in names:
        if _NOT_NAMES.search(name):
            return None
        if _ORG_END.search(name):
            return None
        if not _CJK_NAME.match(name) or (set(name) & _NOT_IN_NAMES and "·" not in name):
            return None
    return names


def _join_spaced(tokens: Iterable[str]) -> list[str]:
    """Two single Han characters in a row are one name spaced out to the width of three ("马 燕"): pages
    pad two-character names so that a list of names lines up; no name is one character."""
    out: list[str] = []
    for token in tokens:
        if out and len(token) == 1 and len(out[-1]) == 1 and is_han(token) and is_han(out[-1]):
            out[-1] += token
        else:
            out.append(token)
    return out


# "新华社记者", "中青报·中青网记者", "本报特约评论员": an affiliation glued to the role word.
# (Never a role word or what precedes it: "摄影" of "摄影记者", "记者柳德新" of "记者柳德新通讯员彭娟".)
_AFFILIATION = re.compile(
    rf"(?<![{HAN}·])(?:(?!记者|記者|通讯员|通訊員|评论员|評論員)[{HAN}·]){{1,12}}?(?<!摄影)(?<!摄像)(?<!攝影)(?<!攝像)"
    r"(?=(?:首席|特派|见习|實習|实习|特约|特約)?(?:记者|記者|評論員|评论员|通讯员|通訊員))"
)


def parse_credits(text: str) -> Credits | None:
    """Parse a byline-only string; None when it contains non-credit words."""
    credits = Credits()
    text = _ROLE_PAIR.sub(" ", _MICROBLOG.sub("", text))
    text = _AFFILIATION.sub(" ", _STAFF_CODE.sub("", text))
    src = _SOURCE.search(text)
    if src:
        credits.source_outlet = src["outlet"].strip()
        text = text[: src.start()] + " " + text[src.end() :]
    found = False
    pos = 0
    leftover: list[str] = []
    for m in _CREDIT.finditer(text):
        leftover.append(text[pos : m.start()])
        pos = m.end()
        role = _ROLE_OF[m["role"]]
        names_text = m["names"]
        post = _POSTFIX.search(names_text)
        if post and post["verb"].startswith(_SHOT):
            # "记者 鄭名娟攝": the names before the photo verb took the photographs (a photo credit, not a
            # byline); names before them keep the role word's role.
            names_text = names_text[: post.start()]
            for n in person_names(post["names"]) or []:
                credits.add(n, "photographer")
                found = True
        names = person_names(names_text)
        if names is None:
            return None
        for n in names:
            credits.add(n, role)
        found = found or bool(names)
    leftover.append(text[pos:])
    rest = "".join(leftover)
    if not found:
        post = _POSTFIX.search(rest.strip())
        if post and post.start() == 0 and len(rest.strip()) <= 20:
            role = "photographer" if post["verb"].startswith(_SHOT) else "reporter"
            names = person_names(post["names"]) or []
            # Why a surname: without a role word, "神韵報導" (a programme's link) reads as "NAME 報導" too.
            if names and (role == "photographer" or all(has_common_surname(n) for n in names)):
                for n in names:
                    credits.add(n, role)
                return credits
    if _has_words(rest):
        return None
    return credits if (found or credits.source_outlet) else None


_FILLER = re.compile(
    rf"{_OPEN}|{_CLOSE}|[\s|｜:：/／,，;；.。·]|本文|本报讯|本報訊|本网讯|本台讯|讯|报道|報道|新华社|中新社|中新网|人民网|"
    r"\d{2,4}\s*[-/.年月日时:：]\s*|\d+"
)


def _has_words(rest: str) -> bool:
    return bool(_FILLER.sub("", rest))


# A parenthesised credit at the end (or start) of a paragraph: "…人才。(记者 王萌 通讯员 朱青秦 雪莹)".
_TRAILING = re.compile(rf"\s*{_OPEN}(?P<inner>[^()（）\[\]【】〔〕]{{2,80}}){_CLOSE}\s*[。.]?\s*$")
_LEADING = re.compile(
    rf"^\s*(?P<lead>(?:本报讯|本報訊|本网讯|本台讯|新华网|新华社|中新网|中新社|人民网)?[^，,。()（）\[\]【】]{{0,24}}?)?"
    rf"{_OPEN}(?P<inner>[^()（）\[\]【】〔〕]{{2,80}}){_CLOSE}\s*"
)


def strip_byline(paragraph: str) -> tuple[str, Credits | None]:
    """Remove credits from one paragraph; returns (remaining text, credits or None).

    Whole-paragraph bylines return ``""``.  Only text that parses completely as credits is
    removed, so a sentence such as "记者了解到，…" is left untouched.
    """
    stripped = paragraph.strip()
    if not stripped:
        return paragraph, None
    # Whole line: "记者 王萌 通讯员 朱青秦", "[责任编辑：王赵童]", "来源：青岛日报", "文/张三".
    if len(stripped) <= 80:
        inner = stripped
        if re.fullmatch(rf"{_OPEN}.*{_CLOSE}", inner):
            inner = inner[1:-1]
        credits = parse_credits(inner)
        if credits is not None:
            return "", credits
    # Why a loop: a story printed as one paragraph can end in several bracketed credits
    # ("…行驶。 [稿源：潇湘晨报] [作者：范思鼎] [编辑：肖娟]"); each is read, last first.
    trailing: list[Credits] = []
    while (m := _TRAILING.search(stripped)) and m.start() > 0:
        credits = parse_credits(m["inner"])
        if credits is None or not (credits.contributors or credits.source_outlet):
            break
        trailing.insert(0, credits)
        stripped = stripped[: m.start()].rstrip()
    if trailing:
        found = Credits()
        for credits in trailing:
            found.extend(credits)
        rest, opening = strip_byline(stripped)
        if opening is not None:
            found.extend(opening)
        return rest, found
    m = _LEADING.match(stripped)
    if m and m.end() < len(stripped):
        credits = parse_credits(m["inner"])
        lead_text = (m["lead"] or "").strip()
        if credits is None and re.search(r"[电讯]$", lead_text):
            # "新华社北京5月19日电（刘艺、杨吉）": names alone after a dateline are its reporters.
            credits = names_only(m["inner"], "reporter")
        if credits is not None and credits.contributors:
            # Keep a dateline such as "新华社北京5月9日电" but drop "本报讯" (it only says "our report").
            lead = re.sub(r"^(?:本报讯|本報訊|本网讯|本台讯)", "", (m["lead"] or "").strip())
            return (lead + " " if lead else "") + stripped[m.end() :], credits
    return paragraph, None


def names_only(text: str, role: str) -> Credits | None:
    """Credits for a bare name list such as "刘艺、杨吉" (None if it is anything else)."""
    credits = Credits()
    post = _POSTFIX.fullmatch(text.strip())
    if post and post["verb"].startswith(_SHOT):
        # "（林歆芳攝）" closing a caption credits the photographer, not a writer named "林歆芳攝".
        for name in person_names(post["names"]) or []:
            credits.add(name, "photographer")
        return credits if credits.contributors else None
    names = person_names(text)
    if not names or any(len(n) < 2 for n in names):
        return None
    for name in names:
        credits.add(name, role)
    return credits if credits.contributors else None


# In the info line under a headline, credits sit between other facts; take a role word, an
# optional colon, and only the name-shaped tokens that follow it.
_HEADER_CREDIT = re.compile(
    rf"(?P<role>{_ROLE_RE})\s*[:：]?\s*(?!{_ROLE_RE})"
    # (a two-character name may be spaced to the width of three: "作者：马 燕")
    rf"(?P<names>(?:[{HAN}·]{{2,5}}|[{HAN}][ 　][{HAN}](?![{HAN}]))(?:[ 、，,][{HAN}·]{{2,5}})*)"
    # A date or time may follow the names unspaced ("作者：张三2019-01-01"), other digits may not:
    # "作者：理财18" names an account whose name goes on, not 理财. Why not before "11日電":
    # "記者劉世怡台北11日電" glues the place to the name.
    rf"(?=\s|$|{_ROLE_RE}|{_SOURCE_WORDS}|[|｜]|(?:19|20)\d\d|\d{{1,2}}[:：/.\-月])"
)


# Common Chinese surnames (the hundred most frequent cover ~85 % of people): a bare name without
# a role word is only believed when it starts with one of them.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    # the same surnames in traditional characters (Taiwan and Hong Kong pages)
    "陳楊黃趙吳劉張鄭羅謝許馮鄧蕭葉蘇魏呂盧鍾鐘譚陸賈韋鄒龔顧錢嚴龍萬湯閻蔣孫馬歐關聶齊喬顏龐莊賴塗溫"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
# Why: "来源：中国新闻网 王帆" — a lone name right after the outlet is the article's writer.
_SOURCE_THEN_NAME = re.compile(
    rf"(?:{_SOURCE_WORDS})\s*[:：]\s*\S{{2,30}}?(?:网|網|报|報|社|台|刊|号|號)\s+(?P<name>[{HAN}]{{2,3}})(?=\s|$|\d)"
)
# Why: forum threads and blogs print the starter as "由 NAME 发布于 DATE", "NAME 于 DATE 发布" or
# "NAME DATE 发布于"; that user is the author of the thread.
_DATE_RE = r"(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_POSTED_BY = re.compile(
    rf"(?:(?<![^\s])由\s*(?P<a>[^\s:：,，。]{{2,24}})\s*(?:发布|發佈|发表|發表)于?\s*{_DATE_RE}"
    rf"|(?<![^\s])(?P<b>[^\s:：,，。]{{2,24}})\s+于\s*{_DATE_RE}\s*(?:发布|發佈|发表|發表)"
    rf"|(?<![^\s])(?P<c>[^\s:：,，。]{{2,24}})\s+{_DATE_RE}\s*(?:发布于|发表于|發佈於|發表於))"
)


def looks_like_outlet(name: str) -> bool:
    """A Chinese name ending like an outlet or an organisation ("新华社", "经济参考报", "XX中心")."""
    return bool(_ORG_END.search(name.strip()))


def has_common_surname(name: str) -> bool:
    """The name starts with one of the common surnames: what a bare name, printed without a role word,
    must do to be believed ("（郭旭）" closing a story, not "（经济通）" or "（小羅家族）")."""
    return bool(name) and name[0] in _SURNAMES


def is_user_name(name: str) -> bool:
    """A forum or comment user's name: no role, chrome or button word, not a bare number or date."""
    return _user_name(name)


def _user_name(name: str) -> bool:
    """A user name: not a role or chrome word, not a bare number or date."""
    return not (
        _NOT_NAMES.search(name) or re.fullmatch(r"[\d\W_]+", name) or "推荐" in name or "文章" in name
    )


def header_credits(text: str, *, unlabelled: bool = True) -> Credits:
    """Source outlet and named credits from the short info line under a headline.

    ``unlabelled``: also the names credited without a role word (the writer after "来源：OUTLET", a
    forum's "由 NAME 发布于"); not below the body, where such lines are a comment box's commenters."""
    credits = Credits()
    text = _MICROBLOG.sub("", _STAFF_CODE.sub("", text))
    src = _SOURCE.search(text)
    if src:
        credits.source_outlet = src["outlet"].strip()
    m = _SOURCE_THEN_NAME.search(text) if unlabelled else None
    if m and m["name"][0] in _SURNAMES and person_names(m["name"]):
        credits.add(m["name"], "author")
    for m in _POSTED_BY.finditer(text) if unlabelled else ():
        name = m["a"] or m["b"] or m["c"]
        if _user_name(name):
            credits.add(name, "author")
            break
    # Why: "作者：张晓宁 半岛全媒体记者 张晓宁" — the desk glued to the next role word is no second name.
    for m in _HEADER_CREDIT.finditer(_AFFILIATION.sub(" ", text)):
        names = person_names(m["names"]) or []
        # Why: in running page text the words after the names ("责任编辑：王晓易 热门跟贴 微软小冰")
        # are name-shaped too; a further name must start with a common surname.
        end = next(
            (i for i, n in enumerate(names) if i and n[0] not in _SURNAMES and "·" not in n), len(names)
        )
        for name in names[:end]:
            if name.endswith(_SHOT) and person_names(name[:-1]):
                credits.add(name[:-1], "photographer")  # "新华社记者廖宇杰摄": a photo credit
            else:
                credits.add(name, _ROLE_OF[m["role"]])
    return credits


# Labels that stand alone in their own element before a writer's name ("作者", "记者：").
_LABEL_ROLES = ("作者", "记者", "記者", "撰文")
_LABEL = re.compile(r"^(?P<role>" + "|".join(_LABEL_ROLES) + r")\s*[:：]?$")


def role_of_label(text: str) -> str | None:
    """The role of a text that is only a role label ("作者", "责任编辑："), else None."""
    m = _LABEL.match(text.strip())
    return _ROLE_OF[m["role"]] if m else None


# A dateline's credit inside the first lines, also after a subtitle on the same line: "…新华网北京12月9日电
# (记者罗沙)我国…", "湖南日报12月15日讯(记者柳德新通讯员彭娟)", "中新網蘭州1月11日電 (張道正)", and a
# paper's dateline without a day: "香港文匯報訊（記者 高鈺）" (after a photo caption on the same line).
_DATELINE_CREDIT = re.compile(
    rf"(?:(?:\d{{1,2}}日|\d{{1,2}}月)(?:电|電|讯|訊|消息)|[报報网網台](?:讯|訊))\s*{_OPEN}(?P<inner>[^()（）\[\]【】〔〕]{{2,60}}){_CLOSE}"
)
# Taiwanese bylines: "邱俐穎／台北報導", "【鐘武達、陳世宗／綜合報導】", "記者丁彥伶／台北報導".
_PLACE_REPORT = re.compile(
    rf"(?:(?:記者|记者)\s*)?(?P<names>[{HAN}]{{2,4}}(?:[、，,][{HAN}]{{2,4}})*)\s*[／/╱]\s*[{HAN}]{{2,6}}(?:報導|报道)"
)
# Outlet and writer joined by a slash, the outlet first: "中廣新聞／楊菁惠", "【台灣醒報／林歆芳】" (Taiwanese
# wire and radio credits). Only a whole credit (the names end the text or a bracket closes them), the
# outlet named as one (新聞, 報, 社 …) and a name that starts with a common surname.
_OUTLET_NAME = re.compile(
    rf"(?:^|(?<=[\s【\[(（]))[{HAN}]{{1,10}}?(?:新聞|新闻|報|报|社|電台|电台|傳媒|传媒|網|网|快訊|快讯)\s*[／/╱]\s*"
    rf"(?P<names>[{HAN}]{{2,4}}(?:[、，,][{HAN}]{{2,4}})*)(?=$|\s|[】\]）)])"
)
# The writer and where they wrote from, in brackets: "【（李三娃／四川成都）】" (a reader's letter).
_NAME_PLACE = re.compile(rf"[（(](?P<names>[{HAN}]{{2,4}})\s*[／/╱]\s*[{HAN}]{{2,6}}[）)]")
# A wire dateline with the reporter before the place: "（中央社記者邱俊欽桃園19日電）" (CNA's form, reprinted
# by other papers). Nothing separates the name from the place, so only a place of this list ends the names:
# elsewhere the credit is left unread rather than cut at a guess ("林雷台北" is 林雷 of 台北, not 林雷台).
_DATELINE_PLACES = (
    "台北|臺北|新北|桃園|台中|臺中|台南|臺南|高雄|基隆|新竹|苗栗|彰化|南投|雲林|嘉義|屏東|宜蘭|花蓮|台東|臺東"
    "|澎湖|金門|馬祖|連江|北京|上海|天津|重慶|重庆|廣州|广州|深圳|香港|澳門|澳门|南京|杭州|武漢|武汉|成都"
    "|西安|青島|青岛|濟南|济南|華盛頓|华盛顿|紐約|纽约|東京|东京|倫敦|伦敦|巴黎|首爾|首尔"
)
_REPORTER_PLACE_DAY = re.compile(
    rf"(?:記者|记者)\s*(?P<names>[{HAN}]{{2,4}}(?:[、，,][{HAN}]{{2,4}})*?)\s*(?:{_DATELINE_PLACES})"
    rf"(?:\d{{1,2}}月)?\d{{1,2}}日(?:電|电)"
)
# A report's place or kind after the slash ("台北報導", "綜合外電") is no name.
_NOT_A_WRITER = re.compile(r"報導|报道|綜合|综合|外電|外电|編譯|编译|電$|电$|訊$|讯$")
_DATELINE_CHARS = 300


def dateline_credits(text: str) -> Credits:
    """The reporters a dateline or a place-report byline names in the first characters of the body or in
    the info line: "…12月9日电(记者罗沙)…", "邱俐穎／台北報導"."""
    credits = Credits()
    head = text[:_DATELINE_CHARS]
    m = _DATELINE_CREDIT.search(head)
    if m:
        found = parse_credits(m["inner"]) or names_only(m["inner"], "reporter")
        if found is not None:
            credits.extend(found)
    for m in _PLACE_REPORT.finditer(head):
        names = person_names(m["names"].replace("，", "、").replace(",", "、"))
        for name in names or []:
            credits.add(name, "reporter")
    if not credits.contributors:
        m = _REPORTER_PLACE_DAY.search(head)
        names = person_names(m["names"]) if m else None  # (person_names splits at 、，, too)
        if names and all(n[0] in _SURNAMES for n in names):
            for name in names:
                credits.add(name, "reporter")
    if not credits.contributors:
        for m in [*_OUTLET_NAME.finditer(head), *_NAME_PLACE.finditer(head)]:
            names = person_names(m["names"].replace("，", "、").replace(",", "、")) or []
            if names and all(n[0] in _SURNAMES and not _NOT_A_WRITER.search(n) for n in names):
                for name in names:
                    credits.add(name, "reporter")
                break
    return credits

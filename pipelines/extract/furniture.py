"""Page chrome that ends up among article paragraphs on Chinese news sites."""

from __future__ import annotations

import re

__all__ = ["RELATED_HEADING", "TAG_LINE", "is_furniture", "strip_image_urls"]

# Legal boilerplate: copyright and reprint notices, ICP/public-security registration numbers.
_COPYRIGHT = re.compile(
    r"版权所有|版權所有|Copyright\s*(?:©|\(c\)|&copy;)?|All Rights Reserved|©\s*\d{4}|"
    r"未经(?:授权|許可|许可|允许|同意)"
    r"[^。]{0,12}(?:禁止|不得|严禁|請勿|请勿)?(?:转载|轉載|使用|复制|镜像)|转载请注明|轉載請註明|"
    r"ICP[备證证]|ICP\s*[:：]|网安备|公网安备|网络文化经营许可证|新闻信息服务许可证|违法和不良信息举报|"
    r"互联网新闻信息服务许可证|广播电视节目制作经营许可证|"
    # The reprint disclaimer: "转载并不代表本网赞同其观点", "并不代表本站观点".
    r"不代表本(?:网|站|报|刊|平台)(?:赞同|同意)?其?(?:观点|立场)|转载[^。]{0,30}不代表",
    re.I,
)
# Share/QR/follow prompts and navigation.
_PROMPT = re.compile(
    r"分享到|分享至|分享：|扫一扫|掃一掃|扫描二维码|扫码|二维码|關注微信|关注微信|微信公众号|公众号|"
    r"点击进入专题|點擊進入專題|进入专题|返回首页|返回首頁|返回顶部|返回頂部|打印本页|打印本頁|关闭窗口|關閉窗口|"
    r"【?字号|字體：|字体：|\[?打印\]?|【纠错】|纠错|收藏本文|推荐给朋友|点击查看|點擊查看|阅读原文|閱讀原文|"
    r"浏览次数|瀏覽次數|阅读量|閱讀量|点赞|評論\(|评论\(|我要评论|参与评论|举报|下载客户端|下载APP|打开APP|"
    r"^[上下]一篇|^上一页|^下一页|^责任编辑|^編輯：|^编辑：|^来源：|^來源：|"
    # Login walls and teaser stamps: "登录后您可以享受以下权益：", "最新推荐文章于 2023-09-04 发布".
    r"登录后|登錄後|请先登录|請先登錄|立即登录|^登\s*录$|^注\s*册$|推荐文章|"
    # A login box's own words (hexun.com opens its pages with one): "登录超时，稍后再试 免注册 …".
    r"登录超时|稍后再试|免注册|忘记密码|找回密码|记住密码|验证码登录|账号登录|帐号登录|手机号登录|快速登录|"
    r"^(?:用户名|密\s*码|账号|帐号|验证码|手机号)$|^我已(?:授权|阅读)|阅读并同意|"
    # A notice's heading, a tip-off advert, a comment box still loading.
    r"^[【\[]?(?:免责)?声明[】\]]?[:：]?$|短信爆料|爆料电话|爆料热线|一经采用|正在(?:载入|加载)|载入中|加载中"
)
# Short lines only: a real paragraph that mentions a WeChat account is text, a 12-character
# "扫描二维码关注我们" is chrome.
_PROMPT_MAX = 60
_TERSE_CHARS = 25
_LIST_ITEM = re.compile(r"\s*(?:\d{1,2}[.、．]|[(（]\d{1,2}[)）])\s*\S")
_COPYRIGHT_MAX = 160
RELATED_HEADING = re.compile(
    r"^[\s【\[(（]*(?:相关阅读|相關閱讀|相关新闻|相關新聞|推荐阅读|推薦閱讀|延伸阅读|延伸閱讀|相关链接|相關鏈接|"
    r"相关文章|相關文章|热点推荐|熱點推薦|猜你喜欢|猜你喜歡|更多精彩|热门推荐|热门文章|精彩推荐|相关报道|相關報道|"
    r"往期回顾|往期回顧|更多阅读|编辑推荐|为你推荐|相关专题|热门跟贴|热门跟帖|网友评论|網友評論|热门评论|最新评论|全部评论|"
    r"精彩评论)[\s】\])）:：]*$"
)
TAG_LINE = re.compile(r"^\s*(?:标签|標籤|关键词|關鍵詞|关键字|Tags?)\s*[:：]\s*(?P<tags>.*)$", re.I)
_IMAGE_URL = re.compile(
    r"(?:https?:)?//[^\s\"'<>]+?\.(?:jpe?g|png|gif|webp|bmp|svg)(?:\?[^\s\"'<>]*)?(?=[\s\"'<>)]|$)", re.I
)
_BARE_URL = re.compile(r"^(?:https?:)?//\S+$")


# A source note closing a reprint: "（本文来源：经济日报 作者：…）".
_SOURCE_NOTE = re.compile(r"^[(（\[【]?\s*(?:本文|本文章|文章)?(?:来源|來源|转载自|转自)\s*[:：]")
_SOURCE_NOTE_MAX = 200


# Embedded video player controls rendered as text: speeds, clock readings, error notes.
_PLAYER = re.compile(
    r"^(?:[-•·]\s*)?\d(?:\.\d{1,2})?\s*[Xx倍]$|^\d{1,2}:\d{2}(?::\d{2})?(?:\s*/\s*\d{1,2}:\d{2}(?::\d{2})?)?$|"
    r"倍速|播放失败|播放錯誤|错误代码|錯誤代碼|建议WIFI|跳过片头|循环播放|正在为您切换|時長：|时长：|"
    r"^(?:高清|超清|标清|流畅|自动)(?:\s*\d{3,4}P)?$"
)
_PLAYER_MAX = 40


# The help-line notice Taiwanese papers append to a story about suicide (the reporting guideline of the health
# ministry asks for one): "自殺防治諮詢安心專線：0800-788995（24小時）", "生命線協談專線：1995", "珍惜生命",
# the paper's own heading ("★中時電子報關心您", "●《ETNEWS新聞雲》提醒您：").
_HOTLINE = re.compile(
    # A help line with its number (a sentence about the help line names no number after a colon).
    r"(?:(?:安心|協談|协谈|張老師|张老师|諮詢|咨询)(?:專線|专线)|生命線|生命线)\s*[:：]?\s*\d|"
    r"^\W*(?:珍惜生命|再給自己一次機會|再给自己一次机会|自殺解決不了問題|自杀解决不了问题)|"
    r"(?:新聞雲|新闻云|電子報|电子报|》)\s*(?:關心|关心|提醒)(?:您|你)"
)
_HOTLINE_MAX = 40


# Why: a row of short link labels that includes "首页" ("| 首页 | 社会 |", "首页 > 新闻 > 正文") is the
# site's navigation or breadcrumb, never prose.
_NAV_SPLIT = re.compile(r"\s*(?:[|｜>›»/]|\s)\s*")
_NAV_HOME = {"首页", "首頁", "主页", "网站首页", "返回首页"}


def _is_nav_row(text: str) -> bool:
    items = [i for i in _NAV_SPLIT.split(text) if i]
    return 2 <= len(items) <= 12 and bool(_NAV_HOME & set(items)) and all(len(i) <= 6 for i in items)


# The desk's contact lines under the article ("电话：… 传真：…", "邮箱：… 处理时间：…"): a short line with two
# different contact labels is an address block, not prose (which names one number in a sentence).
_CONTACT_LABEL = re.compile(r"(电话|传真|邮箱|邮编|地址|处理时间|e-?mail|qq)\s*[:：]", re.I)
_CONTACT_MAX = 120


def _contact_line(text: str) -> bool:
    return len(text) <= _CONTACT_MAX and len({m.group(1).lower() for m in _CONTACT_LABEL.finditer(text)}) >= 2


def is_furniture(line: str) -> bool:
    """True for a paragraph that is page chrome rather than article text."""
    text = line.strip()
    if not text:
        return True
    if len(text) <= 80 and _is_nav_row(text):
        return True
    if len(text) <= _COPYRIGHT_MAX and _COPYRIGHT.search(text):
        return True
    # A long footer line is still a footer when it carries several legal notices at once.
    if len(text) <= 3 * _COPYRIGHT_MAX and len({m.group(0) for m in _COPYRIGHT.finditer(text)}) >= 2:
        return True
    if len(text) <= _SOURCE_NOTE_MAX and _SOURCE_NOTE.match(text):
        return True
    if len(text) <= _PLAYER_MAX and _PLAYER.search(text):
        return True
    if len(text) <= _HOTLINE_MAX and _HOTLINE.search(text):
        return True
    if _contact_line(text):
        return True
    # Prompts are terse: a line with a full sentence (。) that mentions 扫码 or 举报 is prose, and so
    # is a longer item of the author's numbered list ("6.微信扫码登录，无需绑定手机号").
    if (
        len(text) <= _PROMPT_MAX
        and _PROMPT.search(text)
        and (len(text) <= _TERSE_CHARS or ("。" not in text and not _LIST_ITEM.match(text)))
    ):
        return True
    return bool(_BARE_URL.match(text))


def strip_image_urls(line: str) -> str:
    """Remove image URLs (and "![](…)" markdown) that leaked into text."""
    line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
    return _IMAGE_URL.sub("", line).strip() if ("//" in line) else line

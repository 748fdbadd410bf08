"""A local regional news portal served on 127.0.0.1, for crawl tests and the crawl benchmark.

Modelled on a Chinese city portal: a home page, channel list pages with pagination, an RSS feed, a sitemap
index with a Google News sitemap, robots.txt with a disallowed path, articles in two page templates and two
encodings (UTF-8, and GBK declared in the header only, the <meta> only, nowhere, or wrongly), a redirect, 404
and 500 pages, a slow page, a duplicate link with tracking parameters, an off-site link, an oversized page and a
photo gallery at an article's address (not an article).
Every request is logged so tests can assert what was (not) fetched.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

PLACES = ["市南区", "市北区", "李沧区", "崂山区", "黄岛区", "城阳区", "即墨区", "胶州市", "平度市", "莱西市"]
TOPICS = [
    ("海洋经济", "海洋科技企业", "蓝色经济"),
    ("地铁建设", "地铁线路", "轨道交通"),
    ("老旧小区改造", "加装电梯", "管网更新"),
    ("崂山旅游", "游客接待", "景区预约"),
    ("港口航运", "集装箱吞吐量", "外贸航线"),
    ("教育", "中小学学位", "校舍建设"),
    ("啤酒节", "啤酒城", "文旅消费"),
    ("营商环境", "项目审批", "企业服务"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "明华强伟芳娜静敏丽军磊洋勇艳杰涛超霞平刚桂玥瑄"  # 玥 and 瑄 are in GBK but not GB2312
CHANNELS = ("news", "society")  # news: UTF-8 template A; society: GBK template B
ARTICLE_PATTERN = r"/(news|society)/\d{4}/\d{2}/\d{2}/art_\d+\.html$"
LIST_PATTERN = r"/(news|society)/list_\d+\.html$"
GBK_DECLARATIONS = ("header", "meta", "none", "wrong-header")
DISALLOWED_PREFIX = "/society/2024/01/01/"  # robots.txt forbids it; it holds an article page all the same
DISALLOWED_ARTICLE = DISALLOWED_PREFIX + "art_77.html"
# Article-looking links whose redirects try to take the crawler off the site or onto the local disk.
ESCAPING_REDIRECTS = {
    "/news/2024/01/02/art_801.html": "http://offsite.example.org/news/2024/01/02/art_1.html",
    "/news/2024/01/02/art_802.html": "file:///etc/passwd",
}
OLD_PATH = "/news/2023/12/31/art_3.html"  # an article's old address, redirected (301) to its new one
# A photo gallery at an article's address: the pattern matches it, extraction finds no text (not an article).
NOT_ARTICLE = "/news/2024/01/03/art_9003.html"
NOT_ARTICLE_HTML = (
    '<html><head><meta charset="utf-8"><title>图集：崂山秋色</title></head><body>'
    '<div class="pics"><img src="/pics/1.jpg" alt=""><img src="/pics/2.jpg" alt=""></div></body></html>'
)


@dataclass
class Article:
    number: int
    channel: str
    published: datetime
    title: str
    reporter: str
    editor: str
    paragraphs: list[str]

    @property
    def path(self) -> str:
        return f"/{self.channel}/{self.published:%Y/%m/%d}/art_{self.number}.html"

    @property
    def gbk_declaration(self) -> str:
        return GBK_DECLARATIONS[self.number % len(GBK_DECLARATIONS)]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def make_articles(count: int, *, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    start = datetime(2024, 3, 1, 8, 0)
    articles = []
    for number in range(count):
        place = rng.choice(PLACES)
        topic, thing, field_name = rng.choice(TOPICS)
        amount = rng.randint(3, 90)
        paragraphs = [
            f"{place}今天召开{topic}工作推进会，部署第{number}号重点任务，{thing}{amount}个项目集中签约，"
            f"涉及{field_name}等多个领域。",
            f"会议指出，要坚持问题导向，聚焦{thing}中的难点堵点，"
            f"第{number}批清单将在{rng.randint(2, 12)}月底前完成。"
            f"{place}有关负责人{_name(rng)}介绍，今年以来全区{field_name}保持较快增长。",
            f"据了解，{place}还将推出{rng.randint(5, 30)}项配套措施，围绕{thing}提供全流程服务，"
            f"力争全年完成投资{rng.randint(10, 500)}亿元。",
            f"市民{_name(rng)}表示，{topic}让生活更加便利，希望相关部门继续加大工作力度，让更多群众受益。",
        ]
        articles.append(
            Article(
                number=number,
                channel=CHANNELS[number % 2],
                published=start + timedelta(hours=number * 3),
                title=f"{place}推进{topic} 第{number}批{thing}项目签约",
                reporter=_name(rng),
                editor=_name(rng),
                paragraphs=paragraphs,
            )
        )
    return articles


FURNITURE = (
    '<div class="share">分享到：微信 微博 QQ空间</div>'
    '<div class="qr">扫一扫，关注青岛本地新闻公众号</div>'
    '<div class="footer">Copyright &copy; 2024 青岛本地新闻网 版权所有 鲁ICP备12345678号</div>'
)


def slow_or_secret() -> Article:
    """An extra article that is not part of the site's listed articles."""
    return make_articles(1, seed=9001)[0]


def render_article_a(article: Article, related: list[Article]) -> str:
    """Template A: a portal channel (UTF-8), title suffix with channel and site name."""
    body = "".join(f"<p>{p}</p>" for p in article.paragraphs)
    links = "".join(f'<li><a href="{r.path}">{r.title}</a></li>' for r in related)
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{article.title}_新闻频道_青岛本地新闻网</title>"
        f'<meta name="description" content="{article.paragraphs[0]}"></head><body>'
        '<div class="nav"><a href="/">首页</a> <a href="/news/list_1.html">新闻</a>'
        ' <a href="/society/list_1.html">社会</a></div>'
        f'<div class="main"><h1>{article.title}</h1>'
        f'<div class="info"><span>{article.published:%Y-%m-%d %H:%M}</span> <span>来源：青岛日报</span>'
        f" <span>记者 {article.reporter}</span></div>"
        f'<div class="article-content">{body}</div>'
        f'<div class="editor">[责任编辑：{article.editor}]</div></div>'
        f'<div class="related"><h3>相关阅读</h3><ul>{links}</ul></div>{FURNITURE}</body></html>'
    )


def render_article_b(article: Article, related: list[Article], *, meta: bool) -> str:
    """Template B: a city paper (GBK), info bar with 发布时间, byline in parentheses at the end."""
    body = "".join(f"<p>{p}</p>" for p in article.paragraphs[:-1])
    body += f"<p>{article.paragraphs[-1]}（记者 {article.reporter} 通讯员 {article.editor[:1]}晓）</p>"
    links = "".join(f'<a href="{r.path}">{r.title}</a><br>' for r in related)
    head = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">' if meta else ""
    return (
        f"<html><head>{head}<title>{article.title} - 青岛社会新闻</title></head><body>"
        '<table class="top"><tr><td><a href="/">首页</a></td>'
        '<td><a href="/society/list_1.html">社会</a></td></tr></table>'
        f'<div id="artibody"><h2 class="title">{article.title}</h2>'
        f'<div class="time">发布时间：{article.published:%Y年%m月%d日 %H:%M}</div>{body}</div>'
        f'<div class="pages">上一篇：{related[0].title if related else ""}</div>'
        f'<div class="links">{links}</div>{FURNITURE}</body></html>'
    )


@dataclass
class Page:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class LocalNewsSite:
    """The pages of the site by path, rendered once; plus a log of the requests it received."""

    def __init__(
        self,
        article_count: int = 24,
        *,
        per_list_page: int = 5,
        slow_seconds: float = 0.8,
        oversized_bytes: int = 3 * 1024 * 1024,
        article_delay: float = 0.0,
    ) -> None:
        self.articles = make_articles(article_count)
        self.per_list_page = per_list_page
        self.slow_seconds = slow_seconds
        self.oversized_bytes = oversized_bytes
        self.article_delay = article_delay  # seconds each article page takes (for interruption tests)
        self.fail_status: int | None = None  # set (e.g. to 500) to make every page answer with that status
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self.base_url = ""
        self.pages: dict[str, Page] = {}

    # -- what tests ask ----------------------------------------------------------------------------------
    def requested_paths(self) -> list[str]:
        with self._lock:
            return [path for path, _ in self.requests]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def article_paths(self) -> set[str]:
        return {a.path for a in self.articles}

    @property
    def redirected_article(self) -> Article:
        return self.articles[3]

    @property
    def tracked_article(self) -> Article:
        return self.articles[5]

    @property
    def sitemap_only_article(self) -> Article:
        return self.articles[-1]

    # -- rendering -----------------------------------------------------------------------------------------
    def build(self, base_url: str) -> None:
        self.base_url = base_url
        pages: dict[str, Page] = {}
        html = {"Content-Type": "text/html; charset=utf-8"}
        # The last article is only in the sitemap: discovery must find it there.
        listed = self.articles[:-1]
        for channel in CHANNELS:
            in_channel = [a for a in reversed(listed) if a.channel == channel]
            chunks = [
                in_channel[i : i + self.per_list_page] for i in range(0, len(in_channel), self.per_list_page)
            ]
            for number, chunk in enumerate(chunks, start=1):
                items = "".join(f'<li><a href="{a.path}">{a.title}</a></li>' for a in chunk)
                if channel == "news" and number == 1:
                    items += (
                        f'<li><a href="{self.tracked_article.path}?utm_source=wechat&spm=a1.b2#comments">'
                        "分享链接</a></li>"
                        f'<li><a href="{OLD_PATH}">旧地址</a></li>'
                        '<li><a href="/news/2024/01/01/art_404.html">已删除的稿件</a></li>'
                        '<li><a href="/news/2024/01/01/art_500.html">出错的稿件</a></li>'
                        '<li><a href="/news/2024/01/01/art_9001.html">很慢的稿件</a></li>'
                        '<li><a href="/news/2024/01/01/art_9002.html">超大的稿件</a></li>'
                        f'<li><a href="{NOT_ARTICLE}">图集</a></li>'
                        f'<li><a href="{DISALLOWED_ARTICLE}">内部稿件</a></li>'
                        '<li><a href="http://offsite.example.org/news/2024/01/01/art_1.html">外站链接</a></li>'
                    )
                    items += "".join(f'<li><a href="{path}">转载</a></li>' for path in ESCAPING_REDIRECTS)
                nav = (
                    f'<a href="/{channel}/list_{number + 1}.html">下一页</a>' if number < len(chunks) else ""
                )
                pages[f"/{channel}/list_{number}.html"] = Page(
                    200,
                    f'<html><head><meta charset="utf-8"><title>{channel}</title></head><body><ul>{items}</ul>'
                    f'<div class="pager">{nav}</div></body></html>'.encode(),
                    html,
                )
        pages["/"] = Page(
            200,
            (
                '<html><head><meta charset="utf-8"><title>青岛本地新闻网</title>'
                '<link rel="alternate" type="application/rss+xml" title="最新" href="/rss.xml"></head><body>'
                '<a href="/news/list_1.html">新闻</a> <a href="/society/list_1.html">社会</a>'
                ' <a href="http://offsite.example.org/">友情链接</a>'
                "</body></html>"
            ).encode(),
            html,
        )
        pages["/robots.txt"] = Page(
            200,
            f"User-agent: *\nDisallow: {DISALLOWED_PREFIX}\n\nSitemap: {base_url}/sitemap.xml\n".encode(),
            {"Content-Type": "text/plain"},
        )
        latest = list(reversed(listed))[:10]
        items = "".join(
            f"<item><title>{a.title}</title><link>{base_url}{a.path}</link></item>" for a in latest
        )
        pages["/rss.xml"] = Page(
            200,
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>最新</title>{items}'
            "</channel></rss>".encode(),
            {"Content-Type": "application/rss+xml; charset=utf-8"},
        )
        pages["/sitemap.xml"] = Page(
            200,
            (
                '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{base_url}/sitemap-news.xml</loc></sitemap></sitemapindex>"
            ).encode(),
            {"Content-Type": "application/xml"},
        )
        news_urls = "".join(
            f"<url><loc>{base_url}{a.path}</loc><news:news><news:publication>"
            "<news:name>青岛本地新闻网</news:name><news:language>zh</news:language></news:publication>"
            f"<news:publication_date>{a.published:%Y-%m-%dT%H:%M:%S}+08:00</news:publication_date>"
            f"<news:title>{a.title}</news:title></news:news></url>"
            for a in self.articles[-5:]
        )
        pages["/sitemap-news.xml"] = Page(
            200,
            (
                '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
                f' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{news_urls}</urlset>'
            ).encode(),
            {"Content-Type": "application/xml"},
        )
        for index, article in enumerate(self.articles):
            related = [self.articles[(index + k) % len(self.articles)] for k in (1, 2)]
            pages[article.path] = self._article_page(article, related)
        pages[OLD_PATH] = Page(301, b"", {"Location": f"{base_url}{self.redirected_article.path}"})
        for path, target in ESCAPING_REDIRECTS.items():
            pages[path] = Page(302, b"", {"Location": target})
        pages[DISALLOWED_ARTICLE] = Page(200, render_article_a(slow_or_secret(), []).encode("utf-8"), html)
        pages["/news/2024/01/01/art_404.html"] = Page(404, b"<html><body>not found</body></html>", html)
        pages["/news/2024/01/01/art_500.html"] = Page(500, b"<html><body>server error</body></html>", html)
        slow = slow_or_secret()
        slow.title = "慢速页面测试稿件 记者深入采访" + slow.title
        pages["/news/2024/01/01/art_9001.html"] = Page(
            200, render_article_a(slow, []).encode("utf-8"), html, delay=self.slow_seconds
        )
        pages[NOT_ARTICLE] = Page(
            200,
            NOT_ARTICLE_HTML.encode("utf-8"),
            {**html, "ETag": '"gallery-1"', "Last-Modified": "Wed, 03 Jan 2024 08:00:00 GMT"},
        )
        filler = "<p>" + "超大页面填充内容。" * 2000 + "</p>"
        pages["/news/2024/01/01/art_9002.html"] = Page(
            200, (filler * (self.oversized_bytes // len(filler.encode()) + 1)).encode("utf-8"), html
        )
        self.pages = pages

    def _article_page(self, article: Article, related: list[Article]) -> Page:
        digest = hashlib.sha1(article.path.encode()).hexdigest()[:16]
        common = {"ETag": f'"{digest}"', "Last-Modified": format_datetime(article.published, usegmt=False)}
        if article.channel == "news":
            return Page(
                200,
                render_article_a(article, related).encode("utf-8"),
                {**common, "Content-Type": "text/html; charset=utf-8"},
                delay=self.article_delay,
            )
        declaration = article.gbk_declaration
        body = render_article_b(article, related, meta=declaration == "meta").encode("gbk")
        content_type = {
            "header": "text/html; charset=GBK",
            "meta": "text/html",
            "none": "text/html",
            "wrong-header": "text/html; charset=utf-8",  # the header lies: the bytes are GBK
        }[declaration]
        return Page(200, body, {**common, "Content-Type": content_type}, delay=self.article_delay)

    def respond(self, path: str, headers: dict[str, str]) -> Page:
        with self._lock:
            self.requests.append((path, headers))
        if self.fail_status is not None:
            return Page(self.fail_status, b"<html><body>error</body></html>", {"Content-Type": "text/html"})
        page = self.pages.get(urlsplit(path).path)
        if page is None:
            return Page(404, b"<html><body>404</body></html>", {"Content-Type": "text/html"})
        etag = page.headers.get("ETag")
        if etag and headers.get("if-none-match") == etag:
            return Page(304, b"", {"ETag": etag})
        return page


def _handler(site: LocalNewsSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            page = site.respond(self.path, {k.lower(): v for k, v in self.headers.items()})
            if page.delay:
                time.sleep(page.delay)
            self.send_response(page.status)
            for key, value in page.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(page.body)  # the crawler may give up on an oversized page

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve_site(site: LocalNewsSite) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 at a free port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    site.build(base_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()


def sources_toml(base_url: str, key: str = "testsite") -> str:
    """A sources file describing the local site as a user would."""
    return f"""
[sources.{key}]
name = "青岛本地新闻网（测试站）"
region = "青岛"
language = "zh"
timezone = "Asia/Shanghai"
start_urls = ["{base_url}/"]
allowed_domains = ["127.0.0.1"]
article_patterns = ['{ARTICLE_PATTERN}']
list_patterns = ['{LIST_PATTERN}']
max_depth = 8
schedule = "30m"
"""

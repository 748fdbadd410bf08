"""Thread shapes the post finder must read: icon-prefixed times, state classes, reply boxes, counters."""

from __future__ import annotations

from lxml import html

from pipelines.extract.threads import find_thread, opener_replies

REPLIES = [
    "我也遇到过这个问题，重启之后就好了。",
    "换一个浏览器试试，可能是缓存的原因。",
    "官方已经修复了，更新到最新版本即可。",
]


def _page(posts: str) -> str:
    return f'<html><body><div class="stream">{posts}</div></body></html>'


def test_time_after_an_icon_dates_the_post() -> None:
    # "<i class=clock></i> 3天前": the time is the tail of the icon, not any element's own text.
    posts = "".join(
        f'<div class="comment"><a class="author" href="/u/{i}">用户{i}</a>'
        f'<div class="body"><p>{text}</p></div>'
        f'<div class="meta"><i class="icon clock"></i> {i + 1}天前 <a href="#">评论</a></div></div>'
        for i, text in enumerate(REPLIES)
    )
    thread = find_thread(html.fromstring(_page(posts)))
    assert thread is not None and thread.posts == [[text] for text in REPLIES]
    assert thread.time == "1天前"


def test_state_classes_do_not_split_a_thread() -> None:
    # Modifier classes mark the opener's posts and the best answer; all posts still belong together.
    classes = ["Post Post--by-start-user", "Post", "Post--bestAnswer Post Post--edited"]
    posts = "".join(
        f'<div class="item"><article class="{cls}"><h3><a class="username" href="/u/{i}">用户{i}</a></h3>'
        f'<time datetime="2024-05-1{i}T10:00:00">{3 - i}天前</time><div class="Post-body"><p>{text}</p></div>'
        f"</article></div>"
        for i, (cls, text) in enumerate(zip(classes, REPLIES, strict=True))
    )
    thread = find_thread(html.fromstring(_page(posts)))
    assert thread is not None and thread.lines == REPLIES


def test_opening_post_with_an_extra_class_is_part_of_the_thread() -> None:
    classes = ["post first-post", "post", "post"]
    posts = "".join(
        f'<div class="{cls}" id="p{i}"><a class="author" href="/u/{i}">用户{i}</a>'
        f'<span class="date">2024-05-1{i} 10:0{i}</span><div class="message"><p>{text}</p></div></div>'
        for i, (cls, text) in enumerate(zip(classes, REPLIES, strict=True))
    )
    thread = find_thread(html.fromstring(_page(posts)))
    assert thread is not None and thread.lines == REPLIES
    assert thread.author == "用户0"


def test_content_is_the_box_that_holds_text_in_most_posts() -> None:
    # Every post has a nested-replies box; only one has a (long) reply in it.  The content is
    # each post's own text, not that box.
    nested = (
        '<div class="reply"><b class="name">路人甲</b><span class="time">1周前</span>'
        "<p>这个回复很长很长，比所有评论加起来还要长，说了很多与主题有关的话，也提到了解决办法和注意事项，"
        "还顺便介绍了自己遇到同样问题时的处理经过，以及后来如何彻底避免再次出现。</p></div>"
    )
    posts = "".join(
        f'<div class="comment"><span class="user-name">用户{i}</span><span class="time">{i + 2}天前</span>'
        f'<div class="detail"><p>{text}</p></div><div class="children">{nested if i == 0 else ""}</div></div>'
        for i, text in enumerate(REPLIES)
    )
    thread = find_thread(html.fromstring(_page(posts)))
    assert thread is not None and [post[0] for post in thread.posts] == REPLIES


def test_bare_counters_are_post_chrome() -> None:
    posts = "".join(
        f'<div class="comment"><a class="author" href="/u/{i}">用户{i}</a><span>2024-05-1{i} 10:00</span>'
        f'<div class="body">{text}<br><span class="likes">{i * 3 + 10}</span></div></div>'
        for i, text in enumerate(REPLIES)
    )
    thread = find_thread(html.fromstring(_page(posts)))
    assert thread is not None and thread.lines == REPLIES


def test_replies_nested_in_a_lone_comment_make_a_thread() -> None:
    # One top-level comment (numbered id) with a reply nested inside it, each with its buttons.
    reply = (
        '<div class="comment" id="reply-79"><a class="username" href="/u/2">用户2</a><small>10月前</small>'
        f'<div class="content"><span>{REPLIES[1]}</span></div><a class="op">回复</a></div>'
    )
    page = _page(
        '<div class="comment" id="reply-78"><a class="username" href="/u/1">用户1</a><small>10月前</small>'
        f'<div class="content"><span>{REPLIES[0]}</span></div><a class="op">回复 1</a>'
        f'<div class="children">{reply}</div></div>'
    )
    thread = find_thread(html.fromstring(page))
    assert thread is not None and thread.lines == REPLIES[:2]
    assert thread.author == "用户1"


def test_action_buttons_inside_the_content_are_post_chrome() -> None:
    posts = "".join(
        f'<div class="comment"><a class="author" href="/u/{i}">用户{i}</a><span>2024-05-1{i} 10:00</span>'
        f'<div class="body"><span>{text}</span><div class="ops">回复 {i + 2}</div><div class="ops">Like</div>'
        f"</div></div>"
        for i, text in enumerate(REPLIES)
    )
    thread = find_thread(html.fromstring(_page(posts)))
    assert thread is not None and thread.lines == REPLIES


def _replies_with_label(label: str) -> str:
    return _page(
        "".join(
            f'<div class="comment"><a class="author" href="/u/{i}">用户{i}</a><span class="tag">{label}</span>'
            f'<span>2024-05-1{i} 10:00</span><div class="body"><p>{text}</p></div></div>'
            for i, text in enumerate(REPLIES)
        )
    )


def test_opening_posters_badge_is_recognised() -> None:
    for badge in ("(楼主)", "[作者]", "OP"):
        thread = find_thread(html.fromstring(_replies_with_label(badge)))
        assert thread is not None and opener_replies(thread)
    # A bare "作者" is a common label, not a badge.
    thread = find_thread(html.fromstring(_replies_with_label("作者")))
    assert thread is not None and not opener_replies(thread)

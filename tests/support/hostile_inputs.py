"""Hostile inputs shared by the reliability tests (tests/unit/test_hostile_inputs.py, tests/e2e/test_hostile_*)."""

from __future__ import annotations

# A YAML "billion laughs": nine anchors, each a list of nine aliases of the one before (9**9 values once
# walked). PyYAML builds it as shared objects; expanding it took a worker to 2.8 GB.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)

_PAGE = (
    "<html><head><title>{title}</title></head><body><h1>{title}</h1>"
    "<p>青岛市南区今天召开会议，部署海洋经济发展工作。会议要求各部门加快推进重点项目建设，确保按期完成。</p>"
    "<p>与会人员表示，将把招商引资作为全年工作的重中之重，全力以赴抓落实。</p>{extra}</body></html>"
)


def page(title: str = "青岛部署海洋经济工作", extra: str = "") -> str:
    return _PAGE.format(title=title, extra=extra)


def document_corpus() -> dict[str, bytes]:
    """Hostile local documents (and sidecars, ``NAME.json``) by file name: each must end as a named,
    counted failure or a store, within its budget. Bytes as written to disk."""
    front = "---\ntitle: 青岛部署海洋经济工作\ndate: 2024-03-01 10:00\n{extra}---\n<p>青岛市南区今天召开会议，部署海洋经济发展工作。会议要求各部门加快推进重点项目建设。</p>\n"
    corpus: dict[str, bytes] = {
        "empty.txt": b"",
        "nul.html": b"\0" * 4096,
        "junk.txt": bytes(range(256)) * 64,
        "only-header.md": b"---\ntitle: x\n---\n",
        "no-close.md": b"---\ntitle: x\nno closing fence\n",
        "yaml-list.md": b"---\n- a\n- b\n---\n<p>body</p>\n",
        "yaml-python-tag.md": front.format(extra="x: !!python/object/apply:os.system ['true']\n").encode(),
        "yaml-bomb.md": front.format(extra=BOMB).encode(),
        "yaml-recursive.md": front.format(extra="r: &r [*r]\n").encode(),
        "yaml-tabs.md": front.format(extra="\tbad: indentation\n").encode(),
        "yaml-huge-title.md": ("---\ntitle: " + "青" * 100_000 + "\n---\n<p>正文。</p>\n").encode(),
        "date-bad-offset.md": front.replace("10:00", "10:00 +99:00").format(extra="").encode(),
        "date-year-0.md": front.replace("2024-03-01", "0000-00-00").format(extra="").encode(),
        "tz-path.md": front.format(extra="timezone: ../../etc/passwd\n").encode(),
        "title-list.md": front.replace("title: 青岛部署海洋经济工作", "title: [a, b]")
        .format(extra="")
        .encode(),
        "tags-mapping.md": front.format(extra="tags: {a: 1}\n").encode(),
        "not-utf8.md": front.format(extra="").encode("gb18030"),
        "bom-utf8.md": b"\xef\xbb\xbf" + front.format(extra="").encode(),
        "crlf.md": front.format(extra="").replace("\n", "\r\n").encode(),
        "deep.html": page(extra="<div>" * 5000 + "深" + "</div>" * 5000).encode(),
        "many-attributes.html": page(
            extra="<p " + " ".join(f"a{i}='{i}'" for i in range(2000)) + ">x</p>"
        ).encode(),
        "many-links.html": page(
            extra="".join(f'<a href="/{i}.html">链接{i}</a>' for i in range(5000))
        ).encode(),
        "script-only.html": b"<html><body><script>" + b"var a=1;" * 1000 + b"</script></body></html>",
        "unclosed-comment.html": page(extra="<!--" + "x" * 10000).encode(),
        "bidi.html": page(title="青岛\u202e新闻\u202c标题").encode(),
        "nul-in-text.html": page(extra="<p>中\0间</p>").encode(),
        "utf16-bom.html": page().encode("utf-16"),
        "utf16-nobom.html": page().encode("utf-16-le"),
        "utf7-meta.html": page(extra='<meta charset="utf-7">').encode(),
        "gbk-undeclared.html": page().encode("gbk"),
        "wrong-meta.html": page(extra='<meta charset="iso-8859-1">').encode(),
        "ebcdic-xml.html": b'<?xml version="1.0" encoding="cp500"?>' + page().encode(),
        "long-line.html": page(extra="<p>" + "长" * 1_000_000 + "</p>").encode(),
        "cdata.html": page(extra="<![CDATA[" + "x" * 1000 + "]]>").encode(),
        "ctrl\x1bname.html": page().encode(),
        "bad\nname\x1b[2J.txt": b"",  # fails (empty): its failure line must stay one line, escaped
        "sidecar-bad-json.html": page().encode(),
        "sidecar-bad-json.html.json": b"{not json",
        "sidecar-array.html": page().encode(),
        "sidecar-array.html.json": b"[1, 2]",
        "sidecar-unknown.html": page().encode(),
        "sidecar-unknown.html.json": b'{"colour": "red"}',
        "sidecar-naive-time.html": page().encode(),
        "sidecar-naive-time.html.json": b'{"fetched_at": "2024-03-01T10:00:00"}',
        "sidecar-headers-list.html": page().encode(),
        "sidecar-headers-list.html.json": b'{"headers": [1]}',
        "sidecar-unknown-encoding.html": page().encode(),
        "sidecar-unknown-encoding.html.json": b'{"encoding": "rot13"}',
        "sidecar-file-url.html": page().encode(),
        "sidecar-file-url.html.json": b'{"url": "file:///etc/passwd"}',
        "sidecar-js-url.html": page().encode(),
        "sidecar-js-url.html.json": b'{"url": "javascript:alert(1)"}',
        "sidecar-bad-zone.html": page().encode(),
        "sidecar-bad-zone.html.json": b'{"timezone": "../../etc/passwd"}',
        "sidecar-not-utf8.html": page().encode(),
        "sidecar-not-utf8.html.json": '{"url": "https://a.example/青"}'.encode("gbk"),
        "good.html": page("青岛地铁8号线开通运营").encode(),
        "good-copy.html": page("青岛地铁8号线开通运营").encode(),
    }
    return corpus

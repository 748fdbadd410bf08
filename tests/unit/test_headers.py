"""pipelines.headers is the one case-insensitive header look-up: dicts and (name, value) pairs, used
by every module that reads a header by name."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from pipelines.documents.seed_files import read_sidecar
from pipelines.extract.charsets import declared_charset
from pipelines.headers import header_key, header_value, with_header
from pipelines.warc.reader import StoredRecord
from pipelines.warc.reextract import decode_content

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_a_look_up_ignores_case_and_takes_the_first_header_of_the_name() -> None:
    pairs = [("Set-Cookie", "a=1"), ("content-TYPE", "text/html"), ("Content-Type", "text/plain")]
    assert header_value(pairs, "Content-Type") == "text/html"
    assert header_key(pairs, "CONTENT-type") == "content-TYPE"
    assert header_value({"ETag": '"x"', "Last-Modified": 3}, "etag") == '"x"'
    assert header_value({"Last-Modified": 3}, "last-modified") == "3"  # values as text
    assert header_value({"Content-Type": ""}, "content-type") == ""  # present, but empty
    assert header_value({"ETag": "x"}, "content-type") is None and header_key({}, "host") is None
    assert header_value(None, "host") is None and header_value([], "host") is None


def test_with_header_replaces_the_header_whatever_its_case() -> None:
    headers = {"content-type": "text/html", "X-A": "1", "CONTENT-TYPE": "text/plain"}
    assert with_header(headers, "Content-Type", "text/html; charset=gbk") == {
        "X-A": "1",
        "Content-Type": "text/html; charset=gbk",
    }
    assert headers["content-type"] == "text/html"  # a copy


def test_the_callers_read_headers_in_any_case(tmp_path: Path) -> None:
    assert declared_charset({"CONTENT-TYPE": "text/html; charset=gbk"}) == "gbk"
    record = StoredRecord("response", {}, "HTTP/1.1 200 OK", [("content-type", "text/html")])
    assert record.header("Content-Type") == "text/html"
    body, headers = decode_content(gzip.compress(b"<p>x</p>"), {"CONTENT-ENCODING": "gzip", "X": "1"})
    assert body == b"<p>x</p>" and headers == {"X": "1"}
    # A sidecar's encoding replaces its Content-Type header, in whatever case the sidecar wrote it.
    (tmp_path / "p.html.json").write_text(
        '{"headers": {"content-type": "text/html; charset=utf-8"}, "encoding": "gbk"}', encoding="utf-8"
    )
    headers = read_sidecar(tmp_path / "p.html", "p.html")["headers"]
    assert headers == {"Content-Type": "text/html; charset=gbk"}
    assert declared_charset(headers) == "gbk"


# A header name compared with lower(): `k.lower() == "content-type"`, `name.lower() == "host"`, or a dict
# re-keyed by lower-cased names for a look-up.
_COPY = re.compile(
    r"""\.lower\(\)\s*(?:==|!=)\s*(?:["'](?:content-|etag|last-modified|host|location|set-cookie)|name\b)"""
    r"""|\{\s*\w+\.lower\(\)\s*:\s*\w+\s+for\s+\w+,\s*\w+\s+in\s+[\w.]*headers"""
)


def test_no_module_looks_headers_up_by_itself() -> None:
    allowed = {REPO_ROOT / "pipelines" / "documents" / "headers.py"}
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for folder in ("crawler", "pipelines", "publish")
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        if path not in allowed
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _COPY.search(line)
    ]
    assert not found, "use pipelines.headers:\n" + "\n".join(found)
    for copy in (
        'content_type = next((v for k, v in page.headers.items() if k.lower() == "content-type"), None)',
        "return next((v for k, v in self.http_headers if k.lower() == name.lower()), None)",
        'if not any(name.lower() == "host" for name, _ in headers):',
        "headers = {k.lower(): v for k, v in known.headers.items()}",
    ):
        assert _COPY.search(copy), copy

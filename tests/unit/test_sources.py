"""Source definitions: the shipped file loads, malformed files get errors naming source and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.sources import SourcesError, adhoc_source, load_sources, parse_interval, select_sources

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED = load_sources(REPO_ROOT / "sources.toml")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_sources_start_with_the_users_channel() -> None:
    assert next(iter(SHIPPED)) == "ifeng-qingdao"
    ifeng = SHIPPED["ifeng-qingdao"]
    assert ifeng.region == "青岛" and ifeng.timezone == "Asia/Shanghai"
    assert any(re.search(p, "https://qd.ifeng.com/c/8XyZ12abCdE") for p in ifeng.article_patterns)
    assert any(re.search(p, "http://qd.ifeng.com/a/20190224/6829123_0.shtml") for p in ifeng.article_patterns)
    assert len(SHIPPED) >= 4
    assert {s.region for s in SHIPPED.values()} >= {"青岛", "山东"}


GOOD = """
[sources.demo]
name = "Demo"
start_urls = ["https://news.example.cn/"]
"""


def test_defaults_fill_in() -> None:
    source = select_sources(load_sources_from(GOOD), [])[0]
    assert source.allowed_domains == ("news.example.cn",)
    assert source.schedule == "1h" and source.timezone == "Asia/Shanghai"


def load_sources_from(text: str) -> dict:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return load_sources(write(Path(folder), text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD + 'schedule = "sometimes"\n', "source 'demo': field 'schedule' must be an interval or a cron"),
        (GOOD + 'timezone = "Mars/Olympus"\n', "source 'demo': field 'timezone' is not a known time zone"),
        (
            GOOD + "article_patterns = ['(unclosed']\n",
            "source 'demo': field 'article_patterns' has an invalid",
        ),
        (GOOD + "max_depth = -1\n", "source 'demo': field 'max_depth' must be a whole number"),
        (GOOD + "colour = 'red'\n", "source 'demo': field 'colour' is not a source field"),
        (
            GOOD.replace("https://news.example.cn/", "file:///etc/passwd"),
            "field 'start_urls' must hold http(s) URLs",
        ),
        (
            '[sources.demo]\nstart_urls = ["https://a.example.cn/"]\n',
            "source 'demo': field 'name' is required",
        ),
        ("[sources.demo]\nname = 'x'\n", "source 'demo': field 'start_urls' is required"),
        ("[sources]\n", "expected [sources.KEY] tables"),
        ("[sources.demo\n", "not valid TOML"),
        ('[sources."Bad Key"]\nname = "x"\n', "source 'Bad Key': keys are lower-case"),
    ],
)
def test_malformed_file_names_the_source_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SourcesError) as caught:
        load_sources(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_missing_file_and_unknown_source(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="no such sources file"):
        load_sources(tmp_path / "nope.toml")
    with pytest.raises(SourcesError, match="unknown source"):
        select_sources(SHIPPED, ["nope"])


def test_adhoc_source_stays_on_the_start_host() -> None:
    source = adhoc_source("https://www.example.cn/news/", article=(r"/\d+\.html$",))
    assert source.allowed_domains == ("www.example.cn",)
    with pytest.raises(SourcesError):
        adhoc_source("ftp://example.cn/")


def test_intervals() -> None:
    assert parse_interval("30m") == 1800 and parse_interval("1d") == 86400
    with pytest.raises(ValueError):
        parse_interval("soon")

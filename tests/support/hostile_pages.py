"""Pages whose markup costs the extractor more than their size suggests (issue 14), shared by
tests/unit/test_hostile_parse.py and the hostile corpus (tests/support/hostile_inputs.py).

CPU seconds of ``extract_page`` on a 2-core machine shared with other jobs (load 8-9), before and after
``pipelines.extract.sanitize`` (issue 14's report: 100,000 attributes took 222 s):

===========================  =================  =======  =====
page                         size               before   after
===========================  =================  =======  =====
attributes                   40,000             18.8     0.26
attributes (100,000)         1.5 MB             > 400 s wall, killed   0.31
attributes-markup-in-values  40,000             19.4     0.24
bare-attributes              40,000             13.1     0.24
empty-breaks                 200,000 <br>       13.5     0.20
empty-breaks (1,000,000)     4 MB               66.4     0.53
empty-elements               200,000 <i></i>    6.1      0.21
attribute-value              10 MB data: URI    3.0      0.23
===========================  =================  =======  =====

Linear before and left alone (bounded by the worker's budget and the size caps): deep nesting (20,000
levels: 0.26 s; libxml2 stops at depth 255), a 4 MB comment (0.19 s), one 6 MB text node (1.4 s), 200,000
tiny tags with text (5.5 s), a 40,000-row table (6.5 s), 100,000 links (8.3 s), 2,000,000 entities (3.9 s).
"""

from __future__ import annotations

from collections.abc import Callable

PARAGRAPH = (
    "<p>青岛市南区今天召开会议，部署海洋经济发展工作。会议要求各部门加快推进重点项目建设，确保按期完成。</p>"
    "<p>与会人员表示，将把招商引资作为全年工作的重中之重，全力以赴抓落实。</p>"
)
TITLE = "青岛部署海洋经济工作"


def around(extra: str) -> str:
    """A short Chinese news page with ``extra`` markup after its article."""
    return f"<html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1>{PARAGRAPH}{extra}</body></html>"


def attributes(n: int) -> str:
    return around("<p " + " ".join(f"a{i}='{i}'" for i in range(n)) + ">x</p>")


def attributes_with_markup_in_values(n: int) -> str:
    # "<" inside quoted values: a pre-pass that restarts at every "<" would read these as tags.
    return around("<p " + " ".join(f"a{i}='<b c{i}'" for i in range(n)) + ">x</p>")


def bare_attributes(n: int) -> str:
    return around("<p " + " ".join(f"a{i}" for i in range(n)) + ">x</p>")


def empty_breaks(n: int) -> str:
    return around("<p>" + "<br>" * n + "</p>")


def empty_elements(n: int) -> str:
    return around("<i></i>" * n)


def attribute_value(n: int) -> str:
    return around('<img alt="图" src="data:image/png;base64,' + "A" * n + '">')


def deep(n: int) -> str:
    return around("<div>" * n + "深" + "</div>" * n)


def comment(n: int) -> str:
    return around("<!--" + "x" * n + "-->")


def text_node(n: int) -> str:
    return around("<p>" + "长" * n + "</p>")


def tiny_tags(n: int) -> str:
    return around("<b>x</b>" * n)


def table(n: int) -> str:
    return around("<table>" + "<tr><td>格</td><td>子</td></tr>" * n + "</table>")


def unclosed_quotes(n: int) -> str:
    # Quotes never closed: a reader that looks for the closing quote from each one reads the page n times.
    return around("<p a='x>" * n)


def stray_lt(n: int) -> str:
    return around("<p>" + "<a" * n + "</p>")


# name: (page builder, a size that took seconds before the pre-pass or shows its cost is linear)
MARKUP: dict[str, tuple[Callable[[int], str], int]] = {
    "attributes": (attributes, 40_000),
    "attributes-markup-in-values": (attributes_with_markup_in_values, 40_000),
    "bare-attributes": (bare_attributes, 40_000),
    "empty-breaks": (empty_breaks, 200_000),
    "empty-elements": (empty_elements, 200_000),
    "attribute-value": (attribute_value, 20_000_000),
    "deep": (deep, 20_000),
    "comment": (comment, 4_000_000),
    "text-node": (text_node, 300_000),
    "tiny-tags": (tiny_tags, 10_000),
    "table": (table, 2_000),
    "unclosed-quotes": (unclosed_quotes, 20_000),
    "stray-lt": (stray_lt, 500_000),
}

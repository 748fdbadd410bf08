"""Which declared title is the headline: schema.org article headline, og:title, <title>, <h1>."""

from __future__ import annotations

from pipelines.extract import extract_page
from pipelines.extract.titles import article_headline, choose_headline, meta_titles


def test_article_headline_before_social_title() -> None:
    chosen = choose_headline(
        jsonld_headline="Council approves the harbour plan after a long night",
        meta_titles=["Harbour plan approved | The Coast Daily"],
        html_title="Harbour plan approved | The Coast Daily",
        h1="Council approves the harbour plan after a long night",
        site_name="The Coast Daily",
    )
    assert chosen == "Council approves the harbour plan after a long night"


def test_entities_in_jsonld_are_decoded() -> None:
    assert choose_headline(jsonld_headline="Mexico&#8217;s &#8216;illogical&#8217; tariffs") == (
        "Mexico\u2019s \u2018illogical\u2019 tariffs"
    )


def test_og_title_loses_its_site_suffix() -> None:
    chosen = choose_headline(meta_titles=["Storm closes the ferry | Coast Daily"], site_name="Coast Daily")
    assert chosen == "Storm closes the ferry"


def test_a_declared_title_that_is_the_site_name_is_skipped() -> None:
    chosen = choose_headline(
        meta_titles=["Coast Daily"],
        html_title="Storm closes the ferry - Coast Daily",
        h1="Storm closes the ferry",
        site_name="Coast Daily",
    )
    assert chosen == "Storm closes the ferry"


def test_a_truncated_declared_title_gives_way_to_a_whole_one() -> None:
    chosen = choose_headline(
        jsonld_headline="Storm closes the ferry and cuts the island off for...",
        meta_titles=["Storm closes the ferry and cuts the island off for two days"],
    )
    assert chosen == "Storm closes the ferry and cuts the island off for two days"


def test_title_holding_the_h1_gives_the_h1() -> None:
    chosen = choose_headline(
        html_title="Local | Storm closes the ferry | Coast Daily", h1="Storm closes the ferry"
    )
    assert chosen == "Storm closes the ferry"


def test_an_h1_unrelated_to_the_title_is_a_section_heading() -> None:
    # Why the <title>: an <h1> that the <title> does not hold names a box on the page ("Lorem",
    # "Health Center"), while the <title> names the document.
    assert choose_headline(html_title="Peanuts early may prevent allergy", h1="Allergies Health Center") == (
        "Peanuts early may prevent allergy"
    )


def test_an_h1_that_is_the_titles_last_segment_is_the_site() -> None:
    chosen = choose_headline(html_title="A few quick pre-sale questions – DW Q&A Pro", h1="DW Q&A Pro")
    assert chosen == "A few quick pre-sale questions"


def test_without_h1_the_extractors_guess_comes_before_a_bare_title() -> None:
    assert choose_headline(html_title="Nim forum", fallback="How to write it the Python way?") == (
        "How to write it the Python way?"
    )


def test_only_article_objects_give_a_headline() -> None:
    graph: list[dict[str, object]] = [
        {"@type": "WebSite", "headline": "Freie Presse - Nachrichten aus Chemnitz"},
        {"@type": ["NewsArticle"], "headline": "Hutfestival beginnt am Freitag"},
    ]
    assert article_headline(graph) == "Hutfestival beginnt am Freitag"
    assert article_headline([{"@type": "Organization", "headline": "x"}]) is None


def test_whole_page_prefers_the_article_headline() -> None:
    page = b"""<html lang="en"><head><title>Harbour plan approved | The Coast Daily</title>
    <meta property="og:title" content="Harbour plan approved | The Coast Daily">
    <meta property="og:site_name" content="The Coast Daily">
    <script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "headline": "The Coast Daily - news from the coast"},
      {"@type": "NewsArticle", "headline": "Council approves the harbour plan after a long night"}]}
    </script></head><body><article><h1>Council approves the harbour plan after a long night</h1>
    <p>The council approved the harbour plan at two in the morning after eleven hours of debate.</p>
    <p>Work on the new quay is to start in the spring and last three years, the mayor said.</p>
    </article></body></html>"""
    result = extract_page(page, "https://coast.example.org/news/harbour-plan")
    assert result is not None
    assert result.title == "Council approves the harbour plan after a long night"


def test_meta_titles_in_order_of_trust_and_space_separated_properties() -> None:
    meta = {
        "og:title twitter:title": "A title for sharing",
        "x:title dc:title": "The title of record",
        "parsely-title": "Parse.ly title",
        "og:description": "Not a title",
    }
    assert meta_titles(meta) == ["The title of record", "A title for sharing", "Parse.ly title"]

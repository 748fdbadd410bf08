"""A page that reached us already misread (pipelines.extract.decode.repair_mojibake): Chinese bytes decoded
with a Western code page and saved in that reading is read back and flagged; Latin-script text, however
accented, is never touched."""

from __future__ import annotations

import pytest

from pipelines.extract import extract_page
from pipelines.extract.decode import repair_mojibake

TITLE = "船长被游轮公司认定责任 贴近海岸让同事望家乡"
PARAGRAPHS = [
    "意大利游轮运营商首席执行官福斯基16日认定，船长“人为失误”导致游轮搁浅。",
    "福斯基16日在一场新闻发布会上说，船长未经许可，擅自使游轮偏离既定航线，导致触礁搁浅。",
    "“航线正确。游轮偏离既定路线的唯一原因是船长在公司不知情的情形下自作主张。”",
    "游轮13日行至这座岛附近时触礁，船舱进水，船体倾斜，最终搁浅。当地官员最新统计数字是，6人死亡。",
]
PAGE = (
    '<html><head><meta http-equiv="content-type" content="text/html; charset=GBK">'
    f"<title>{TITLE}-新闻中心</title></head><body>"
    '<div class="nav"><a href="/">首页</a> <a href="/news">新闻</a></div>'
    f'<h1>{TITLE}</h1><div class="time">2012年01月17日 17:04 来源：新华网</div>'
    '<div id="contentText">' + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div></body></html>"
)


def misread(text: str, encoding: str, code_page: str) -> bytes:
    """The page's bytes in ``encoding``, decoded with ``code_page`` and saved as UTF-8 (what a careless
    download tool does)."""
    return text.encode(encoding).decode(code_page).encode("utf-8")


def whatwg_1252(raw: bytes) -> str:
    """Windows-1252 as browsers read it: the five bytes it leaves undefined become C1 controls."""
    return "".join(
        chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252") for b in raw
    )


@pytest.mark.parametrize("code_page", ["iso-8859-15", "cp1252", "latin-1"])
def test_gbk_misread_with_a_western_code_page_is_read_back_and_flagged(code_page: str) -> None:
    body = misread(PAGE, "gbk", code_page)
    assert TITLE not in body.decode("utf-8")  # the stored page shows garbage
    article = extract_page(body, "http://news.example.com/20120117/n332.shtml")
    assert article.title == TITLE
    assert article.text == "\n".join(PARAGRAPHS)
    assert article.encoding == "gb18030"
    assert "encoding_repaired" in article.extraction_flags


def test_utf8_misread_as_browsers_read_windows_1252_is_read_back() -> None:
    body = whatwg_1252(PAGE.replace("charset=GBK", "charset=utf-8").encode("utf-8")).encode("utf-8")
    repaired = repair_mojibake(body.decode("utf-8"))
    assert repaired is not None
    assert (repaired.encoding, repaired.misread_as) == ("utf-8", "windows-1252")
    assert TITLE in repaired.text
    assert "encoding_repaired" in extract_page(body).extraction_flags


def test_the_code_page_that_gives_everyday_characters_wins() -> None:
    # ISO-8859-15 puts "Ž" at 0xB4 (船 is B4 AC in GBK): read back as windows-1252 the same text gives rare
    # characters ("幀硛被游轮…"), also valid GB18030.
    text = misread(PAGE, "gbk", "iso-8859-15").decode("utf-8")
    repaired = repair_mojibake(text)
    assert repaired is not None and repaired.misread_as == "iso-8859-15"
    assert TITLE in repaired.text


# Real text in Latin-script languages, as pages print it (article 1 of the Universal Declaration of Human
# Rights, the German Basic Law's first article, the opening of Don Quixote, Pascal).
LATIN = {
    "fr": "Tous les êtres humains naissent libres et égaux en dignité et en droits. Ils sont doués de raison "
    "et de conscience et doivent agir les uns envers les autres dans un esprit de fraternité. Le cœur a "
    "ses raisons que la raison ne connaît point ; on le sait en mille choses. Élève, façade, déjà, où, "
    "Noël, naïveté, l’été à Orléans.",
    "de": "Die Würde des Menschen ist unantastbar. Sie zu achten und zu schützen ist Verpflichtung aller "
    "staatlichen Gewalt. Das Deutsche Volk bekennt sich darum zu unverletzlichen und unveräußerlichen "
    "Menschenrechten als Grundlage jeder menschlichen Gemeinschaft, des Friedens und der Gerechtigkeit "
    "in der Welt. Größe, Füße, Äußerung, Öffentlichkeit, Übergröße, süß.",
    "es": "En un lugar de la Mancha, de cuyo nombre no quiero acordarme, no ha mucho tiempo que vivía un "
    "hidalgo de los de lanza en astillero, adarga antigua, rocín flaco y galgo corredor. ¿Qué día es "
    "hoy? ¡Mañana será otro día! Todos los seres humanos nacen libres e iguales en dignidad y derechos.",
    "pt": "Todos os seres humanos nascem livres e iguais em dignidade e em direitos. Dotados de razão e de "
    "consciência, devem agir uns para com os outros em espírito de fraternidade. Informações, condições, "
    "situações, não, irmãos, coração, ações, canções.",
}


def latin_page(lang: str) -> str:
    text = LATIN[lang]
    return (
        f'<html lang="{lang}"><head><meta charset="utf-8"><title>{text[:40]}</title></head><body>'
        f"<h1>{text[:40]}</h1>" + f"<p>{text}</p>" * 6 + "</body></html>"
    )


@pytest.mark.parametrize("lang", sorted(LATIN))
def test_latin_script_pages_are_never_repaired(lang: str) -> None:
    page = latin_page(lang)
    assert repair_mojibake(page) is None
    # Stored as UTF-8, and in the Western code page such pages are often served in.
    for body in (page.encode("utf-8"), page.replace("utf-8", "windows-1252").encode("cp1252")):
        article = extract_page(body, f"https://example.{lang}/a.html")
        assert "encoding_repaired" not in article.extraction_flags
        assert LATIN[lang][:60] in article.text


@pytest.mark.parametrize("lang", sorted(LATIN))
def test_latin_text_misread_itself_is_not_taken_for_chinese(lang: str) -> None:
    # "cafÃ©": UTF-8 read as windows-1252. Its bytes are UTF-8, but not Chinese: left as the page has it.
    assert repair_mojibake(misread(latin_page(lang), "utf-8", "cp1252").decode("utf-8")) is None


def test_a_chinese_page_read_right_is_left_alone() -> None:
    assert repair_mojibake(PAGE) is None
    article = extract_page(PAGE.encode("gbk"))
    assert article.title == TITLE and "encoding_repaired" not in article.extraction_flags

"""What readers and their software get from the built pages (issue 13): unique ids, preview
images, true times, German typography, year pages and the topic timeline.

Every test builds a real archive and reads the written files."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from reader_support import built_sample, html_pages, parse_html
from support import Archive, session_md, picture_bytes

# Headings an editor may well write that the theme uses as ids of its own sections.
THEME_WORDS_REPORT = """\
## Themen

Zuerst die Themen, siehe [unten](#ausblick-code-und-verstetigung) und [hier](#themen-2).

## Referierende

## Verwandt

## Main

## Themen

## 

### ###

## ???

## Ausblick: `Code` und [[Verstetigung]]
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Archive:
    return built_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def headings_archive(tmp_path_factory) -> Archive:
    """A small archive whose reports use the theme's own words as headings, twice and empty."""
    archive = Archive(tmp_path_factory.mktemp("headings"))
    archive.write("site.yaml", "title: Test\nsearch: false\n")
    archive.write("topics/verstetigung.md", "---\ntitle: Verstetigung\n---\n## Themen\n\n## Main\n")
    archive.write("pages/ueber.md", "---\ntitle: Über\n---\n## Main\n\n## Main\n")
    speakers = "\n  - name: Ada Muster\n    org: Kreis A"
    archive.write("sessions/a.md", session_md("A", "2024-05-16", THEME_WORDS_REPORT, number=1,
                                              topics="[Verstetigung]", speakers=speakers,
                                              next="\n  date: 2024-06-13"))
    archive.write("sessions/b.md", session_md("B", "2024-06-13", THEME_WORDS_REPORT, number=2,
                                              topics="[Verstetigung]", speakers=speakers))
    assert archive.build() == 0
    return archive


def _ids(html: str) -> list[str]:
    return [attrs["id"] for _, attrs in parse_html(html).elements if "id" in attrs]


@pytest.mark.parametrize("which", ["sample", "headings_archive"])
def test_ids_are_unique_and_valid_on_every_page(which, request):
    archive = request.getfixturevalue(which)
    pages = html_pages(archive.output)
    assert len(pages) > 10
    for url, path in pages.items():
        html = path.read_text(encoding="utf-8")
        ids = _ids(html)
        doubled = [i for i, n in Counter(ids).items() if n > 1]
        assert not doubled, f"{url}: ids used twice: {doubled}"
        assert all(i and not any(c.isspace() for c in i) for i in ids), f"{url}: empty or spaced id in {ids}"
        # every reference into the page finds its target
        page = parse_html(html)
        labels = [ref for _, attrs in page.elements for ref in attrs.get("aria-labelledby", "").split()]
        anchors = [a["href"][1:] for a in page.anchors if a.get("href", "").startswith("#") and len(a["href"]) > 1]
        missing = [ref for ref in labels + anchors if ref not in ids]
        assert not missing, f"{url}: references to missing ids {missing}"


def test_body_heading_ids_are_prefixed_numbered_and_never_empty(headings_archive):
    html = headings_archive.page("sitzungen/a/")
    assert '<h2 id="h-themen">Themen</h2>' in html
    assert '<h2 id="h-themen-2">Themen</h2>' in html
    assert '<h2 id="h-main">Main</h2>' in html
    assert '<h2 id="h-referierende">Referierende</h2>' in html
    assert "<h2></h2>" in html and "<h3></h3>" in html  # '## ' and '### ###' (CommonMark) get no id
    assert 'id=""' not in html and 'id="-1"' not in html
    assert '<h2 id="h-6">???</h2>' in html  # no letters to name it by: the sixth id of the body
    assert 'id="h-ausblick-code-und-verstetigung"' in html
    # in-page links name the heading as the editor sees it and reach its prefixed id
    assert '<a href="#h-ausblick-code-und-verstetigung">unten</a>' in html and '<a href="#h-themen-2">hier</a>' in html


# --- no invented times ------------------------------------------------------------------------

def _ics_lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_without_a_given_time_sessions_are_all_day_events(sample):
    calendar = _ics_lines(sample.output / "termine.ics")
    starts = [line for line in calendar if line.startswith("DTSTART;")]  # VTIMEZONE's own are 'DTSTART:'
    ends = [line for line in calendar if line.startswith("DTEND")]
    assert len(starts) == 8 and len(ends) == 8  # 8 reports (the newest announces nothing)
    assert all(line.startswith("DTSTART;VALUE=DATE:") and len(line) == len("DTSTART;VALUE=DATE:20240516")
               for line in starts)
    assert "DTSTART;VALUE=DATE:20240905" in starts and "DTEND;VALUE=DATE:20240906" in ends
    own = _ics_lines(sample.output / "sitzungen/2024-09-05-verstetigung/termin.ics")
    assert "DTSTART;VALUE=DATE:20240905" in own and "DTEND;VALUE=DATE:20240906" in own
    assert not [line for line in calendar + own if "TZID=" in line and line.startswith("DT")]
    html = sample.page("sitzungen/2024-09-05-verstetigung/")
    assert "Uhr" not in parse_html(html).plain
    [event] = [e for e in _json_ld(html)]
    assert (event["startDate"], event["endDate"]) == ("2024-09-05", "2024-09-05")


def _json_ld(html: str) -> list[dict]:
    import json

    return [json.loads(text) for text in parse_html(html).json_ld()]


def test_a_time_appears_where_the_session_or_site_gives_one(archive):
    archive.write("site.yaml", 'search: false\nevent_start: "09:30"\n')
    archive.write("sessions/a.md", session_md("A", "2024-09-05"))
    archive.write("sessions/b.md", session_md("B", "2024-09-12", time='"14:00"', end='"15:30"'))
    assert archive.build() == 0
    a, b = archive.page("sitzungen/a/"), archive.page("sitzungen/b/")
    assert "09:30 Uhr" in parse_html(a).plain.replace("\u00a0", " ") and "09:30–" not in parse_html(a).plain
    assert "14:00–15:30 Uhr" in parse_html(b).plain.replace("\u00a0", " ")
    ics_a = _ics_lines(archive.output / "sitzungen/a/termin.ics")
    assert "DTSTART;TZID=Europe/Berlin:20240905T093000" in ics_a
    assert not [line for line in ics_a if line.startswith("DTEND")]  # no end known: none made up
    assert "DTEND;TZID=Europe/Berlin:20240912T153000" in _ics_lines(archive.output / "sitzungen/b/termin.ics")
    [event] = _json_ld(a)
    assert event["startDate"] == "2024-09-05T09:30:00+02:00" and "endDate" not in event


def test_an_end_without_a_start_in_site_yaml_is_an_error(archive, capsys):
    archive.write("site.yaml", 'event_end: "11:00"\n')
    archive.write("sessions/a.md", session_md())
    assert archive.build() == 1
    assert "site.yaml:1: 'event_end' needs an 'event_start'" in capsys.readouterr().err


# --- preview images ---------------------------------------------------------------------------

def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_every_page_has_a_preview_image_that_exists(sample):
    base = "https://example.org/kaffee/"
    pages = html_pages(sample.output)
    for url, path in pages.items():
        page = parse_html(path.read_text(encoding="utf-8"))
        [image] = page.meta("og:image")
        [alt] = page.meta("og:image:alt")
        assert image.startswith(base) and alt, url
        assert page.meta("twitter:card") == ["summary_large_image"], url
        target = sample.output / image.removeprefix(base)
        assert target.is_file(), f"{url}: {image} was not written"
        if target.suffix == ".png":
            assert _png_size(target.read_bytes()) == (1200, 630)
            assert page.meta("og:image:width") == ["1200"] and page.meta("og:image:height") == ["630"]
    session = parse_html(sample.page("sitzungen/2024-09-05-verstetigung/"))
    assert session.meta("og:image") == [base + "sitzungen/2024-09-05-verstetigung/card.png"]
    assert session.meta("og:image:alt") == [
        "Verstetigung – wie Wissen im Landkreis bleibt (Smarter Kaffee Nr.\u00a04, 5.\u00a0September\u00a02024)"]
    topic = parse_html(sample.page("themen/verstetigung/seite/2/") if (sample.output / "themen/verstetigung/seite/2").is_dir()
                       else sample.page("themen/verstetigung/"))
    assert topic.meta("og:image") == [base + "themen/verstetigung/card.png"]
    assert parse_html(sample.page("personen/")).meta("og:image") == [base + "card.png"]


def test_every_event_has_an_image(sample):
    sessions = [p for u, p in html_pages(sample.output).items()
                if u.startswith("sitzungen/") and u.count("/") == 2 and not u.split("/")[1].isdigit()]
    assert len(sessions) == 8
    # an invented report (example: true) describes no event to search engines: the real one alone does
    events = [path for path in sessions if _json_ld(path.read_text(encoding="utf-8"))]
    assert [path.parent.name for path in events] == ["2024-09-05-verstetigung"]
    for path in events:
        [event] = _json_ld(path.read_text(encoding="utf-8"))
        assert event["image"] and all(url.startswith("https://example.org/kaffee/") for url in event["image"])
        assert (sample.output / event["image"][0].removeprefix("https://example.org/kaffee/")).is_file()


def test_cards_are_the_same_bytes_in_every_build_and_kept_by_a_cached_one(archive):
    archive.write("site.yaml", "title: Test\nsearch: false\n")
    archive.write("sessions/a.md", session_md('"Öffentliche Räume: Größe zählt »Smarter Kaffee«"', "2024-09-05", number=4))
    assert archive.build() == 0
    card = archive.output / "sitzungen/a/card.png"
    first = card.read_bytes()
    assert _png_size(first) == (1200, 630)
    card.unlink()
    assert archive.build() == 0
    assert card.read_bytes() == first
    stamp = card.stat().st_mtime_ns
    assert archive.build() == 0 and card.stat().st_mtime_ns == stamp  # unchanged: not redrawn
    archive.write("sessions/a.md", session_md("Ein anderer Titel", "2024-09-05", number=4))
    assert archive.build() == 0 and card.read_bytes() != first


def test_a_site_image_stands_in_where_a_page_has_none(archive):
    archive.write("site.yaml", "title: Test\nsearch: false\nbase_url: https://example.org/\n"
                               "image:\n  src: media/logo.png\n  alt: Das Logo der Reihe\n")
    archive.write("media/logo.png", picture_bytes())
    archive.write("media/foto.jpg", picture_bytes("JPEG"))
    archive.write("sessions/a.md", session_md("A", "2024-09-05"))
    archive.write("sessions/b.md", session_md("B", "2024-09-12", image="\n  src: media/foto.jpg\n  alt: Ein Foto"))
    assert archive.build() == 0
    a, b = parse_html(archive.page("sitzungen/a/")), parse_html(archive.page("sitzungen/b/"))
    # each in its preview file (images/: 1200 wide, or as wide as the picture; 8 px here)
    [logo], [foto] = a.meta("og:image"), b.meta("og:image")
    assert re.fullmatch(r"https://example\.org/media/logo-8\.\w{12}\.png", logo) and a.meta("og:image:alt") == ["Das Logo der Reihe"]
    assert re.fullmatch(r"https://example\.org/media/foto-8\.\w{12}\.jpg", foto) and b.meta("og:image:alt") == ["Ein Foto"]
    assert (archive.output / logo.removeprefix("https://example.org/")).is_file()
    assert not list(archive.output.rglob("card.png"))  # with a site image no card is drawn
    [event] = _json_ld(archive.page("sitzungen/a/"))
    assert event["image"] == [logo]


def test_the_card_font_has_every_german_letter():
    from PIL import Image, ImageDraw

    from kaffee_site.outputs.card_image import font as card_font

    font = card_font(True, 60)

    def drawn(text: str) -> bytes:
        image = Image.new("L", (120, 100))
        ImageDraw.Draw(image).text((10, 10), text, font=font, fill=255)
        return image.tobytes()

    missing = drawn("\U0001F600")  # no emoji in Lato: the box it draws for a missing glyph
    assert [ch for ch in "ÖÄÜöäüß–—»«„“”‘’…" if drawn(ch) == missing] == []


# --- German typography ----------------------------------------------------------------------

def _visible(html: str) -> str:
    """The page's text with its spaces as written: only breakable whitespace is folded (not U+00A0)."""
    return re.sub(r"[ \t\r\n]+", " ", "".join(parse_html(html).text))


def test_no_breakable_space_inside_numbers_dates_and_times(sample):
    archive_page = sample.page("sitzungen/")
    assert "(Nr.\u00a01)" in archive_page and not re.search(r"Nr\. \d", _visible(archive_page))
    session = sample.page("sitzungen/2024-09-05-verstetigung/")
    assert "Smarter Kaffee Nr.\u00a04" in session
    assert ">5.\u00a0September\u00a02024</time>" in session
    months = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
              "Oktober", "November", "Dezember")
    for url, path in html_pages(sample.output).items():
        text = _visible(path.read_text(encoding="utf-8"))
        assert not re.search(r"Nr\. \d|\d Uhr", text), url
        for month in months:
            assert f". {month}" not in text and f"{month} 20" not in text, f"{url}: a date breaks at a space"


def test_the_page_language_drives_hyphenation():
    css = (Path(__file__).resolve().parent.parent / "templates/static/style.css").read_text(encoding="utf-8")
    body = css.split("body {", 1)[1].split("}", 1)[0]
    assert "hyphens: auto" in body


# --- year pages, the topic timeline and map ---------------------------------------------------

def test_year_pages_list_that_years_sessions_and_are_linked_from_the_archive(sample):
    archive_page = parse_html(sample.page("sitzungen/"))
    years = [a["href"] for a in archive_page.anchors if a["href"] in ("/kaffee/sitzungen/2024/", "/kaffee/sitzungen/2025/")]
    assert set(years) == {"/kaffee/sitzungen/2024/", "/kaffee/sitzungen/2025/"}
    page = parse_html(sample.page("sitzungen/2024/"))
    listed = {a["href"] for a in page.anchors if a["href"].startswith("/kaffee/sitzungen/2024-")}
    assert len(listed) == 7 and all("2025-" not in href for href in listed)
    assert "Sitzungen 2024" in page.plain
    current = [a for a in page.anchors if a.get("aria-current") == "page"]
    assert [a["href"] for a in current] == ["/kaffee/sitzungen/2024/"]


def test_a_topic_page_draws_its_sessions_per_year_and_links_each_year(sample):
    html = sample.page("themen/verstetigung/")
    svg = html.split('<figure class="timeline"', 1)[1].split("</figure>", 1)[0]
    links = parse_html(svg).anchors
    assert [a["href"] for a in links] == ["/kaffee/sitzungen/2024/", "/kaffee/sitzungen/2025/"]
    assert all(a["aria-label"].startswith(("2024: ", "2025: ")) for a in links)
    assert 'class="carried"' in svg


def test_the_topic_map_has_horizontal_labels_and_a_link_per_topic(sample):
    html = sample.page("themen/")
    svg = html.split('<figure class="topic-map">', 1)[1].split("</figure>", 1)[0]
    assert "rotate(" not in svg and "<tspan" in svg
    links = {a["href"] for a in parse_html(svg).anchors}
    assert len(links) == 10 and all(href.startswith("/kaffee/themen/") for href in links)
    width = float(svg.split('width="', 1)[1].split('"', 1)[0])
    assert width <= 288  # fits a 320 px phone at full size


# --- wording and layout --------------------------------------------------------------------------

def test_inflected_forms_match_but_are_not_shown(sample):
    html = sample.page("themen/open-data/")
    assert "Auch: offene Daten" in html and "offenen Daten" not in parse_html(html).plain.split("Auch:")[1][:40]
    assert "interkommunalen" not in parse_html(sample.page("themen/interkommunale-zusammenarbeit/")).plain.split("Besprochen")[0]


def test_a_speakers_organisation_is_written_once(archive):
    archive.write("site.yaml", "search: false\n")
    archive.write("sessions/a.md", session_md("A", "2024-09-05", speakers=(
        "\n  - name: Ada Muster\n    org: Kreis A\n  - name: Bo Beispiel\n    org: Kreis A"
        "\n  - name: Cem Probe\n    org: Amt B\n  - name: Dana Ohne")))
    assert archive.build() == 0
    html = archive.page("sitzungen/a/")
    speakers = html.split('<ul class="speakers">', 1)[1].split("</ul>", 1)[0]
    assert speakers.count(">Kreis A</a>") == 1 and speakers.count("<li>") == 3
    text = re.sub(r"\( ", "(", re.sub(r" ([,)])", r"\1", parse_html(speakers).plain))
    assert text == "Ada Muster, Bo Beispiel (Kreis A) Cem Probe (Amt B) Dana Ohne"


def test_a_report_with_three_headings_gets_a_table_of_contents(headings_archive, archive):
    html = headings_archive.page("sitzungen/a/")
    toc = html.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="#h-themen">Themen</a>' in toc and '<a href="#h-themen-2">Themen</a>' in toc
    archive.write("site.yaml", "search: false\n")
    archive.write("sessions/a.md", session_md("A", "2024-09-05", "## Eins\n\n## Zwei\n"))
    assert archive.build() == 0
    assert 'class="toc"' not in archive.page("sitzungen/a/")


def test_the_start_page_says_what_the_archive_is_and_the_404_page_offers_search(sample):
    home = parse_html(sample.page(""))
    h1 = sample.page("").split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert h1 == "Berichte aus den Sitzungen von »Smarter Kaffee«"
    missing = parse_html(sample.page("404.html"))
    forms = [attrs for tag, attrs in missing.elements if tag == "form"]
    assert forms and forms[0]["action"] == "/kaffee/suche/" and forms[0]["role"] == "search"
    assert any(tag == "input" and attrs.get("name") == "q" for tag, attrs in missing.elements)
    assert home.meta("og:image")


def test_search_results_can_be_labelled_and_filtered_from_the_pages_metadata(sample):
    session = sample.page("sitzungen/2024-09-05-verstetigung/")
    assert 'data-pagefind-meta="kind:session"' in session and 'data-pagefind-meta="year:2024"' in session
    assert 'data-pagefind-meta="date:5.\u00a0September\u00a02024"' in session
    assert 'data-pagefind-meta="kind:topic"' in sample.page("themen/verstetigung/")
    assert 'data-pagefind-meta="kind:person"' in sample.page("personen/frederik-ludwig/")
    search = parse_html(sample.page("suche/"))
    kinds = [attrs["value"] for tag, attrs in search.elements if tag == "input" and attrs.get("name") == "kind"]
    years = [attrs["value"] for tag, attrs in search.elements if tag == "option"]
    assert kinds == ["", "session", "topic", "person"] and years == ["", "2025", "2024"]


@pytest.mark.parametrize("yaml_text, message", [
    ("image:\n  src: media/fehlt.png\n  alt: Logo\n", "site.yaml:2: the image 'media/fehlt.png' does not exist"),
    ("image:\n  src: media/logo.png\n", "site.yaml:1: the image has no alt text"),
    ("image:\n  src: ../logo.png\n  alt: Logo\n", "site.yaml:2: the image '../logo.png' must be a file under media/"),
    ("image: logo.png\n", "site.yaml:1: 'image' must have 'src' and 'alt'"),
])
def test_a_wrong_site_image_is_an_error_at_its_line(archive, capsys, yaml_text, message):
    archive.write("site.yaml", yaml_text)
    archive.write("media/logo.png", picture_bytes())
    archive.write("sessions/a.md", session_md())
    assert archive.build() == 1
    assert message in capsys.readouterr().err


def test_cards_take_the_theme_colours_of_site_yaml(archive):
    from PIL import Image

    archive.write("site.yaml", 'search: false\ntheme:\n  accent: "#0b5cad"\n  background: "#ffffff"\n')
    archive.write("sessions/a.md", session_md("A", "2024-09-05"))
    assert archive.build() == 0
    with Image.open(archive.output / "sitzungen/a/card.png") as card:
        assert card.size == (1200, 630)
        colours = card.convert("RGB").getcolors(maxcolors=1 << 16)
    used = {rgb for _, rgb in colours}
    assert (0x0b, 0x5c, 0xad) in used and (0xff, 0xff, 0xff) in used  # the accent stripe, the background

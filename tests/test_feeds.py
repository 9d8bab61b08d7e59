"""Atom feeds: the archive's feed.xml and one per topic, read with an XML parser."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from reader_support import ATOM, BASE, built_sample, html_pages, parse_html
from support import Archive, session_md

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Archive:
    return built_sample(tmp_path_factory.mktemp("feeds"), "search: false")


def _feed(archive: Archive, rel: str = "feed.xml") -> ET.Element:
    return ET.parse(archive.output / rel).getroot()


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [v for k, v in attrs if k in ("href", "src") and v]


def _hrefs(html: str) -> list[str]:
    parser = _Hrefs()
    parser.feed(html)
    return parser.hrefs


def test_the_feed_has_every_session_newest_first_with_stable_absolute_ids(sample: Archive):
    feed = _feed(sample)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    sessions = sorted((p for p in html_pages(sample.output) if p.startswith("sitzungen/") and p != "sitzungen/"
                       and not p.split("/")[1].isdigit()))  # not the year pages (sitzungen/2024/)
    assert len(entries) == len(sessions) == 8
    published = [e.findtext(f"{ATOM}published") for e in entries]
    assert published == sorted(published, reverse=True)
    for entry in entries:
        url = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        assert url.startswith(BASE + "sitzungen/")
        assert entry.findtext(f"{ATOM}id") == url
        assert (sample.output / url.removeprefix(BASE) / "index.html").is_file()
    assert feed.findtext(f"{ATOM}id") == BASE + "feed.xml"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == BASE + "feed.xml"
    assert feed.find(f"{ATOM}author/{ATOM}name").text


def test_updated_comes_from_the_newest_session_not_the_clock(sample: Archive):
    feed = _feed(sample)
    newest = feed.find(f"{ATOM}entry")
    assert newest.findtext(f"{ATOM}title") == "KI in der Kreisverwaltung – gemeinsam statt allein"
    # 16 January 2025 in Germany (winter time); no time is known, so the day's beginning
    assert newest.findtext(f"{ATOM}updated") == "2025-01-16T00:00:00+01:00"
    assert feed.findtext(f"{ATOM}updated") == "2025-01-16T00:00:00+01:00"


def test_entries_carry_the_full_report_with_links_made_absolute_by_xml_base(sample: Archive):
    entry = _feed(sample).find(f"{ATOM}entry")
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    html = content.text
    assert "<h2" in html and "Mustertal: ein Assistent für das Bürgertelefon" in html
    # an invented report says so in the feed too, as on its page
    assert html.startswith("<p><strong>Erfundenes Beispiel.</strong> Dieser Bericht ist erfunden")
    base = content.get(XML_BASE)
    assert base == entry.find(f"{ATOM}link").get("href")
    hrefs = _hrefs(html)
    assert any(h.startswith("/kaffee/") for h in hrefs), "the sample report has root-relative links"
    for href in hrefs:
        if href.startswith("#"):
            continue
        resolved = urljoin(base, href)
        assert resolved.startswith("https://"), resolved
        if resolved.startswith(BASE):
            path = resolved.removeprefix(BASE).split("#")[0]
            target = sample.output / path / "index.html" if path.endswith("/") or not path else sample.output / path
            assert target.is_file(), f"{href} resolves to {resolved}, which does not exist"
    terms = [c.get("term") for c in entry.findall(f"{ATOM}category")]
    assert terms == ["interkommunale-zusammenarbeit", "verstetigung"]


def test_every_topic_has_a_feed_linked_from_its_page(sample: Archive):
    topic_pages = [p for p in html_pages(sample.output) if p.startswith("themen/") and p.count("/") == 2]
    assert len(topic_pages) == 10  # nine topic files and one topic named only by a session
    for url_path in topic_pages:
        feed = _feed(sample, url_path + "feed.xml")
        title = parse_html(sample.page(url_path)).plain
        assert feed.findtext(f"{ATOM}title").split(" – ")[0] in title
        page = parse_html(sample.page(url_path))
        assert page.link_hrefs("alternate", "application/atom+xml") == [BASE + "feed.xml", BASE + url_path + "feed.xml"]
        for entry in feed.findall(f"{ATOM}entry"):
            assert entry.findtext(f"{ATOM}id").startswith(BASE + "sitzungen/")


def test_a_topic_feed_announces_the_sessions_that_carry_the_topic(sample: Archive):
    feed = _feed(sample, "themen/verstetigung/feed.xml")
    entries = feed.findall(f"{ATOM}entry")
    data = json.loads((sample.output / "daten/sessions.json").read_text(encoding="utf-8"))
    carrying = [s["url"] for s in reversed(data["sessions"]) if "Verstetigung" in s["topics"]]
    assert [e.findtext(f"{ATOM}id") for e in entries] == carrying and len(carrying) == 2
    assert feed.find(f"{ATOM}link[@rel='alternate']").get("href") == BASE + "themen/verstetigung/"
    # summaries and links only: the full reports are in the archive's feed
    assert all(e.find(f"{ATOM}content") is None and e.findtext(f"{ATOM}summary") for e in entries)


def test_every_page_links_the_site_feed(sample: Archive):
    for url_path, path in html_pages(sample.output).items():
        if url_path.startswith("themen/") and url_path.count("/") == 2:
            continue  # topic pages also link their own feed: checked above
        page = parse_html(path.read_text(encoding="utf-8"))
        assert page.link_hrefs("alternate", "application/atom+xml") == [BASE + "feed.xml"], url_path


def test_topics_with_any_characters_get_a_well_formed_feed(archive: Archive):
    name = "C++ & »KI« <Daten> \"quoted\" 🤖"
    archive.write("site.yaml", "base_url: https://example.org/\nsearch: false\n")
    archive.write("sessions/a.md", session_md("Titel mit <b>&amp; Zeichen", "2024-03-07",
                                              topics=f"['{name}']", body="Text mit \x0b Steuerzeichen & <tag>."))
    assert archive.build() == 0
    feeds = sorted(archive.output.glob("themen/*/feed.xml"))
    assert len(feeds) == 1
    feed = ET.parse(feeds[0]).getroot()
    assert feed.findtext(f"{ATOM}title").startswith(name)
    entry = feed.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Titel mit <b>&amp; Zeichen"
    content = _feed(archive).find(f"{ATOM}entry/{ATOM}content").text  # the full report: in the site's feed
    assert "Steuerzeichen &amp; &lt;tag&gt;" in content


def test_ids_stay_the_same_when_sessions_are_added(archive: Archive):
    archive.write("site.yaml", "base_url: https://example.org/\nsearch: false\n")
    archive.write("sessions/a.md", session_md("A", "2024-03-07"))
    assert archive.build() == 0
    before = [e.findtext(f"{ATOM}id") for e in _feed(archive).findall(f"{ATOM}entry")]
    archive.write("sessions/b.md", session_md("B", "2024-04-04"))
    assert archive.build() == 0
    after = [e.findtext(f"{ATOM}id") for e in _feed(archive).findall(f"{ATOM}entry")]
    assert after == ["https://example.org/sitzungen/b/"] + before


def test_without_a_host_in_base_url_ids_are_still_uris(archive: Archive):
    archive.write("site.yaml", "base_url: /kaffee/\nsearch: false\n")
    archive.write("sessions/a.md", session_md("A", "2024-03-07"))
    assert archive.build() == 0
    feed = _feed(archive)
    entry_id = feed.find(f"{ATOM}entry").findtext(f"{ATOM}id")
    assert entry_id.startswith("urn:uuid:")
    assert feed.findtext(f"{ATOM}id").startswith("urn:uuid:") and feed.findtext(f"{ATOM}id") != entry_id


def test_an_empty_archive_has_an_empty_feed_with_a_fixed_date(archive: Archive):
    archive.write("site.yaml", "search: false\n")
    assert archive.build() == 0
    feed = _feed(archive)
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.findtext(f"{ATOM}updated") == "1970-01-01T00:00:00Z"


def test_the_site_feed_carries_the_newest_feed_limit_reports(archive: Archive, capsys):
    archive.write("site.yaml", "title: T\nbase_url: https://example.org/\nsearch: false\nfeed_limit: 2\n")
    for day in ("2024-01-11", "2024-02-08", "2024-03-14"):
        archive.write(f"sessions/{day}-s.md", session_md(f"Sitzung {day}", day))
    assert archive.build() == 0
    feed = ET.parse(archive.output / "feed.xml").getroot()
    titles = [e.find(f"{ATOM}title").text for e in feed.iter(f"{ATOM}entry")]
    assert titles == ["Sitzung 2024-03-14", "Sitzung 2024-02-08"]
    archive.write("site.yaml", "title: T\nbase_url: https://example.org/\nsearch: false\nfeed_limit: 0\n")
    assert archive.build() == 1
    assert "site.yaml:4: 'feed_limit' must be a whole number of at least 1" in capsys.readouterr().err

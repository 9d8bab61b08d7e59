"""What search engines and social previews read: JSON-LD, meta tags, canonical links, sitemap, robots."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

import pytest
from reader_support import BASE, SITEMAP, built_sample, html_pages, parse_html
from support import Archive, session_md

HOSTILE = "</script><script>alert(1)</script>"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Archive:
    return built_sample(tmp_path_factory.mktemp("structured"), "search: false", "organizer: Smarte.Land.Regionen")


def _json_ld(html: str) -> list[dict]:
    return [json.loads(text) for text in parse_html(html).json_ld()]


def test_a_session_page_describes_an_online_event(sample: Archive):
    url_path = "sitzungen/2024-09-05-verstetigung/"
    [event] = _json_ld(sample.page(url_path))
    assert event["@context"] == "https://schema.org" and event["@type"] == "Event"
    assert event["name"] == "Verstetigung – wie Wissen im Landkreis bleibt"
    # no report or site.yaml gives a time: the day alone (schema.org Date)
    assert (event["startDate"], event["endDate"]) == ("2024-09-05", "2024-09-05")
    assert event["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    assert event["location"]["@type"] == "VirtualLocation" and event["location"]["url"] == BASE + url_path
    assert event["organizer"] == {"@type": "Organization", "name": "Smarte.Land.Regionen", "url": BASE}
    assert event["url"] == BASE + url_path
    # the drawn card first (social sites show no SVG), then the report's own picture
    assert event["image"] == [BASE + url_path + "card.png", BASE + "media/smarter-kaffee.svg"]
    performers = {p["name"]: p for p in event["performer"]}
    assert set(performers) == {"Franziska Stader", "Joanna Hüffelmann", "Frederik Ludwig"}
    # an invented report describes no event: a search engine would not see the notice on its page
    assert _json_ld(sample.page("sitzungen/2025-01-16-ki-interkommunal/")) == []
    stader = performers["Franziska Stader"]
    assert stader["@type"] == "Person" and stader["url"] == BASE + "personen/franziska-stader/"
    assert stader["affiliation"] == {"@type": "Organization", "name": "Prognos AG",
                                     "url": BASE + "organisationen/prognos-ag/"}


def test_a_speaker_page_describes_a_person(sample: Archive):
    [person] = _json_ld(sample.page("personen/franziska-stader/"))
    assert person["@type"] == "Person" and person["name"] == "Franziska Stader"
    assert person["url"] == BASE + "personen/franziska-stader/"
    assert [o["name"] for o in person["affiliation"]] == ["Prognos AG"]
    listed = [BASE + a["href"].removeprefix("/kaffee/") for a in parse_html(sample.page("personen/franziska-stader/")).anchors
              if a["href"].startswith("/kaffee/sitzungen/") and a["href"].count("/") == 4]
    assert [e["url"] for e in person["performerIn"]] == listed and len(listed) == 1
    assert [e["startDate"] for e in person["performerIn"]] == ["2024-09-05"]
    assert all(e["@type"] == "Event" for e in person["performerIn"])


def test_no_title_can_close_the_script_element(archive: Archive):
    archive.write("site.yaml", "base_url: https://example.org/\nsearch: false\n")
    archive.write("sessions/a.md", session_md(f"'{HOSTILE}'", "2024-03-07",
                                              speakers=f"[{{name: '{HOSTILE} Name', org: '<!-- & Org'}}]"))
    assert archive.build() == 0
    for url_path in ("sitzungen/a/", "personen/script-script-alert-1-script-name/"):
        html = archive.page(url_path)
        page = parse_html(html)
        assert len(page.json_ld()) == 1, url_path
        assert [attrs.get("type") for attrs, _ in page.scripts] == ["application/ld+json"], "no script was injected"
        assert "<script>alert" not in html
    [event] = _json_ld(archive.page("sitzungen/a/"))
    assert event["name"] == HOSTILE
    assert event["performer"][0]["name"] == HOSTILE + " Name"
    assert event["performer"][0]["affiliation"]["name"] == "<!-- & Org"


def test_every_page_has_description_canonical_and_social_meta(sample: Archive):
    pages = html_pages(sample.output)
    assert len(pages) > 30
    for url_path, path in pages.items():
        page = parse_html(path.read_text(encoding="utf-8"))
        description = page.meta("description")
        assert len(description) == 1 and 0 < len(description[0]) <= 200, url_path
        assert page.meta("og:description") == description
        assert page.meta("og:title") and page.meta("og:site_name") and page.meta("twitter:card"), url_path
        if url_path == "404.html":
            assert page.link_hrefs("canonical") == [] and page.meta("robots") == ["noindex"]
            continue
        assert page.link_hrefs("canonical") == [BASE + url_path], url_path
        assert page.meta("og:url") == [BASE + url_path]


def test_a_session_with_an_svg_picture_is_previewed_by_its_card(sample: Archive):
    # social sites do not show SVG, so the drawn card stands in (issue 13); the page still shows the picture
    page = parse_html(sample.page("sitzungen/2025-01-16-ki-interkommunal/"))
    assert page.meta("og:image") == [BASE + "sitzungen/2025-01-16-ki-interkommunal/card.png"]
    assert page.meta("og:image:alt") == ["KI in der Kreisverwaltung – gemeinsam statt allein "
                                         "(Smarter Kaffee Nr.\u00a08, 16.\u00a0Januar\u00a02025)"]
    assert page.meta("og:type") == ["article"]
    assert page.meta("twitter:card") == ["summary_large_image"]
    assert (sample.output / "media/smarter-kaffee.svg").is_file()
    plain = parse_html(sample.page("themen/"))
    assert plain.meta("og:image") == [BASE + "card.png"] and plain.meta("twitter:card") == ["summary_large_image"]


def test_the_sitemap_lists_every_page_once_with_absolute_urls(sample: Archive):
    root = ET.parse(sample.output / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    locs = [u.findtext(f"{SITEMAP}loc") for u in root.findall(f"{SITEMAP}url")]
    assert len(locs) == len(set(locs))
    expected = {BASE + p for p in html_pages(sample.output) if p != "404.html"}
    assert set(locs) == expected
    lastmod = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root.findall(f"{SITEMAP}url")}
    assert lastmod[BASE + "sitzungen/2024-09-05-verstetigung/"] == "2024-09-05"


def test_robots_txt_points_to_the_sitemap(sample: Archive):
    lines = (sample.output / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {BASE}sitemap.xml" in lines


def test_the_404_page_works_at_any_depth_under_a_sub_path(sample: Archive):
    page = parse_html(sample.page("404.html"))
    refs = [a["href"] for a in page.anchors] + [link["href"] for link in page.links]
    assert refs
    for ref in (r for r in refs if not r.startswith("#")):
        # the host serves 404.html for any missing address: every link must resolve the same from anywhere
        from_deep = urljoin("https://example.org/kaffee/a/b/c/nichts", ref)
        from_top = urljoin("https://example.org/kaffee/x", ref)
        assert from_deep == from_top, ref
        assert from_deep.startswith(BASE), ref

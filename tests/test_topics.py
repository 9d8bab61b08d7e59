"""Topics linked across sessions: registry, mentions, wikilinks, topic pages, related sessions, map."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from support import Archive, session_md, picture_bytes

TOPIC_FILES = {
    "topics/verstetigung.md": "---\ntitle: Verstetigung\naliases: [Verstetigen]\nsummary: Dauerhaft halten.\n---\nWie Projekte bleiben. Verstetigung hier nicht verlinkt.\n",
    "topics/digitalagentur.md": "---\ntitle: Digitalagentur\naliases:\n  - Digitalagenturen\nsummary: Eine Agentur.\nredirect_from: [digitale-agentur]\n---\nNetzwerk der Kommunen, oft mit Verstetigung verbunden.\n",
    "topics/foerdermittel.md": "---\ntitle: Fördermittel\naliases: [Förderprojekte]\n---\nGeld.\n",
}


def make(archive: Archive, sessions: dict[str, str], topics: dict[str, str] | None = None) -> None:
    for rel, text in {**TOPIC_FILES, **(topics or {})}.items():
        archive.write(rel, text)
    for rel, text in sessions.items():
        archive.write(f"sessions/{rel}", text)


def links_to(html: str, path: str) -> list[str]:
    """Texts of all links pointing to `path` inside the report body."""
    report = html.split('class="report"', 1)[1].split("</section>", 1)[0]
    return re.findall(rf'<a href="/{re.escape(path)}"[^>]*>(.*?)</a>', report)


def test_mentions_link_title_alias_lowercase_and_compound_first_only(archive: Archive):
    body = ("Die Digitalagentur Coesfeld arbeitet mit zwei Digitalagenturen. Zur verstetigung braucht es Geld.\n\n"
            "Später noch einmal Verstetigung und Fördermittel aus Förderprojekten.\n")
    make(archive, {"a.md": session_md("A", body=body)})
    assert archive.build() == 0
    html = archive.page("sitzungen/a/")
    assert links_to(html, "themen/digitalagentur/") == ["Digitalagentur"]  # compound, first only
    assert links_to(html, "themen/verstetigung/") == ["verstetigung"]  # lower case, first only
    assert links_to(html, "themen/foerdermittel/") == ["Fördermittel"]


def test_alias_alone_links_and_whole_words_only(archive: Archive):
    body = "Zwei Digitalagenturen, aber keine Verstetigungsstrategie und kein Fördermittelbescheid.\n"
    make(archive, {"a.md": session_md("A", body=body)})
    assert archive.build() == 0
    html = archive.page("sitzungen/a/")
    assert links_to(html, "themen/digitalagentur/") == ["Digitalagenturen"]
    assert links_to(html, "themen/verstetigung/") == []
    assert links_to(html, "themen/foerdermittel/") == []


def test_no_mention_links_in_headings_code_links_or_alt_text(archive: Archive):
    archive.write("media/bild.png", picture_bytes())
    body = ("## Verstetigung als Überschrift\n\n"
            "`Verstetigung` im Code und [ein Link zur Verstetigung](https://example.org/).\n\n"
            "![Verstetigung im Bild](media/bild.png)\n\n"
            "```\nVerstetigung im Codeblock\n```\n\n"
            "    Verstetigung eingerückt\n\n"
            "Erst hier: Verstetigung.\n")
    make(archive, {"a.md": session_md("A", body=body)})
    assert archive.build() == 0
    html = archive.page("sitzungen/a/")
    assert links_to(html, "themen/verstetigung/") == ["Verstetigung"]
    assert "Erst hier: <a href=\"/themen/verstetigung/\" class=\"topic-mention\">Verstetigung</a>." in html
    assert 'alt="Verstetigung im Bild"' in html
    assert "<code>Verstetigung</code>" in html


def test_topic_page_never_links_to_itself_but_to_other_topics(archive: Archive):
    make(archive, {"a.md": session_md("A", topics="[Verstetigung]")})
    assert archive.build() == 0
    own = archive.page("themen/verstetigung/")
    assert '<a href="/themen/verstetigung/" class="topic-mention"' not in own
    other = archive.page("themen/digitalagentur/")
    assert '<a href="/themen/verstetigung/" class="topic-mention">Verstetigung</a>' in other


def test_topic_page_separates_carried_and_mentioned_with_the_sentence(archive: Archive):
    make(archive, {
        "a.md": session_md("Trägt", "2024-01-10", topics="[Verstetigung]",
                           body="Einleitung ohne Thema. Hier geht es um Verstetigung im Kreis. Danach mehr."),
        "b.md": session_md("Erwähnt", "2024-02-10",
                           body="Ein anderes Thema. Nebenbei fiel das Wort Verstetigen, z.B. im Haushalt. Ende."),
        "c.md": session_md("Weder noch", "2024-03-10", body="Nichts davon."),
    })
    assert archive.build() == 0
    html = archive.page("themen/verstetigung/")
    carried = html.split('id="sitzungen"', 1)[1].split('id="erwaehnt"', 1)[0]
    mentioned = html.split('id="erwaehnt"', 1)[1]
    assert "Trägt" in carried and "Erwähnt" not in carried
    assert "Hier geht es um Verstetigung im Kreis." in carried
    assert "Erwähnt" in mentioned and "Trägt" not in mentioned
    assert "Nebenbei fiel das Wort Verstetigen, z.B. im Haushalt." in mentioned
    assert "Weder noch" not in html
    # issue 13: plain German, and the date never breaks
    assert ('Besprochen in einer Sitzung, am <time datetime="2024-01-10">10.\u00a0Januar\u00a02024</time>. '
            "1 weitere Sitzung erwähnt es.") in html


def test_sessions_newest_first_on_topic_page(archive: Archive):
    make(archive, {f"{d}.md": session_md(f"Sitzung {d}", d, topics="[Verstetigung]")
                   for d in ("2024-03-01", "2024-01-01", "2024-02-01")})
    assert archive.build() == 0
    html = archive.page("themen/verstetigung/")
    order = re.findall(r"Sitzung (2024-\d\d-\d\d)</a>", html)
    assert order == ["2024-03-01", "2024-02-01", "2024-01-01"]


def test_names_resolve_by_alias_case_and_transliteration(archive: Archive):
    make(archive, {
        "a.md": session_md("A", "2024-01-01", topics="[Foerdermittel]"),
        "b.md": session_md("B", "2024-02-01", topics="[Digitalagenturen]"),
        "c.md": session_md("C", "2024-03-01", topics="[FÖRDERPROJEKTE]"),
    })
    assert archive.build() == 0
    html = archive.page("themen/foerdermittel/")
    assert ">A</a>" in html and ">C</a>" in html
    assert ">B</a>" in archive.page("themen/digitalagentur/")
    assert not (archive.output / "themen/foerdermittel-2").exists()
    assert not (archive.output / "themen/digitalagenturen").exists()


def test_near_duplicate_topic_names_warn_with_a_suggestion(archive: Archive, capsys):
    make(archive, {"a.md": "---\ntitle: A\ndate: 2024-01-01\ntopics:\n  - Verstetigungen\n  - verstetigung\n  - Digitalagentr\n---\nText\n",
                   "b.md": session_md("B", topics="[Verstetigng]")})
    assert archive.build() == 0
    err = capsys.readouterr().err
    a = str(archive.content / "sessions/a.md")
    b = str(archive.content / "sessions/b.md")
    assert f"{a}:5: warning: unknown topic 'Verstetigungen' is close to an existing topic" in err
    assert f"{a}:6: warning: topic 'verstetigung' is written differently from 'Verstetigung'" in err
    assert f"{a}:7: warning: unknown topic 'Digitalagentr'" in err
    assert "did you mean 'Digitalagentur'?" in err
    assert f"{b}:4: warning: unknown topic 'Verstetigng'" in err
    assert err.count("did you mean 'Verstetigung'?") == 3
    # an unknown name still gets its own page
    assert (archive.output / "themen/verstetigungen/index.html").is_file()


def test_unrelated_unknown_topic_gets_a_page_without_warning(archive: Archive, capsys):
    make(archive, {"a.md": session_md("A", topics="[Smart Country Convention]")})
    assert archive.build() == 0
    assert "warning" not in capsys.readouterr().err
    assert "<h1>Smart Country Convention</h1>" in archive.page("themen/smart-country-convention/")


def test_wikilinks_to_topics_sessions_with_labels(archive: Archive):
    make(archive, {
        "2024-01-01-start.md": session_md("Der Auftakt", "2024-01-01"),
        "b.md": session_md("B", "2024-02-01", body=(
            "Siehe [[Verstetigung]], [[digitalagenturen|die Agenturen]], [[2024-01-01-start]] "
            "und [[Der Auftakt|den Start]].\n\nDanach Verstetigung ohne Link.\n")),
    })
    assert archive.build() == 0
    html = archive.page("sitzungen/b/")
    assert '<a href="/themen/verstetigung/" class="wikilink">Verstetigung</a>' in html
    assert '<a href="/themen/digitalagentur/" class="wikilink">die Agenturen</a>' in html
    assert '<a href="/sitzungen/2024-01-01-start/" class="wikilink">Der Auftakt</a>' in html
    assert '<a href="/sitzungen/2024-01-01-start/" class="wikilink">den Start</a>' in html
    assert links_to(html, "themen/verstetigung/") == ["Verstetigung"]  # the wikilink was the first link
    # a wikilink to a topic counts as a mention on the topic page
    mentioned = archive.page("themen/verstetigung/").split('id="erwaehnt"', 1)[1]
    assert ">B</a>" in mentioned
    # the quoted sentence shows what the reader saw: titles and labels, not the raw [[targets]]
    assert "Siehe Verstetigung, die Agenturen, Der Auftakt und den Start." in mentioned


def test_unresolved_wikilink_is_an_error_with_its_line(archive: Archive, capsys):
    make(archive, {"a.md": session_md("A", body="Erste Zeile.\n\nZweiter Absatz\nmit [[Verstetigun]] drin\nund [[Gibt es nicht|Label]].\n")})
    archive.output.mkdir()
    assert archive.build() == 1
    err = capsys.readouterr().err
    path = str(archive.content / "sessions/a.md")
    assert f"{path}:8: unknown link target 'Verstetigun'" in err
    assert "did you mean 'Verstetigung'?" in err
    assert f"{path}:9: unknown link target 'Gibt es nicht'" in err
    assert list(archive.output.iterdir()) == []


def test_related_sessions_rank_shared_rare_topics_and_speakers(archive: Archive):
    speaker = "\n  - name: Jörg Müller\n    org: Kreis X"
    make(archive, {
        "base.md": session_md("Basis", "2024-05-01", topics="[Verstetigung, Fördermittel]", speakers=speaker),
        "rare.md": session_md("Selten geteilt", "2024-01-01", topics="[Verstetigung]"),
        "common1.md": session_md("Häufig 1", "2024-02-01", topics="[Fördermittel]"),
        "common2.md": session_md("Häufig 2", "2024-03-01", topics="[Fördermittel]"),
        "common3.md": session_md("Häufig 3", "2024-04-01", topics="[Fördermittel]"),
        "person.md": session_md("Gleiche Person", "2024-06-01", speakers=speaker),
        "none.md": session_md("Nichts gemeinsam", "2024-07-01"),
    })
    assert archive.build() == 0
    html = archive.page("sitzungen/base/")
    related = html.split('id="verwandt"', 1)[1]
    titles = re.findall(r'<a href="/sitzungen/[^"]+/">([^<]+)</a>', related)
    assert titles[0] == "Selten geteilt"
    assert set(titles) == {"Selten geteilt", "Häufig 1", "Häufig 2", "Häufig 3", "Gleiche Person"}
    assert "Nichts gemeinsam" not in titles
    # ties between the three equally common ones: the closest in time first
    assert titles.index("Häufig 3") < titles.index("Häufig 2") < titles.index("Häufig 1")


def test_topic_page_lists_related_topics_and_speakers(archive: Archive):
    make(archive, {"a.md": session_md("A", topics="[Verstetigung, Digitalagentur]",
                                      speakers="\n  - name: Anna Bär\n    org: Kreis Y")})
    assert archive.build() == 0
    html = archive.page("themen/verstetigung/")
    assert '<a href="/themen/digitalagentur/">Digitalagentur</a>' in html.split('id="verwandte-themen"')[1]
    assert '<a href="/personen/anna-baer/">Anna Bär</a>' in html


def test_topic_map_is_svg_linking_every_topic(archive: Archive):
    make(archive, {"a.md": session_md("A", topics="[Verstetigung, Digitalagentur, Neues <Thema>]")})
    assert archive.build() == 0
    html = archive.page("themen/")
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    root = ET.fromstring(svg)  # well-formed XML, so the label was escaped
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.find("s:title", ns).text and root.find("s:desc", ns).text
    hrefs = {a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")}
    assert hrefs == {"/themen/verstetigung/", "/themen/digitalagentur/", "/themen/foerdermittel/",
                     "/themen/neues-thema/"}
    assert "<script" not in html


def test_redirect_pages_for_old_topic_slugs(archive: Archive):
    archive.write("site.yaml", "base_url: https://example.org/kaffee/\n")
    make(archive, {"a.md": session_md("A", topics="[Digitalagentur]")})
    assert archive.build() == 0
    html = archive.page("themen/digitale-agentur/")
    assert '<meta http-equiv="refresh" content="0; url=/kaffee/themen/digitalagentur/">' in html
    assert '<link rel="canonical" href="https://example.org/kaffee/themen/digitalagentur/">' in html


def test_redirect_from_an_existing_slug_is_an_error(archive: Archive, capsys):
    make(archive, {"a.md": session_md("A")},
         topics={"topics/x.md": "---\ntitle: X\nredirect_from: [verstetigung]\n---\n"})
    assert archive.build() == 1
    assert "redirect_from 'verstetigung' is the slug of an existing topic" in capsys.readouterr().err


def test_alias_claimed_by_two_topics_is_an_error(archive: Archive, capsys):
    make(archive, {"a.md": session_md("A")},
         topics={"topics/y.md": "---\ntitle: Y\naliases: [Digitalagenturen]\n---\n"})
    assert archive.build() == 1
    assert "the name 'Digitalagenturen' belongs to two topics" in capsys.readouterr().err


def test_mentions_in_pages_link_too(archive: Archive):
    make(archive, {"a.md": session_md("A")})
    archive.write("pages/ueber.md", "---\ntitle: Über uns\n---\nWir reden über Verstetigung.\n")
    assert archive.build() == 0
    assert '<a href="/themen/verstetigung/" class="topic-mention">Verstetigung</a>' in archive.page("ueber/")


def test_mentions_keep_the_spelling_of_the_text_even_when_lower_case_changes_length(archive: Archive):
    # 'İ' lower-cases to two characters: the matcher must not shift the link by one
    make(archive, {"a.md": session_md("A", body="İstanbul und DIGITALAGENTUR und Verstetigung.\n")})
    assert archive.build() == 0
    html = archive.page("sitzungen/a/")
    assert links_to(html, "themen/digitalagentur/") == ["DIGITALAGENTUR"]
    assert links_to(html, "themen/verstetigung/") == ["Verstetigung"]
    assert "İstanbul und " in html

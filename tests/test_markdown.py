"""The Markdown rules, each a plugin of its own (markdown/), and the order they run in: one input
and what it gives per case, as markdown-it-py's own fixture tests do."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from kaffee_site.markdown import heading_ids, links, mentions, typography, wikilinks
from kaffee_site.markdown.body import LinkContext, WikiTarget
from kaffee_site.markdown.parser import render_body

CTX = LinkContext(
    base_path="/kaffee/",
    topic_names=(("Verstetigung", "verstetigung", "/kaffee/themen/verstetigung/"),
                 ("Open Data", "open-data", "/kaffee/themen/open-data/")),
    wiki_targets={"verstetigung": WikiTarget("/kaffee/themen/verstetigung/", "Verstetigung", "verstetigung"),
                  "auftakt": WikiTarget("/kaffee/sitzungen/auftakt/", "Der Auftakt")},
)
VERSTETIGUNG = '<a href="/kaffee/themen/verstetigung/" class="topic-mention">Verstetigung</a>'


@pytest.mark.parametrize("text, html", [
    ("## Ausblick\n\n## Ausblick\n", '<h2 id="h-ausblick">Ausblick</h2>\n<h2 id="h-ausblick-2">Ausblick</h2>\n'),
    ("Am 16. Mai 2024 um 10 Uhr\n", "<p>Am 16.\u00a0Mai\u00a02024 um 10\u00a0Uhr</p>\n"),
    ("[oben](#ausblick) ![Bild](media/a.png)\n\n## Ausblick\n",
     '<p><a href="#h-ausblick">oben</a> <img src="/kaffee/media/a.png" alt="Bild" /></p>\n'
     '<h2 id="h-ausblick">Ausblick</h2>\n'),
    ("Verstetigung und verstetigung\n", f"<p>{VERSTETIGUNG} und verstetigung</p>\n"),
    ("## Verstetigung\n\n`Verstetigung` [Verstetigung](/x/)\n",
     '<h2 id="h-verstetigung">Verstetigung</h2>\n<p><code>Verstetigung</code> '
     '<a href="/kaffee/x/">Verstetigung</a></p>\n'),
    ("[[Auftakt|den Start]] [[Unbekannt]]\n",
     '<p><a href="/kaffee/sitzungen/auftakt/" class="wikilink">den Start</a> [[Unbekannt]]</p>\n'),
])
def test_a_body_renders_as_its_rules_say(text: str, html: str):
    assert render_body(text, 1, "a.md", CTX).html == html


def test_a_wikilink_to_a_topic_is_its_first_mention_where_it_stands():
    body = render_body("Erst [[Verstetigung]] hier.\n\nDann Verstetigung. Und Open Data.\n", 3, "a.md", CTX)
    assert [(m.topic, m.sentence, m.line) for m in body.mentions] == [
        ("verstetigung", "Erst Verstetigung hier.", 3), ("open-data", "Und Open Data.", 5)]
    assert VERSTETIGUNG not in body.html  # mentioned once: the text no longer links it
    body = render_body("Erst Verstetigung.\n\n## Dann [[Verstetigung]]\n", 1, "a.md", CTX)
    assert [(m.sentence, m.line) for m in body.mentions] == [("Erst Verstetigung.", 1)]


def test_an_unknown_wikilink_is_a_problem_at_its_line_and_stays_as_written():
    body = render_body("Absatz\n\nZeile eins\nund [[Verstetigng]]\n", 10, "a.md", CTX)
    assert [(p.line, p.message, p.hint) for p in body.problems] == [
        (13, "unknown link target 'Verstetigng'", "did you mean 'Verstetigung'?")]
    assert "[[Verstetigng]]" in body.html


@pytest.mark.parametrize("plugin, text, html", [
    (heading_ids.plugin, "## Ausblick\n", '<h2 id="h-ausblick">Ausblick</h2>\n'),
    (typography.plugin, "Nr. 4\n", "<p>Nr.\u00a04</p>\n"),
    (wikilinks.plugin, "[[Auftakt]]\n", "<p>[[Auftakt]]</p>\n"),  # no site to link to: as written
    (links.plugin, "[x](/a/)\n", '<p><a href="/a/">x</a></p>\n'),
    (mentions.plugin, "Verstetigung\n", "<p>Verstetigung</p>\n"),
])
def test_each_rule_is_a_plugin_that_works_alone_and_outside_a_build(plugin, text: str, html: str):
    """A theme may parse text without a site: the linking rules leave it as it is."""
    md = MarkdownIt("commonmark").use(plugin)
    assert md.render(text) == html

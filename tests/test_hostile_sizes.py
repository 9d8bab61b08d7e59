"""Small inputs that cost hours (issue 18), at the sizes of the issue's table: what one editor
can type is never worth more than its length in work and output.

Work is counted (tests/work.py: statements of our code and of difflib that run, in a process
of its own), never timed; every input is compared with one of half (or another fraction of) its size.
"""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import pytest
from support import Archive, session_md
from work import counted, grows_linearly, in_counting_process, lines_run

from kaffee_site.engine import Engine
from kaffee_site.markdown.body import LinkContext
from kaffee_site.markdown.parser import render_body
from kaffee_site.options import BuildOptions
from kaffee_site.review import Review

SITE = "title: Test\nbase_url: https://example.org/kaffee/\nsearch: false\n"


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


# --- headings ------------------------------------------------------------------------------

def _headings(count: int) -> tuple[str, int]:
    """`count` headings '## h', each followed by a link to '#h' (the editor's way to name it)."""
    body = render_body("## h\n\n[nach oben](#h)\n\n" * count, 1, "a.md", LinkContext())
    return body.html, len(body.headings)


def test_repeated_headings_get_their_ids_in_linear_work():
    """`## h` N times: each id was counted up from 2 again (check: 5,000 -> 4.1 s, 20,000 -> 53 s)."""
    runs = {count: lines_run(_headings, count) for count in (10_000, 20_000)}
    for count, ((html, headings), _) in runs.items():
        assert headings == count
        assert f'id="h-h-{count}"' in html and html.count('href="#h-h"') == count
        assert len(html) < 80 * count
    assert grows_linearly(runs[10_000][1], runs[20_000][1])


# --- mention sentences ---------------------------------------------------------------------

def _mentions(topics: int, sentences_per_topic: int, stop: str) -> tuple[list, int]:
    names = tuple((f"Thema {i:04d}", f"thema-{i:04d}", f"/themen/thema-{i:04d}/") for i in range(topics))
    filler = " Wir sprachen lange über die Lage in den Landkreisen und über vieles mehr" + stop
    text = "".join(f"Heute ging es um Thema {i:04d}{stop}{filler * sentences_per_topic} " for i in range(topics))
    body = render_body(text + "\n", 1, "a.md", LinkContext(topic_names=names))
    return [m.sentence for m in body.mentions], len(text)


@pytest.mark.parametrize("stop", [".", ","], ids=["sentences", "one-sentence"])
def test_a_thousand_mentions_in_a_paragraph_of_a_megabyte_find_their_sentences_in_one_scan(stop: str):
    """1,000 topics mentioned in one paragraph of 1.1 MB: each mention's sentence was found by
    scanning the paragraph from its start (20 s against 4 s). Without a full stop the whole
    paragraph is one sentence: a topic page quotes the words around the mention, not 1.1 MB."""
    (small, small_size), small_work = lines_run(_mentions, 500, 15, stop)
    (large, large_size), large_work = lines_run(_mentions, 1_000, 15, stop)
    assert large_size > 1_100_000 and len(large) == 1_000
    assert grows_linearly(small_work, large_work)
    if stop == ".":
        assert large[999] == "Heute ging es um Thema 0999."
    assert max(len(sentence) for sentence in large) <= 402
    assert all(f"Thema {i:04d}" in sentence for i, sentence in enumerate(large))


# --- topics one session lists ---------------------------------------------------------------

def _topics_archive(archive: Archive, count: int) -> Archive:
    archive.write("site.yaml", SITE)
    topics = "".join(f"\n  - Neues Thema {i:04d}" for i in range(count))
    archive.write("sessions/2024/2024-05-16-viele.md", session_md("Viele Themen", "2024-05-16", "Ein Bericht.",
                                                                   topics=topics))
    return archive


def test_a_session_listing_1200_new_topics_builds_an_output_of_its_size(tmp_path: Path):
    """One session listing 600 / 1,200 topics (9 / 18 KB): 445 MB of output, a topic map of
    59 MB: every topic page listed every other topic twice, every topic feed every category."""
    sizes = {}
    for count in (100, 1_200):
        archive = _topics_archive(Archive(tmp_path / str(count)), count)
        archive.content.mkdir(parents=True, exist_ok=True)
        assert archive.build() == 0
        sizes[count] = _size(archive.output)
        topic_page = archive.page("themen/neues-thema-0007/")
        assert topic_page.count('href="/kaffee/themen/neues-thema-') <= 2 * 12 + 10 + 2
        feed = (archive.output / "themen/neues-thema-0007/feed.xml").read_text(encoding="utf-8")
        assert feed.count("<category ") == min(count, 20)
        assert (archive.output / "themen/index.html").stat().st_size < 2_000 * count
    assert sizes[1_200] < 30_000 * 1_200
    assert grows_linearly(sizes[100], sizes[1_200], factor=12)


def _relations(archive: Archive) -> tuple[tuple[int, int], int]:
    """(most related topics of one topic, edges of the topic map) and the work counted for them
    alone (the archive loaded before)."""
    from kaffee_site.link.relations import co_occurring_topics
    from kaffee_site.outputs.topicmap import topic_map

    site = Engine(BuildOptions(archive.content, archive.output)).load().site
    (related, drawn), work = counted(lambda: (co_occurring_topics(site.sessions), topic_map(site)))
    return (max(len(pairs) for pairs in related.values()), len(drawn.edges)), work


def test_the_relations_of_1200_topics_of_one_session_are_linear_work(tmp_path: Path):
    work = {}
    for count in (600, 1_200):
        archive = _topics_archive(Archive(tmp_path / str(count)), count)
        (most_related, edges), work[count] = in_counting_process(_relations, archive)
        assert most_related <= 12
        assert edges <= 12 * count
    assert grows_linearly(work[600], work[1_200])


# --- a summary of a megabyte ---------------------------------------------------------------

def _summary_archive(archive: Archive, summary: str) -> Archive:
    archive.write("site.yaml", SITE)
    topics = "".join(f"\n  - Thema {i:03d}" for i in range(150))
    speakers = "".join(f"\n  - name: Person Nummer {i:03d}\n    org: Landkreis {i:03d}" for i in range(150))
    archive.write("sessions/2024/2024-05-16-lang.md", session_md("Lang", "2024-05-16", "Ein Bericht.",
                                                                  summary=f'"{summary}"', topics=topics,
                                                                  speakers=speakers))
    return archive


def test_a_summary_of_a_megabyte_is_whole_on_its_page_and_short_everywhere_else(tmp_path: Path):
    """A 1 MB summary on a session with 150 topics and 150 speakers: 632 MB of output, copied
    whole into every list, feed and calendar."""
    words = itertools.cycle(["Verstetigung", "der", "digitalen", "Daseinsvorsorge", "im", "Landkreis"])
    summary = " ".join(itertools.islice(words, 90_000))[:1_000_000]
    long_archive = _summary_archive(Archive(tmp_path / "long"), summary)
    short_archive = _summary_archive(Archive(tmp_path / "short"), "Ein kurzer Satz.")
    for archive in (long_archive, short_archive):
        archive.content.mkdir(parents=True, exist_ok=True)
        assert archive.build() == 0
    assert _size(long_archive.output) - _size(short_archive.output) < 1_000_000 + 1_500_000
    found = [path for path in long_archive.output.rglob("*") if path.is_file()
             and summary[:500_000] in path.read_text(encoding="utf-8", errors="replace")]
    assert [path.relative_to(long_archive.output).as_posix() for path in found] == ["sitzungen/2024-05-16-lang/index.html"]
    teaser = summary[:200]
    for rel in ("themen/thema-007/index.html", "personen/person-nummer-007/index.html", "feed.xml",
                "themen/thema-007/feed.xml", "termine.ics"):
        text = (long_archive.output / rel).read_text(encoding="utf-8")
        assert teaser[:60] in text.replace("\r\n ", ""), rel


# --- close names ---------------------------------------------------------------------------

def _near_names(count: int) -> list[str]:
    """`count` speaker names, each one letter from the next ('Anna Mayeraab', 'Anna Mayeraac', ...)."""
    suffixes = ("".join(letters) for letters in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=3))
    return [f"Anna Mayer{suffix}" for suffix in itertools.islice(suffixes, count)]


def _load_and_review(archive: Archive):
    options = BuildOptions(archive.content, archive.output)
    engine = Engine(options)
    checked = engine.load()
    theme = engine.current_theme(checked.site.config)
    return checked.diagnostics.problems + tuple(Review(options)(checked, theme).problems)


def _speakers_archive(archive: Archive, names: list[str]) -> Archive:
    archive.write("site.yaml", SITE)
    speakers = "".join(f"\n  - name: {name}" for name in names)
    archive.write("sessions/2024/2024-05-16-alle.md", session_md("Alle", "2024-05-16", "Ein Bericht.",
                                                                  speakers=speakers))
    return archive


def test_736_and_1086_speaker_names_one_letter_apart_are_checked_in_linear_work(tmp_path: Path):
    """736 names one letter apart: `check` 45 s and 27,860 warnings; 1,086: 187 s (every pair compared)."""
    runs = {}
    for count in (736, 1_086):
        archive = _speakers_archive(Archive(tmp_path / str(count)), _near_names(count))
        runs[count] = lines_run(_load_and_review, archive)
    for count, (problems, _) in runs.items():
        close = [p for p in problems if "is close to the person" in p.message]
        assert len(close) == 50
        total = [p for p in problems if p.message.startswith(f"{count - 50} more uses of names of people")]
        assert len(total) == 1 and total[0].severity == "warning"
    assert grows_linearly(runs[736][1], runs[1_086][1], factor=1_086 / 736)


def test_names_that_all_look_alike_are_filed_and_asked_in_work_linear_in_their_number():
    """The index's worst case: every name a dozen others one digit away ('Person Nummer 00001').
    Its time at 10,000 names is in bench/RESULTS.md; the work counted here at 2,000 and 4,000
    (in work.py's counting process)."""
    names = [f"Person Nummer {i:05d}" for i in range(4_000)]
    _, small = lines_run(_file_and_ask, names[:2_000])
    _, large = lines_run(_file_and_ask, names)
    assert grows_linearly(small, large)


def _file_and_ask(names: list[str]) -> int:
    """Every name filed in the index of close names, then each asked for its close names."""
    from kaffee_site.text import NearNames

    index = NearNames(names, 6)
    return len([index.near(name) for name in names])


def _anagrams(word: str, count: int) -> list[str]:
    """`count` distinct rearrangements of `word`'s letters, capitalised, in a random order (seeded)."""
    rng, letters, found = random.Random(18), list(word), {}
    while len(found) < count:
        rng.shuffle(letters)
        found.setdefault("".join(letters).capitalize())
    return list(found)


def _anagram_archive(archive: Archive, aliases: int, unknown: int) -> Archive:
    archive.write("site.yaml", SITE)
    names = _anagrams("verstetigungderdigitalendaseinsvorsorgeimlaendlichenraum" * 2, aliases + unknown)
    archive.write("topics/verstetigung.md", "---\ntitle: Verstetigung\naliases:\n"
                  + "".join(f"  - {name}\n" for name in names[:aliases]) + "---\nDas Thema.\n")
    topics = "".join(f"\n  - {name}" for name in names[aliases:])
    archive.write("sessions/2024/2024-05-16-neu.md", session_md("Neu", "2024-05-16", "Ein Bericht.", topics=topics))
    return archive


def test_400_anagram_aliases_and_150_unknown_topics_are_checked_in_linear_work(tmp_path: Path):
    """`check` 60 s: difflib compared each unknown topic with every alias (anagrams pass its quick tests)."""
    runs = {}
    for aliases, unknown in ((200, 75), (400, 150)):
        archive = _anagram_archive(Archive(tmp_path / str(aliases)), aliases, unknown)
        runs[aliases] = lines_run(_load_and_review, archive)
        problems = runs[aliases][0]
        # one warning for each unknown name (no file, or close to another name), or counted in a total
        named = [p for p in problems if re.match(r"(unknown )?topic '\w+'", p.message)]
        counted = sum(int(p.message.split()[0]) for p in problems if " more " in p.message)
        assert len({p.line for p in named}) == len(named) and len(named) + counted == unknown
    assert grows_linearly(runs[200][1], runs[400][1])


# --- broken links ---------------------------------------------------------------------------

def test_a_body_of_broken_links_compares_only_the_first_20_with_every_page(tmp_path: Path):
    """'did you mean' compares a broken link with every page of the archive (difflib): a body
    of N broken links cost N times the archive. The first 20 get a guess, the rest the general
    hint, and every one is still an error at its line."""
    archive = Archive(tmp_path)
    archive.write("site.yaml", SITE)
    body = "\n\n".join(f"[Bericht {i}](/sitzungen/2024-05-2{i % 10}-bericht/)" for i in range(60))
    archive.write("sessions/2024/2024-05-16-bericht.md", session_md("Bericht", "2024-05-16", body))
    problems = [p for p in _load_and_review(archive) if "leads to no page" in p.message]
    assert len(problems) == 60 and len({p.line for p in problems}) == 60
    guessed = [p for p in problems if p.hint.startswith("did you mean '/sitzungen/")]
    assert len(guessed) == 20
    assert all(p.hint.startswith("write site links like") for p in problems if p not in guessed)

"""No broken internal link: every href/src of every page points at a file (and anchor) the build wrote.

`broken_links` is a small link checker over the output folder (html.parser, no network). It is
run on the sample archive in content/ and on test archives, hosted under a sub-path and at the
domain root; other test modules import it.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from support import SAMPLE_CONTENT, Archive, session_md, picture_bytes

URL_ATTRS = {"href", "src", "action", "poster"}


class _PageLinks(HTMLParser):
    """The URLs a page refers to and the ids it defines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRS:
                self.urls.append(value)
            elif name == "srcset":
                self.urls += [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
            elif name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
        refresh = (values.get("http-equiv") or "").lower() == "refresh"
        if tag == "meta" and refresh and "url=" in (values.get("content") or ""):
            self.urls.append(values["content"].split("url=", 1)[1].strip())


def _parse(path: Path) -> _PageLinks:
    page = _PageLinks()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _target_file(output: Path, url_path: str) -> Path:
    """'' -> index.html, 'x/' -> x/index.html, 'static/a.css' -> static/a.css."""
    if url_path == "" or url_path.endswith("/"):
        url_path += "index.html"
    return output / url_path


def broken_links(output: Path, base_path: str = "/", origin: str = "") -> list[str]:
    """Every internal link of every HTML file under `output` that does not resolve, as text.

    Internal means root-relative, relative, or absolute on `origin`. A root-relative link must
    start with `base_path` (the archive's sub-path); a `#fragment` must name an id on its target.
    """
    pages = {p: _parse(p) for p in sorted(output.rglob("*.html"))}
    assert pages, f"no HTML files under {output}"
    problems = []
    for page_file, page in pages.items():
        where = page_file.relative_to(output).as_posix()
        for url in page.urls:
            problem = _check(output, page_file, url, base_path, origin, pages)
            if problem:
                problems.append(f"{where}: {url}: {problem}")
    return problems


def _check(output: Path, page_file: Path, url: str, base_path: str, origin: str, pages: dict) -> str | None:
    parts = urlsplit(url)
    if origin and url.startswith(origin + "/"):
        parts = urlsplit(url[len(origin):])
    elif parts.scheme or parts.netloc:
        return None  # external: not ours to check
    if not parts.path:
        target = page_file  # '#fragment' on the same page
    elif parts.path.startswith("/"):
        if not parts.path.startswith(base_path):
            return f"does not start with the base path {base_path}"
        target = _target_file(output, unquote(parts.path[len(base_path):]))
    else:
        return "relative link (pages move between folders; links must be root-relative)"
    if not target.resolve().is_relative_to(output.resolve()):
        return "points outside the archive"
    if not target.is_file():
        return f"no such file {target.relative_to(output).as_posix()}"
    if parts.fragment:
        ids = pages[target].ids if target in pages else set()
        if unquote(parts.fragment) not in ids:
            return f"no element with id '{parts.fragment}' on the target page"
    return None


# --- the checker itself must find what it is meant to find --------------------------------

def _fake_output(tmp_path: Path, html: str) -> Path:
    out = tmp_path / "site"
    (out / "a").mkdir(parents=True)
    (out / "a" / "index.html").write_text('<h2 id="top">A</h2>', encoding="utf-8")
    (out / "index.html").write_text(html, encoding="utf-8")
    return out


@pytest.mark.parametrize("html, complaint", [
    ('<a href="/kaffee/b/">B</a>', "no such file b/index.html"),
    ('<a href="/a/">A</a>', "does not start with the base path"),
    ('<a href="a/">A</a>', "relative link"),
    ('<a href="/kaffee/a/#nope">A</a>', "no element with id 'nope'"),
    ('<a href="#nope">here</a>', "no element with id 'nope'"),
    ('<img src="/kaffee/media/x.png" alt="">', "no such file media/x.png"),
    ('<link rel="canonical" href="https://example.org/kaffee/b/">', "no such file b/index.html"),
    ('<meta http-equiv="refresh" content="0; url=/kaffee/b/">', "no such file b/index.html"),
])
def test_the_checker_finds_broken_links(tmp_path: Path, html: str, complaint: str):
    out = _fake_output(tmp_path, html)
    problems = broken_links(out, "/kaffee/", "https://example.org")
    assert len(problems) == 1 and complaint in problems[0], problems


def test_the_checker_accepts_good_links(tmp_path: Path):
    html = ('<p id="me"><a href="/kaffee/a/#top">A</a> <a href="#me">me</a> <a href="/kaffee/">home</a>'
            ' <a href="https://elsewhere.example/x">ext</a> <a href="mailto:a@b.de">mail</a></p>')
    assert broken_links(_fake_output(tmp_path, html), "/kaffee/", "https://example.org") == []


# --- the real archives ------------------------------------------------------------------

def _sample_with_base_url(archive: Archive, base_url: str | None) -> None:
    shutil.copytree(SAMPLE_CONTENT, archive.content, dirs_exist_ok=True)
    config = archive.content / "site.yaml"
    lines = [line for line in config.read_text(encoding="utf-8").splitlines() if not line.startswith("base_url:")]
    if base_url:
        lines.append(f"base_url: {base_url}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("base_url, base_path, origin", [
    ("https://example.org/kaffee/", "/kaffee/", "https://example.org"),
    ("https://example.org/", "/", "https://example.org"),
    ("/archiv/smarter-kaffee/", "/archiv/smarter-kaffee/", ""),
    (None, "/", ""),
])
def test_sample_archive_has_no_broken_links(archive: Archive, base_url, base_path, origin):
    _sample_with_base_url(archive, base_url)
    assert archive.build() == 0
    assert broken_links(archive.output, base_path, origin) == []


def test_every_internal_link_of_the_sample_starts_with_the_sub_path(archive: Archive):
    _sample_with_base_url(archive, "https://example.org/kaffee/")
    assert archive.build() == 0
    for page_file in archive.output.rglob("*.html"):
        for url in _parse(page_file).urls:
            parts = urlsplit(url)
            if not parts.scheme and not parts.netloc and parts.path:
                assert parts.path.startswith("/kaffee/"), f"{page_file}: {url}"
    # the sample is not trivially small: the check above saw every kind of page
    for folder in ("sitzungen", "themen", "personen", "organisationen", "impressum", "media", "static"):
        assert (archive.output / folder).is_dir(), folder


def _linked_test_archive(archive: Archive, base_url: str) -> None:
    """Everything that makes links: series neighbours, announcements, topics without files,
    speakers, organisations, images, body links to media and pages, wikilinks, a page."""
    archive.write("site.yaml", f"title: Testarchiv\nbase_url: {base_url}\n")
    archive.write("media/bilder/runde.png", picture_bytes())
    archive.write("media/handout.pdf", b"%PDF-1.4 fake")
    archive.write("topics/foerdermittel.md", "---\ntitle: Fördermittel\naliases: [Förderung]\n---\nGeld für Projekte.\n")
    archive.write("sessions/eins.md", session_md(
        "Erste Runde", "2024-01-11", number=1, topics="[Fördermittel, Offene Daten]",
        speakers="[{name: Jörg Weiß, org: Landkreis Süd}]",
        image="{src: media/bilder/runde.png, alt: Eine Runde am Tisch}",
        next="{date: 2024-02-08, title: Zweite Runde}",
        body="Es ging um Förderung.\n\n## Unterlagen\n\n[Handout](media/handout.pdf), "
             "[Impressum](/impressum/), [oben](#unterlagen), [[Zweite Runde]] und [[Fördermittel]].\n"
             "![Bild](/media/bilder/runde.png)\n"))
    archive.write("sessions/zwei.md", session_md(
        "Zweite Runde", "2024-02-08", number=2, topics="[Offene Daten]",
        speakers="[{name: Anna Öz, org: Landkreis Süd}, {name: Jörg Weiß}]",
        next="{date: 2024-03-14, title: Dritte Runde}", body="Mehr dazu in [[eins]]."))
    archive.write("pages/impressum.md", "---\ntitle: Impressum\n---\nVerantwortlich: niemand.\n")


@pytest.mark.parametrize("base_url, base_path, origin", [
    ("https://example.org/kaffee/", "/kaffee/", "https://example.org"),
    ("https://example.org", "/", "https://example.org"),
])
def test_test_archive_has_no_broken_links(archive: Archive, base_url, base_path, origin):
    _linked_test_archive(archive, base_url)
    assert archive.build() == 0
    assert broken_links(archive.output, base_path, origin) == []
    session = archive.page("sitzungen/eins/")
    for url in ("media/handout.pdf", "impressum/", "sitzungen/zwei/", "themen/foerdermittel/",
                "personen/joerg-weiss/", "organisationen/landkreis-sued/"):
        assert f'"{base_path}{url}"' in session, url
    assert f'srcset="{base_path}media/bilder/runde-8.' in session  # the picture, in its sizes (images/)

"""`kaffee-site import URL`: pages of several shapes from a real HTTP server on 127.0.0.1, each
field asserted; and what a hostile server can send (huge, slow, silent, redirect loops, scripts,
wrong types, packed bombs, bad pictures), each giving one clear message and nothing half-written."""

from __future__ import annotations

import gzip
import struct
import time
import zlib
from pathlib import Path

import pytest

from import_support import FIXTURES, Reply, Server, body_of, front_matter, png, run_import, small_archive, trickle
from kaffee_site.cli import main
from support import TEMPLATES, epoch, write_legal_pages

DE_TOPICS = {
    "open-data": "title: Open Data\naliases: [offene Daten]\nforms: [offenen Daten]",
    "buergerbeteiligung": "title: Bürgerbeteiligung",
    "foerdermittel": "title: Fördermittel\naliases: [Förderprogramme, Förderung]",
}


@pytest.fixture
def server():
    running = Server().start()
    yield running
    running.stop()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return small_archive(tmp_path / "content", topics=DE_TOPICS)


def sessions(content: Path) -> list[Path]:
    return sorted((content / "sessions").rglob("*.md")) if (content / "sessions").exists() else []


def test_a_cms_article_loses_navigation_banner_and_sidebar_and_keeps_its_facts(server, content, capsys, monkeypatch):
    # imported a week after the session: the session it announces (12 December) is still ahead
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2024-11-20"))
    picture = png(704, 528)  # as wide as the column shows it (narrower is a warning)
    server.routes["/bilder/kaffee7.png"] = Reply(200, {"Content-Type": "image/png"}, picture)
    url = server.page("/berichte/kaffee-7", (FIXTURES / "cms_article.html").read_text(encoding="utf-8"))
    code, out, err = run_import(capsys, content, url)
    assert code == 0, err
    path = content / "sessions/2024/2024-11-14-7-smarter-kaffee-offene-daten-im-landkreis.md"
    assert f"[1/1] {url} -> {path}" in out
    meta = front_matter(path)
    assert meta["title"] == "7. Smarter Kaffee: Offene Daten im Landkreis"
    assert meta["date"] == "2024-11-14"  # the day of the session, not the day the page was published
    assert meta["number"] == 7
    assert meta["topics"] == ["Open Data"]
    assert meta["speakers"] == [{"name": "Lena Beispiel", "org": "Landkreis Musterhausen"},
                                {"name": "Tom Probe", "org": "Beispiel GmbH"}]
    assert meta["next"] == {"date": "2024-12-12", "title": "Bürgerbeteiligung im ländlichen Raum"}
    assert meta["image"] == {"src": "media/2024-11-14-7-smarter-kaffee-offene-daten-im-landkreis.png",
                             "alt": "Zeichnung eines Laptops mit einer Datentabelle und einer Kaffeetasse"}
    assert (content / meta["image"]["src"]).read_bytes() == picture
    body = body_of(path)
    for kept in ("## Impuls aus Musterhausen", "## Diskussion", "- Datenqualität sichern\n- Lizenzen klären",
                 "**Open Data**", "*Haltestellen, Ladesäulen und Wertstoffhöfe*",
                 "[Seite des Portals](https://example.org/portal)",
                 "> Offene Daten sind erst dann nützlich, wenn jemand sie nutzt."):
        assert kept in body, kept
    for dropped in ("Cookies", "akzeptieren", "Startseite", "Kontakt", "Weitere Artikel", "Newsletter",
                    "Impressum", "Datenschutz", "Veröffentlicht am", "# 7. Smarter Kaffee"):
        assert dropped not in body, dropped
    text = path.read_text(encoding="utf-8")
    assert 'date: 2024-11-14  # from "Am 14. November 2024 trafen sich die Landkreise"' in text
    assert "  - name: Tom Probe  # from \"Tom Probe (Beispiel GmbH)\"; new organisation" in text
    assert "  title: Bürgerbeteiligung im ländlichen Raum  # from \"beschäftigt sich mit Bürgerbeteiligung " \
           "im ländlichen Raum\"" in text
    write_legal_pages(content)  # as every German archive has them
    check = main(["check", "--content", str(content), "--templates", str(TEMPLATES), "--strict"])
    assert check == 0, capsys.readouterr()


def test_a_page_with_its_date_only_in_meta_tags(server, content, capsys):
    url = server.page("/foerdermittel", (FIXTURES / "meta_date.html").read_text(encoding="utf-8"))
    code, out, err = run_import(capsys, content, url)
    assert code == 0, err
    path = content / "sessions/2025/2025-03-14-foerdermittel-klug-kombinieren.md"
    meta = front_matter(path)
    assert meta["date"] == "2025-03-14"
    assert meta["title"] == "Fördermittel klug kombinieren"
    assert meta["topics"] == ["Fördermittel"]
    assert meta["speakers"] == [{"name": "Mara Muster", "org": "Landkreis Beispielstadt"}]
    assert "number" not in meta and "next" not in meta and "image" not in meta
    text = path.read_text(encoding="utf-8")
    assert "date: 2025-03-14  # from the page's <meta> article:published_time \"2025-03-14T09:30:00+01:00\": " \
           "the day the page was published, the session may have been earlier: check" in text
    assert "# Not in the source: number; next; image" in text
    for line in ("not in the source: number: the source does not say which 'Smarter Kaffee' this was",
                 "not in the source: next: the source announces no next session",
                 "not in the source: image: the source has no picture"):
        assert line in out


def test_an_english_page_into_an_english_archive(server, tmp_path, capsys):
    content = small_archive(tmp_path / "content", language="en", series="Smart Coffee", topics={
        "mobility": "title: Mobility\nforms: [rural mobility]", "open-data": "title: Open Data"})
    server.routes["/img/coffee12.png"] = Reply(200, {"Content-Type": "image/png"}, png(40, 30))
    url = server.page("/news/coffee-12", (FIXTURES / "english.html").read_text(encoding="utf-8"))
    code, out, err = run_import(capsys, content, url)
    assert code == 0, err
    path = content / "sessions/2025/2025-04-03-smart-coffee-12-rural-mobility-on-demand.md"
    meta = front_matter(path)
    assert meta["title"] == "Smart Coffee #12: Rural mobility on demand"
    assert meta["date"] == "2025-04-03"
    assert meta["number"] == 12
    assert meta["speakers"] == [{"name": "Jane Roe", "org": "Example County"},
                                {"name": "Sam Poe", "org": "Sample Transit Ltd"}]
    assert meta["topics"] == ["Mobility"]  # "open data" is named once: too weak beside it
    assert meta["next"] == {"date": "2025-05-08", "title": "Data sharing between counties"}
    assert meta["image"]["alt"] == "A small white minibus waiting at a village bus stop at dusk"
    assert (content / meta["image"]["src"]).is_file()
    body = body_of(path)
    assert "## Input" in body and "cookies" not in body.lower() and "Newsletter" not in body
    assert "note:" not in out  # English page, English archive: nothing to warn about


def test_a_german_page_into_an_english_archive_is_noted(server, tmp_path, capsys):
    content = small_archive(tmp_path / "content", language="en", series="Smarter Kaffee")
    url = server.page("/de", (FIXTURES / "meta_date.html").read_text(encoding="utf-8"))
    code, out, _ = run_import(capsys, content, url)
    assert code == 0
    assert "note: the source is in 'de', the archive in 'en': check dates, topics and the text" in out


# --- hostile servers ------------------------------------------------------------------------

def refused(capsys, content: Path, url: str, *args: str) -> str:
    code, out, err = run_import(capsys, content, url, *args)
    assert code == 1
    assert "imported 0 of 1 report(s); 1 not imported" in out
    assert sessions(content) == [] and not (content / "media").exists()
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err  # one clear message
    return lines[0]


def test_a_huge_page_is_refused_at_the_size_limit(server, content, capsys):
    server.routes["/huge"] = Reply(200, {"Content-Type": "text/html"},
                                   lambda: (b"<p>" + b"x" * 65536 for _ in range(200)))
    message = refused(capsys, content, server.url("/huge"))
    assert message == f"[1/1] not imported: {server.url('/huge')}: the page is larger than the limit of 5.0 MB; " \
                      "nothing was kept"


def test_a_page_announcing_a_huge_length_is_refused_before_reading(server, content, capsys):
    server.routes["/announced"] = Reply(200, {"Content-Type": "text/html", "Content-Length": str(60 << 20)},
                                        lambda: iter([b"<p>tiny"]))
    assert "the page is 60.0 MB, more than the limit of 5.0 MB" in refused(capsys, content, server.url("/announced"))


def test_a_packed_bomb_is_refused_while_unpacking(server, content, capsys):
    bomb = gzip.compress(b"<p>" + b"a" * (40 << 20), compresslevel=9)
    assert len(bomb) < 100_000
    server.routes["/bomb"] = Reply(200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)
    assert "larger than the limit of 5.0 MB" in refused(capsys, content, server.url("/bomb"))


def test_a_slow_server_is_given_up_at_the_deadline(server, content, capsys):
    server.routes["/slow"] = Reply(200, {"Content-Type": "text/html"}, trickle(b"a", every=0.1))
    started = time.monotonic()
    message = refused(capsys, content, server.url("/slow"), "--timeout", "1")
    assert time.monotonic() - started < 10  # the trickle would go on for 30 s
    assert message.endswith(": no complete answer within 1 s; nothing was kept (--timeout gives a slow server "
                            "more time)")


def test_a_silent_server_is_given_up_at_the_deadline(server, content, capsys):
    server.routes["/silent"] = Reply(200, {}, b"", delay=30)
    started = time.monotonic()
    message = refused(capsys, content, server.url("/silent"), "--timeout", "1")
    assert time.monotonic() - started < 10
    assert "no complete answer within 1 s" in message


def test_redirects_are_followed_a_few_times_and_loops_refused(server, content, capsys):
    server.routes["/a"] = Reply(302, {"Location": "/b"})
    server.routes["/b"] = Reply(301, {"Location": server.url("/a")})
    assert f"redirect loop ({server.url('/a')} -> {server.url('/b')} -> {server.url('/a')})" in \
        refused(capsys, content, server.url("/a"))
    for n in range(10):
        server.routes[f"/r{n}"] = Reply(307, {"Location": f"/r{n + 1}"})
    assert "more than 5 redirects" in refused(capsys, content, server.url("/r0"))
    server.routes["/file"] = Reply(302, {"Location": "file:///etc/passwd"})
    assert "redirects to file:///etc/passwd, which is not an http or https address" in \
        refused(capsys, content, server.url("/file"))
    server.routes["/moved"] = Reply(308, {"Location": "/berichte/neu"})
    server.page("/berichte/neu", (FIXTURES / "meta_date.html").read_text(encoding="utf-8"))
    code, _, err = run_import(capsys, content, server.url("/moved"))
    assert code == 0, err


def test_wrong_content_types_are_refused(server, content, capsys):
    server.routes["/report.pdf"] = Reply(200, {"Content-Type": "application/pdf"}, b"%PDF-1.7 ...")
    assert refused(capsys, content, server.url("/report.pdf")).endswith(
        "the server sends application/pdf, not a web page or text (text/html, application/xhtml+xml, text/plain, "
        "text/markdown, text/x-markdown)")
    server.routes["/bild"] = Reply(200, {"Content-Type": "image/png"}, png())
    assert "the server sends image/png, not a web page" in refused(capsys, content, server.url("/bild"))
    server.routes["/gone"] = Reply(404, {"Content-Type": "text/html"}, b"<p>weg</p>")
    assert refused(capsys, content, server.url("/gone")).endswith("the server answered 404 Not Found")


def test_scripts_are_never_run(server, content, capsys):
    page = (FIXTURES / "cms_article.html").read_text(encoding="utf-8").replace(
        "<h2>Diskussion</h2>",
        "<script>fetch('/ran-script'); document.write('<p>Geschrieben vom Skript</p>')</script>"
        "<p onclick=\"fetch('/ran-handler')\">Ein Absatz mit <a href=\"javascript:fetch('/ran-link')\">Skript-Link</a>"
        " und <img src=\"/ran-img\" onerror=\"fetch('/ran-onerror')\" alt=\"\"> Bild.</p><h2>Diskussion</h2>")
    url = server.page("/mit-skript", page)
    code, out, err = run_import(capsys, content, url)
    assert code == 0, err
    assert not [r for r in server.requests if r.startswith("/ran")]
    path = sessions(content)[0]
    body = body_of(path)
    assert "Ein Absatz mit Skript-Link und Bild." in body
    for trace in ("fetch(", "javascript", "Geschrieben vom Skript", "onclick", "onerror"):
        assert trace not in path.read_text(encoding="utf-8")
    assert "note: the page has 1 script(s); import ignored them (it never runs scripts)" in out


def test_a_page_whose_text_a_script_writes_says_so(server, content, capsys):
    url = server.page("/app", "<!doctype html><html><head><title>Bericht</title></head><body><div id=app></div>"
                      "<script>document.getElementById('app').innerHTML = '<p>Am 5. Mai 2025 …</p>'</script>"
                      "</body></html>")
    assert refused(capsys, content, url) == (
        f"[1/1] not imported: {url}: no report text on the page; its text is written by JavaScript, which import "
        "never runs. Open it in a browser, save it (Save Page As…) and import the saved file, or copy the text "
        "and import it with '-'")


def _bomb_png() -> bytes:
    """A valid PNG header claiming 100,000 x 100,000 pixels: 10 gigapixels from a few bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


@pytest.mark.parametrize("kind, data, reason", [
    ("image/png", _bomb_png(), "unpacks to more pixels than allowed"),
    ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "the SVG has a <script> element; import keeps no picture that can run scripts"),
    ("image/png", b"<html><body>not a picture</body></html>", "not a picture that can be read"),
    ("text/html", b"<html></html>", "the server sends text/html, not a picture"),
])
def test_bad_pictures_are_not_kept_and_the_report_gets_a_placeholder(server, content, capsys, kind, data, reason):
    server.routes["/bilder/kaffee7.png"] = Reply(200, {"Content-Type": kind}, data)
    url = server.page("/bericht", (FIXTURES / "cms_article.html").read_text(encoding="utf-8"))
    code, out, err = run_import(capsys, content, url)
    assert code == 0, err
    assert reason in out
    assert not (content / "media").exists()
    meta = front_matter(sessions(content)[0])
    assert meta["image"]["src"] == "media/2024-11-14-7-smarter-kaffee-offene-daten-im-landkreis.jpg"
    assert meta["image"]["alt"] == "Zeichnung eines Laptops mit einer Datentabelle und einer Kaffeetasse"
    assert "save the page's picture '/bilder/kaffee7.png' as" not in out  # it was reachable, only bad
    assert "save the picture that image.alt in" in out


def test_an_address_with_spaces_and_umlauts_is_sent_escaped(server, content, capsys):
    server.page("/Berichte/F%C3%B6rdermittel%20klug", (FIXTURES / "meta_date.html").read_text(encoding="utf-8"))
    code, _, err = run_import(capsys, content, server.url("/Berichte/Fördermittel klug"))
    assert code == 0, err
    assert server.requests == ["/Berichte/F%C3%B6rdermittel%20klug"]


def test_a_picture_without_a_description_is_kept_and_the_editor_asked_for_one(server, content, capsys, monkeypatch):
    # imported a week after the session: the session it announces (12 December) is still ahead
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2024-11-20"))
    page = (FIXTURES / "cms_article.html").read_text(encoding="utf-8").replace(
        '<meta property="og:image:alt" content="Zeichnung eines Laptops mit einer Datentabelle und einer Kaffeetasse">\n', "")
    server.routes["/bilder/kaffee7.png"] = Reply(200, {"Content-Type": "image/png"}, png(704, 528))
    code, out, _ = run_import(capsys, content, server.page("/ohne-alt", page))
    assert code == 0
    path = sessions(content)[0]
    meta = front_matter(path)
    assert meta["image"] == {"src": "media/2024-11-14-7-smarter-kaffee-offene-daten-im-landkreis.png", "alt": ""}
    assert f"describe the picture in {path} (line 'alt:' below 'image:')" in out
    assert "not in the source: image.alt: the source does not describe its picture" in out
    write_legal_pages(content)
    check = ["check", "--content", str(content), "--templates", str(TEMPLATES), "--strict"]
    assert main(check) == 1 and "the image has no alt text" in capsys.readouterr().out
    path.write_text(path.read_text(encoding="utf-8").replace('alt: ""', "alt: Ein Laptop"), encoding="utf-8")
    assert main(check) == 0


def test_a_bomb_is_named_so_whatever_ran_before_in_the_process(monkeypatch):
    """The build's picture codec lifts Pillow's process-wide guard while it reads a picture; the
    import's check sets the guard itself (in the suite it said 'more than a report picture needs'
    after other tests had run in the same process)."""
    from PIL import Image

    from kaffee_site.importer.media import PictureError, check_picture

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(PictureError, match="the picture unpacks to more pixels than allowed"):
        check_picture(_bomb_png(), "bilder/kaffee7.png")
    assert Image.MAX_IMAGE_PIXELS is None  # left as it was found

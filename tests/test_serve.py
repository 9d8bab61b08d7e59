"""`kaffee-site serve` over real HTTP on 127.0.0.1: pages, rebuilds, problems, safety, Ctrl-C."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kaffee_site.options import BuildOptions
from kaffee_site.cli import main
from kaffee_site.serve.server import DevServer, Rebuilt
from kaffee_site.serve.watch import ignored_name
from support import TEMPLATES, Archive, session_md, tree_snapshot, wait_until, with_legal_pages

SITE = "title: Testarchiv\nbase_url: https://example.org/kaffee/\nsearch: false\n"
SESSION = "sessions/2025-03-13-live.md"
PAGE = "/kaffee/sitzungen/2025-03-13-live/"
LIVE_SCRIPT = b"kaffee-live-reload"


@dataclass
class Served:
    archive: Archive
    server: DevServer
    events: list = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.http.server_address[1]

    def get(self, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def page_with(self, path: str, text: bytes) -> bytes | None:
        """The body of `path` if it contains `text` (else None), for wait_until."""
        body = self.get(path)[2]
        return body if text in body else None

    def rebuilds(self) -> list:
        return [e.result for e in self.events if isinstance(e, Rebuilt)]


@pytest.fixture
def served(archive: Archive):
    archive.write("site.yaml", SITE)
    with_legal_pages(archive)
    archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body="Ein erster Bericht."))
    archive.write("sessions/2025-02-13-vorher.md", session_md("Vorher", "2025-02-13", body="Davor."))
    events: list = []
    server = DevServer(BuildOptions(archive.content, archive.output, TEMPLATES), "127.0.0.1", 0, events.append)
    server.start()
    try:
        yield Served(archive, server, events)
    finally:
        server.stop()


def test_pages_are_served_under_the_base_path_and_at_the_root(served: Served):
    for path in (PAGE, "/sitzungen/2025-03-13-live/"):
        status, headers, body = served.get(path)
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"<h1>Live-Sitzung</h1>" in body
    assert served.get("/kaffee/static/style.css")[1]["Content-Type"] == "text/css; charset=utf-8"
    status, headers, _ = served.get("/kaffee/sitzungen")
    assert (status, headers["Location"]) == (301, "/kaffee/sitzungen/")
    assert served.get("/kaffee")[1]["Location"] == "/kaffee/"
    status, _, body = served.get("/kaffee/gibt-es-nicht/")
    assert status == 404
    assert b"Seite nicht gefunden" in body
    status, headers, body = served.get(PAGE, method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["Content-Length"]) > 0


TRAVERSALS = [
    "/../../../../etc/passwd", "/kaffee/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
    "/kaffee/%2E%2E/%2E%2E/etc/passwd", "/..%5c..%5cetc%5cpasswd", "//etc/passwd", "/%2fetc/passwd",
    "/index.html%00.css", "/.kaffee-site", "/%ff%fe", "http://127.0.0.1/../etc/passwd", "/kaffee/..",
]


def test_paths_outside_the_output_folder_are_not_found(served: Served):
    answers = {path: served.get(path) for path in TRAVERSALS}
    assert {path: status for path, (status, _, _) in answers.items()} == {path: 404 for path in TRAVERSALS}
    assert not any(b"root:" in body for _, _, body in answers.values())


def test_a_symlink_out_of_the_output_folder_is_not_followed(served: Served, tmp_path: Path):
    secret = tmp_path / "geheim.txt"
    secret.write_text("geheim", encoding="utf-8")
    (served.archive.output / "link.txt").symlink_to(secret)
    (served.archive.output / "ordner").symlink_to(tmp_path)
    assert served.get("/link.txt")[0] == 404
    assert served.get("/ordner/geheim.txt")[0] == 404


def test_an_edit_is_served_and_only_served_html_has_the_reload_script(served: Served, tmp_path: Path):
    built = len(served.rebuilds())
    served.archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body="Ein geänderter Bericht."))
    wait_until(lambda: "geänderter".encode() in served.get(PAGE)[2], "the edit served")
    wait_until(lambda: len(served.rebuilds()) > built, "the rebuild finished")  # the page is written first
    assert LIVE_SCRIPT in served.get(PAGE)[2]
    on_disk = tree_snapshot(served.archive.output)
    assert [path for path, data in on_disk.items() if LIVE_SCRIPT in data] == []
    clean = tmp_path / "clean"
    assert main(["build", "--content", str(served.archive.content), "--output", str(clean),
                 "--templates", str(TEMPLATES)]) == 0
    assert not any(LIVE_SCRIPT in data for data in tree_snapshot(clean).values())
    assert tree_snapshot(clean) == on_disk  # what serve wrote is what build writes


def test_a_content_error_keeps_the_last_good_page_and_shows_an_overlay_until_fixed(served: Served):
    served.archive.write(SESSION, "---\ntitle: Live-Sitzung\ndate: 2025-03-13\n---\nSiehe [[<b>Nirgends</b>]].\n")
    body = wait_until(lambda: served.page_with(PAGE, b"kaffee-overlay"), "the overlay")
    assert b"Ein erster Bericht." in body  # the last good build
    assert b"unknown link target &#x27;&lt;b&gt;Nirgends&lt;/b&gt;&#x27;" in body
    assert b"<b>Nirgends</b>" not in body
    assert f"{served.archive.content / SESSION}:5".encode() in body
    failed = [r for r in served.rebuilds() if not r.ok]
    assert failed and failed[-1].problems[0].format().startswith(f"{served.archive.content / SESSION}:5: ")
    served.archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body="Repariert."))
    wait_until(lambda: (body := served.page_with(PAGE, b"Repariert.")) and b"kaffee-overlay" not in body,
               "the fix served without the overlay")


def test_a_yaml_error_keeps_the_page_served(served: Served):
    served.archive.write(SESSION, "---\ntitle: [Live\ndate: 2025-03-13\n---\nText\n")
    wait_until(lambda: b"kaffee-overlay" in served.get(PAGE)[2], "the overlay")
    status, _, body = served.get(PAGE)
    assert status == 200 and b"Ein erster Bericht." in body and b"invalid YAML" in body


def test_the_event_stream_announces_a_new_build(served: Served):
    version = re.search(rb'var version = "([^"]+)"', served.get(PAGE)[2]).group(1).decode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as stream:
        stream.sendall(f"GET /__kaffee__/events?v={version} HTTP/1.0\r\n\r\n".encode())
        head = stream.recv(4096)
        assert b"200" in head.split(b"\r\n")[0] and b"text/event-stream" in head
        served.archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body="Neu."))
        received = b""
        while b"data: " not in received:
            chunk = stream.recv(4096)
            assert chunk, "the stream closed"
            received += chunk
    assert re.search(rb"data: (\S+)\n\n", received).group(1).decode() != version


def test_concurrent_requests_are_answered(served: Served):
    stream = socket.create_connection(("127.0.0.1", served.port), timeout=10)  # an open page listening
    stream.sendall(b"GET /__kaffee__/events?v=x HTTP/1.0\r\n\r\n")
    try:
        paths = [PAGE, "/kaffee/", "/sitzungen/", "/kaffee/static/style.css", "/nirgends/"] * 8
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(lambda p: served.get(p)[0], paths))
        assert statuses == [404 if p == "/nirgends/" else 200 for p in paths]
    finally:
        stream.close()


def test_a_burst_of_saves_becomes_one_rebuild(served: Served):
    before = len(served.rebuilds())
    for n in range(10):
        served.archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body=f"Fassung {n}."))
    wait_until(lambda: b"Fassung 9." in served.get(PAGE)[2], "the last save served")
    time.sleep(0.3)  # a straggling rebuild would show up here
    assert len(served.rebuilds()) - before <= 3  # without coalescing it would be ten


def test_a_template_edit_is_served(archive: Archive, tmp_path: Path):
    theme = tmp_path / "theme"
    import shutil
    shutil.copytree(TEMPLATES, theme)
    archive.write("site.yaml", SITE)
    archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13"))
    server = DevServer(BuildOptions(archive.content, archive.output, theme), "127.0.0.1", 0)
    server.start()
    try:
        page = theme / "session.html"
        page.write_text(page.read_text(encoding="utf-8").replace("<h1>", '<h1 class="frisch">'), encoding="utf-8")
        served = Served(archive, server)
        wait_until(lambda: b'<h1 class="frisch">' in served.get(PAGE)[2], "the template edit served")
    finally:
        server.stop()


def test_a_templates_folder_made_while_serving_is_picked_up(archive: Archive):
    """A new archive has no templates/: serve uses the packaged theme, and takes an override
    made later, then drops it again when it is removed."""
    archive.write("site.yaml", SITE)
    archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13"))
    templates = archive.root / "templates"
    server = DevServer(BuildOptions(archive.content, archive.output, templates), "127.0.0.1", 0)
    server.start()
    try:
        served = Served(archive, server)
        assert b'<footer class="site-footer">' in served.get(PAGE)[2]
        templates.mkdir()
        (templates / "base.html").write_text('{% extends "default/base.html" %}\n'
                                             '{% block footer %}<footer class="eigen">Fuß</footer>{% endblock %}\n',
                                             encoding="utf-8")
        wait_until(lambda: served.page_with(PAGE, b'<footer class="eigen">'), "the new override served")
        (templates / "base.html").unlink()
        wait_until(lambda: served.page_with(PAGE, b'<footer class="site-footer">'), "the default footer back")
    finally:
        server.stop()


def test_a_broken_start_serves_the_problems_and_recovers(archive: Archive):
    archive.write("site.yaml", SITE)
    archive.write(SESSION, "---\ntitle: Live\ndate: 2025-13-13\n---\nText\n")
    server = DevServer(BuildOptions(archive.content, archive.output, TEMPLATES), "127.0.0.1", 0)
    server.start()
    try:
        served = Served(archive, server)
        status, _, body = served.get("/")
        assert status == 404 and b"kaffee-overlay" in body and b"is not a valid date" in body
        archive.write(SESSION, session_md("Live", "2025-03-13", body="Geht wieder."))
        wait_until(lambda: b"Geht wieder." in served.get("/sitzungen/2025-03-13-live/")[2], "the page after the fix")
    finally:
        server.stop()


def test_editor_scratch_files_are_ignored():
    assert all(map(ignored_name, [".verstetigung.md.swp", "verstetigung.md~", "4913", ".#verstetigung.md",
                                  "#verstetigung.md#", ".kaffee-cache", "x.md.kaffee-tmp"]))
    assert not any(map(ignored_name, ["verstetigung.md", "site.yaml", "bild.png"]))


def test_serve_as_a_command_prints_its_address_never_writes_content_and_stops_on_ctrl_c(archive: Archive):
    archive.write("site.yaml", SITE)
    archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13"))
    before = tree_snapshot(archive.content)
    command = [sys.executable, "-m", "kaffee_site", *archive.args("serve", "--port", "0")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=archive.root)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        url = wait_until(lambda: next((m.group(0) for l in lines if (m := re.search(r"http://127\.0\.0\.1:\d+/\S*", l))),
                                      None), "the address printed")
        wait_until(lambda: any(l.startswith("built") for l in lines), "the first build")  # a page saying so until then
        assert url.endswith("/kaffee/")
        port = int(url.split(":")[2].split("/")[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/kaffee/sitzungen/2025-03-13-live/")
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=5)
    assert "stopped" in "".join(lines)
    assert "Traceback" not in "".join(lines)
    assert tree_snapshot(archive.content) == before


def test_a_port_in_use_is_a_usage_error(archive: Archive, capsys):
    archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(archive.args("serve", "--port", str(port))) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
    assert not archive.output.exists()


def test_serve_refuses_an_output_folder_inside_the_content(archive: Archive, capsys):
    archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13"))
    code = main(["serve", "--content", str(archive.content), "--output", str(archive.content / "out"),
                 "--templates", str(TEMPLATES), "--port", "0"])
    assert code == 2
    assert "must be separate from the content folder" in capsys.readouterr().err
    assert not (archive.content / "out").exists()


def test_the_search_index_follows_the_saves_and_stops_with_the_server(archive: Archive):
    pytest.importorskip("pagefind")
    archive.write("site.yaml", SITE.replace("search: false", "search: true"))
    archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body="Ein erster Bericht."))
    server = DevServer(BuildOptions(archive.content, archive.output, TEMPLATES), "127.0.0.1", 0)
    server.start()
    index = archive.output / "pagefind" / "pagefind.js"
    try:
        wait_until(index.is_file, "the search index", timeout=60)
        files = lambda: {p.name for p in (archive.output / "pagefind").rglob("*.pf_fragment")}  # noqa: E731
        before = files()
        archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body="Ein Bericht über Breitband."))
        wait_until(lambda: files() != before, "the index updated (fragments are named by their content)", timeout=60)
    finally:
        server.stop()
    assert server.indexer._child is None or server.indexer._child.poll() is not None


def test_a_save_while_the_search_index_runs_stops_it_and_the_index_follows_later(archive: Archive):
    """Pagefind holds the output folder while it runs (seconds on a large archive): a save stops
    it, so the rebuild does not queue behind it, and the index is made once saves are quiet."""
    pytest.importorskip("pagefind")
    archive.write("site.yaml", SITE.replace("search: false", "search: true"))
    archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body="Ein erster Bericht."))
    for n in range(150):  # enough pages that Pagefind is still at work when the save comes
        archive.write(f"sessions/2024/s{n}.md", session_md(f"Sitzung {n}", f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                                                           body=f"Bericht {n} über Daten und Wege. " * 20))
    server = DevServer(BuildOptions(archive.content, archive.output, TEMPLATES), "127.0.0.1", 0)
    server.start()
    try:
        indexer = server.indexer
        child = wait_until(lambda: indexer._child, "the search indexer started", timeout=30)
        archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body="Ein Bericht über Breitband."))
        wait_until(lambda: child.poll() is not None, "the indexer stopped for the save", timeout=5)
        page = archive.output / "sitzungen/2025-03-13-live/index.html"
        wait_until(lambda: b"Breitband" in page.read_bytes(), "the saved page", timeout=10)
        wait_until(lambda: (archive.output / "pagefind" / "pagefind.js").is_file(), "the index made later", timeout=60)
    finally:
        server.stop()
    assert child.returncode != 0  # it was ended, not finished

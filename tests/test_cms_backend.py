"""`serve`'s local editor backend over real HTTP on 127.0.0.1 (serve/cms_backend.py, cms/backend.py).

What a page in another tab, a stray request or a hostile path can do: nothing. Each refusal is
checked for its status and for the files: not one byte changes in the content folder, and
nothing appears beside it. What the editor's own page asks for works, and a saved form keeps
what it did not change.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from kaffee_site.cms.files import MAX_MEDIA_BYTES
from kaffee_site.serve.cms_backend import MAX_BODY
from support import IMPORTED_REPORT as REPORT
from support import TEMPLATES, ServeProcess, session_md, tree_snapshot, wait_until

SITE = "title: Testarchiv\nbase_url: https://example.org/kaffee/\nsearch: false\ncms:\n"
PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d"
                                     "49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()


@dataclass
class Editor:
    """A running `kaffee-site serve` process and what its admin page tells the browser."""

    root: Path
    serve: ServeProcess
    api: str  # the backend's address, with this run's secret

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def port(self) -> int:
        return self.serve.port

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def secret(self) -> str:
        return self.api.split("/")[3]

    def post(self, body: object, path: str | None = None, headers: dict | None = None,
             raw: bytes | None = None) -> tuple[int, object]:
        data = raw if raw is not None else json.dumps(body).encode()
        sent = {"Origin": self.origin, "Content-Type": "application/json", "Sec-Fetch-Site": "same-origin",
                "Content-Length": str(len(data)), **(headers or {})}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.putrequest("POST", path or self.api, skip_host="Host" in sent)
            for name, value in sent.items():
                if value is not None:
                    connection.putheader(name, value)
            connection.endheaders()
            if int(sent.get("Content-Length") or 0) <= MAX_BODY:
                connection.send(data)
            response = connection.getresponse()
            answer = response.read()
            return response.status, json.loads(answer) if answer.startswith(b"{") or answer.startswith(b"[") else None
        finally:
            connection.close()

    def call(self, action: str, **params) -> tuple[int, object]:
        return self.post({"action": action, "params": {"branch": "main", **params}})


def get(port: int, path: str) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def start(root: Path) -> tuple[ServeProcess, str]:
    """`kaffee-site serve` in `root` (content/, output/), once its admin page is there: (process,
    the backend's address its admin page names)."""
    serve = ServeProcess(root, "--content", "content", "--output", "output", "--templates", str(TEMPLATES))
    try:
        page = wait_until(lambda: (lambda answer: answer[1] if answer[0] == 200 else None)(serve.get("/kaffee/admin/")),
                          "serve answers with the admin page", timeout=60)
        found = re.search(rb"window\.KAFFEE_CMS_LOCAL = (\{.*?\});", page)
        assert found, "the served admin page names serve's backend"
        return serve, json.loads(found.group(1))["proxy_url"]
    except BaseException:
        serve.stop()
        raise


def initial(root: Path) -> None:
    content = root / "content"
    (content / "sessions/2025").mkdir(parents=True)
    (content / "topics").mkdir()
    (content / "site.yaml").write_text(SITE, encoding="utf-8")
    (content / "sessions/2025/2025-01-16-erste.md").write_text(REPORT, encoding="utf-8")
    (content / "topics/verstetigung.md").write_text("---\ntitle: Verstetigung\n---\nWissen halten.\n", encoding="utf-8")
    (root / "outside").mkdir()
    (root / "outside" / "secret.md").write_text("---\ntitle: Geheim\n---\nnicht lesen\n", encoding="utf-8")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory):
    """One serve process for the module (starting one takes seconds): each test gets the content
    folder back as it was (restore)."""
    root = tmp_path_factory.mktemp("cms-backend")
    initial(root)
    serve, api = start(root)
    try:
        yield Editor(root, serve, api)
    finally:
        serve.stop()


@pytest.fixture
def editor(running: Editor):
    before = _state(running.content)
    yield running
    _restore(running.content, before)


def _state(folder: Path) -> dict[str, bytes | None]:
    """Every entry under `folder` (not following links): a file's bytes, None for a folder."""
    found: dict[str, bytes | None] = {}
    for top, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(top, name)
            found[path.relative_to(folder).as_posix()] = None if path.is_dir() and not path.is_symlink() \
                else (b"link" if path.is_symlink() else path.read_bytes())
    return found


def _restore(folder: Path, before: dict[str, bytes | None]) -> None:
    now = _state(folder)
    for rel in sorted(now, reverse=True):  # the deepest first
        path = folder / rel
        if rel not in before or path.is_symlink():
            path.unlink() if path.is_symlink() or not path.is_dir() else path.rmdir()
    for rel, data in before.items():
        path = folder / rel
        if data is None:
            path.mkdir(parents=True, exist_ok=True)
        elif now.get(rel) != data:
            path.write_bytes(data)


def _beside(root: Path) -> list[str]:
    """What lies beside the content folder, without the build's own (its lock and staging
    folders `.output.kaffee-*`, which serve's rebuilds make and remove at any moment)."""
    return sorted(name for name in os.listdir(root) if not name.startswith(".output.kaffee-"))


def untouched(editor: Editor):
    """A snapshot of the content folder and of what lies beside it; call it again to compare."""
    root = editor.root
    before = (tree_snapshot(editor.content), tree_snapshot(root / "outside"), _beside(root))
    return lambda: (tree_snapshot(editor.content), tree_snapshot(root / "outside"), _beside(root)) == before


def entry(path: str, raw: str, **more) -> dict:
    return {"action": "persistEntry", "params": {
        "branch": "main", "dataFiles": [{"path": path, "slug": "x", "raw": raw, **more}], "assets": [],
        "options": {"commitMessage": "x", "useWorkflow": False, "status": ""}}}


NEW = "---\ntitle: Neu\ndate: 2025-03-13\n---\nText.\n"


# --- what the editor's own page gets --------------------------------------------------------

def test_the_served_admin_page_holds_this_runs_secret_the_built_one_none(editor: Editor, tmp_path: Path):
    status, headers, page = get(editor.port, "/kaffee/admin/")
    assert editor.secret.encode() in page
    assert editor.secret.encode() not in (editor.root / "output" / "admin" / "index.html").read_bytes()
    assert editor.secret not in editor.serve.terminal, "the secret is for the admin page, not the terminal"
    assert b"kaffee-live-reload" not in page, "a rebuild must not reload the editor under the editor's hands"
    assert headers["Content-Security-Policy"] == "frame-ancestors 'none'" and headers["X-Frame-Options"] == "DENY"
    assert b"kaffee-live-reload" in get(editor.port, "/kaffee/")[2], "reader pages keep live reload"
    status, headers, _ = get(editor.port, "/kaffee/admin/config.yml")
    assert status == 200 and headers["Content-Type"].startswith("text/yaml")
    assert f"editor: http://127.0.0.1:{editor.port}/kaffee/admin/" in editor.serve.terminal
    initial(tmp_path)  # a second run: another secret, and the first run's refused by it
    second, api = start(tmp_path)
    try:
        assert api != editor.api
        assert editor.post({"action": "info"}, path=api)[0] == 403, "another serve's secret"
    finally:
        second.stop()


def test_the_backend_lists_reads_and_writes_the_archive_files(editor: Editor):
    assert editor.call("info")[1]["type"] == "local_fs"
    status, entries = editor.call("entriesByFolder", folder="content/sessions", extension="md", depth=2)
    assert status == 200 and [e["file"]["path"] for e in entries] == ["content/sessions/2025/2025-01-16-erste.md"]
    assert entries[0]["data"] == REPORT
    status, found = editor.call("getEntry", path="content/topics/verstetigung.md")
    assert status == 200 and found["data"].startswith("---\ntitle: Verstetigung")
    status, _ = editor.post(entry("content/sessions/2025/2025-03-13-neu.md", NEW))
    assert status == 200
    assert (editor.content / "sessions/2025/2025-03-13-neu.md").read_text(encoding="utf-8") == \
        "---\ntitle: Neu\ndate: 2025-03-13\n---\n\nText.\n"
    asset = {"path": "content/media/bild.png", "content": PNG, "encoding": "base64"}
    status, medium = editor.call("persistMedia", asset=asset, options={"commitMessage": "x"})
    assert status == 200 and medium["name"] == "bild.png"
    assert (editor.content / "media/bild.png").read_bytes() == base64.b64decode(PNG)
    status, media = editor.call("getMedia", mediaFolder="content/media")
    assert [m["path"] for m in media] == ["content/media/bild.png"]
    assert editor.call("deleteFile", path="content/media/bild.png", options={"commitMessage": "x"})[0] == 200
    assert not (editor.content / "media/bild.png").exists()


def test_a_saved_form_keeps_comments_order_and_body_of_what_it_did_not_change(editor: Editor):
    # what Decap sends: its own YAML, its key order, no comments, one value changed
    decap = ("---\ntitle: Erste Sitzung\ndate: 2025-01-16\nnumber: 2\ntopics:\n  - Verstetigung\nspeakers:\n"
             "  - org: Kreis Beispiel\n    name: Jana Beispiel\ndraft: false\n---\n" + REPORT.split("---\n", 2)[2])
    status, _ = editor.post(entry("content/sessions/2025/2025-01-16-erste.md", decap))
    assert status == 200
    assert (editor.content / "sessions/2025/2025-01-16-erste.md").read_text(encoding="utf-8") == \
        REPORT.replace("number: 1\n", "number: 2\n")


def test_a_renamed_entry_moves_alone(editor: Editor):
    (editor.content / "sessions/2025/2025-02-13-zweite.md").write_text(session_md("Zweite", "2025-02-13"), encoding="utf-8")
    status, _ = editor.post(entry("content/sessions/2025/2025-01-16-erste.md", REPORT,
                                  newPath="content/sessions/2024/2025-01-16-erste.md"))
    assert status == 200
    assert sorted(p.relative_to(editor.content).as_posix() for p in editor.content.rglob("*.md")
                  if "sessions" in p.parts) == ["sessions/2024/2025-01-16-erste.md", "sessions/2025/2025-02-13-zweite.md"]


# --- refused: a 403 or 400 and not one byte written ------------------------------------------

def test_without_this_runs_secret_nothing_happens(editor: Editor):
    same = untouched(editor)
    for path in ("/__kaffee__/cms/api/v1", "/__kaffee__/cms/guessed/api/v1", editor.api + "x",
                 editor.api.replace(editor.secret, editor.secret[:-1])):
        status, answer = editor.post(entry("content/sessions/2025/2025-03-13-neu.md", NEW), path=path)
        assert status == 403, path
    assert editor.post({"action": "getEntry", "params": {"path": "content/topics/verstetigung.md"}},
                       path="/__kaffee__/cms/api/v1")[0] == 403
    assert same()


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": None},
    {"Origin": "http://127.0.0.1:1"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://localhost:1"},
    {"Origin": "https://127.0.0.1"},
    {"Host": "evil.example", "Origin": "http://evil.example"},
], ids=["other-site", "null-origin", "no-origin", "other-port", "cross-site", "same-site", "localhost-other-port",
        "https", "rebound-name"])
def test_a_page_of_another_origin_can_neither_write_nor_read(editor: Editor, headers: dict):
    same = untouched(editor)
    status, answer = editor.post(entry("content/sessions/2025/2025-03-13-neu.md", NEW), headers=headers)
    assert status == 403
    status, answer = editor.post({"action": "getEntry", "params": {"path": "content/topics/verstetigung.md"}},
                                 headers=headers)
    assert status == 403 and "Wissen" not in json.dumps(answer)
    assert same()


@pytest.mark.parametrize("path", [
    "content/sessions/../../outside/neu.md",
    "content/../outside/neu.md",
    "content/sessions/2025/../../../outside/neu.md",
    "/tmp/neu.md",
    "content//sessions/neu.md",
    "C:/neu.md",
], ids=["dotdot", "dotdot-top", "dotdot-deep", "absolute", "empty-part", "drive"])
def test_dotdot_and_absolute_paths_are_refused(editor: Editor, path: str):
    same = untouched(editor)
    status, answer = editor.post(entry(path, NEW))
    assert status == 400, answer
    assert editor.call("getEntry", path=path)[0] == 400
    assert same()


@pytest.mark.parametrize("path", [
    "content/site.yaml",
    "content/sessions/2025/neu.html",
    "content/topics/neu.txt",
    "content/topics/sub/neu.md",
    "content/media/neu.md",
    "content/media/neu.js",
    "content/.git/config",
    "content/sessions/.versteckt.md",
    "content/sessions/neu.md~",
    "content/templates/base.html",
    "other/sessions/neu.md",
    "sessions/neu.md",
], ids=lambda p: p.replace("/", "_"))
def test_names_outside_the_archives_kinds_are_refused(editor: Editor, path: str):
    same = untouched(editor)
    assert editor.post(entry(path, NEW))[0] == 400
    asset = {"path": path, "content": PNG, "encoding": "base64"}
    assert editor.call("persistMedia", asset=asset, options={"commitMessage": "x"})[0] == 400
    assert editor.call("deleteFile", path=path, options={"commitMessage": "x"})[0] == 400
    assert same()


def test_links_are_never_followed(editor: Editor):
    outside = editor.root / "outside"
    os.symlink(outside, editor.content / "sessions" / "2026")  # a folder link leading out
    os.symlink(outside / "secret.md", editor.content / "topics" / "geheim.md")  # a file link leading out
    os.symlink(editor.content / "topics" / "verstetigung.md", editor.content / "topics" / "innen.md")  # stays in
    same = untouched(editor)
    assert editor.post(entry("content/sessions/2026/2026-01-15-neu.md", NEW))[0] == 403
    assert editor.post(entry("content/topics/geheim.md", NEW))[0] == 403
    assert editor.post(entry("content/topics/innen.md", NEW))[0] == 403
    for path in ("content/topics/geheim.md", "content/sessions/2026/secret.md"):
        status, answer = editor.call("getEntry", path=path)
        assert status == 403 and "nicht lesen" not in json.dumps(answer)
    assert editor.call("deleteFile", path="content/topics/geheim.md", options={"commitMessage": "x"})[0] == 403
    status, entries = editor.call("entriesByFolder", folder="content/sessions", extension="md", depth=3)
    assert [e["file"]["path"] for e in entries] == ["content/sessions/2025/2025-01-16-erste.md"]
    status, entries = editor.call("entriesByFolder", folder="content/topics", extension="md", depth=1)
    assert [e["file"]["path"] for e in entries] == ["content/topics/verstetigung.md"]
    assert same()


def test_an_oversized_body_is_refused_unread(editor: Editor):
    same = untouched(editor)
    status, answer = editor.post(None, raw=b"{}", headers={"Content-Length": str(MAX_BODY + 1)})
    assert status == 413 and "larger" in answer["error"]
    big = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX_MEDIA_BYTES + 1)).decode()
    asset = {"path": "content/media/gross.png", "content": big, "encoding": "base64"}
    status, _ = editor.call("persistMedia", asset=asset, options={"commitMessage": "x"})
    assert status == 413
    status, _ = editor.post(entry("content/sessions/2025/2025-03-13-neu.md", NEW + "x" * (3 << 20)))
    assert status == 413
    assert same()


@pytest.mark.parametrize("how", ["get", "form", "text", "no-length", "not-json", "no-action", "short", "bad-yaml"])
def test_requests_that_are_not_the_protocol_are_refused(editor: Editor, how: str):
    same = untouched(editor)
    body = entry("content/sessions/2025/2025-03-13-neu.md", NEW)
    if how == "get":
        status = get(editor.port, editor.api)[0]
        assert status == 405
    elif how in ("form", "text"):
        kind = "application/x-www-form-urlencoded" if how == "form" else "text/plain"
        assert editor.post(body, headers={"Content-Type": kind})[0] == 400
    elif how == "no-length":
        assert editor.post(body, headers={"Content-Length": None})[0] == 411
    elif how == "not-json":
        assert editor.post(None, raw=b"action=persistEntry")[0] == 400
    elif how == "no-action":
        assert editor.post({"params": body["params"]})[0] == 400
    elif how == "bad-yaml":  # front matter no form writes: refused, never half written
        status, answer = editor.post(entry("content/sessions/2025/2025-03-13-neu.md", "---\ntitle: [offen\n---\n"))
        assert status == 400 and "cannot be read" in answer["error"]
    else:  # says more than it sends: the server waits for the rest, then gives up
        raw = json.dumps(body).encode()
        status, _ = editor.post(None, raw=raw[:-10], headers={"Content-Length": str(len(raw))})
        assert status in (400, 408) or status is None
    assert same()


def test_pictures_that_would_run_scripts_are_refused_like_the_build_refuses_them(editor: Editor):
    same = untouched(editor)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name, data in (("bild.svg", svg), ("bild.png", svg)):
        asset = {"path": f"content/media/{name}", "content": base64.b64encode(data).decode(), "encoding": "base64"}
        status, answer = editor.call("persistMedia", asset=asset, options={"commitMessage": "x"})
        assert status == 400 and "script" in answer["error"], name
    # with a report: nothing of the request is written when one part is refused
    request = entry("content/sessions/2025/2025-03-13-neu.md", NEW)
    request["params"]["assets"] = [{"path": "content/media/gut.png", "content": PNG, "encoding": "base64"},
                                   {"path": "content/media/boese.svg", "content": base64.b64encode(svg).decode(),
                                    "encoding": "base64"}]
    assert editor.post(request)[0] == 400
    assert same()


def test_an_archive_without_cms_has_no_editor(tmp_path: Path):
    initial(tmp_path)
    (tmp_path / "content/site.yaml").write_text(SITE.replace("cms:\n", ""), encoding="utf-8")
    serve = ServeProcess(tmp_path, "--content", "content", "--output", "output", "--templates", str(TEMPLATES))
    try:
        wait_until(lambda: serve.get("/kaffee/")[0] == 200, "serve built the archive", timeout=60)
        assert serve.get("/kaffee/admin/")[0] == 404
        assert not (tmp_path / "output/admin").exists()
        assert "editor:" not in serve.terminal
        connection = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=10)
        connection.request("POST", "/__kaffee__/cms/x/api/v1", body=b'{"action": "info"}',
                           headers={"Origin": f"http://127.0.0.1:{serve.port}", "Content-Type": "application/json"})
        assert connection.getresponse().status in (403, 404)
        connection.close()
    finally:
        serve.stop()


def _this_machines_network_address() -> str | None:
    """An address of this machine other than loopback (the one a route out would use), if any."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 9))  # no packet is sent: this only picks the interface
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_shared_on_the_network_only_this_machine_may_save(tmp_path: Path):
    """With --host 0.0.0.0 a colleague's browser sees the admin page, but neither the secret nor a
    saved file: the backend answers requests from this machine only."""
    address = _this_machines_network_address()
    if address is None:
        pytest.fail("this machine has no network address besides loopback; the test needs one")
    initial(tmp_path)
    serve = ServeProcess(tmp_path, "--content", "content", "--output", "output", "--templates", str(TEMPLATES),
                         "--host", "0.0.0.0")
    try:
        local = wait_until(lambda: (lambda answer: answer[1] if answer[0] == 200 else None)(
            serve.get("/kaffee/admin/")), "serve answers with the admin page", timeout=60)
        api = json.loads(re.search(rb"window\.KAFFEE_CMS_LOCAL = (\{.*?\});", local).group(1))["proxy_url"]
        secret = api.split("/")[3]
        connection = http.client.HTTPConnection(address, serve.port, timeout=10)
        connection.request("GET", "/kaffee/admin/")
        response = connection.getresponse()
        remote = response.read()
        assert response.status == 200 and b"KAFFEE_CMS_LOCAL" not in remote and secret.encode() not in remote
        connection.close()
        same = (tree_snapshot(tmp_path / "content"), _beside(tmp_path))
        body = json.dumps(entry("content/sessions/2025/2025-03-13-neu.md", NEW)).encode()
        connection = http.client.HTTPConnection(address, serve.port, timeout=10)
        connection.request("POST", api, body=body, headers={  # as if the secret had leaked
            "Origin": f"http://{address}:{serve.port}", "Content-Type": "application/json"})
        assert connection.getresponse().status == 403
        connection.close()
        assert (tree_snapshot(tmp_path / "content"), _beside(tmp_path)) == same
    finally:
        serve.stop()

"""`kaffee-site serve` under hostile or careless clients, over real sockets on 127.0.0.1.

DNS rebinding (a foreign Host), slowloris (requests that never end), a burst of clients, paths
the file system cannot hold, clients that hang up mid-response, a start while the content is
broken, an output folder deleted from outside. Every bound here is a count or a deadline."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from kaffee_site.options import BuildOptions
from kaffee_site.cli import main
from kaffee_site.serve import http as serve_http
from kaffee_site.serve.server import DevServer, Rebuilt
from support import TEMPLATES, Archive, session_md, tree_snapshot, wait_until, with_legal_pages

SITE = "title: Testarchiv\nbase_url: https://example.org/kaffee/\nsearch: false\n"
SESSION = "sessions/2025-03-13-live.md"
PAGE = "/kaffee/sitzungen/2025-03-13-live/"
BROKEN = "---\ntitle: Live\ndate: 2025-13-13\n---\nText\n"
BIG_FILE = bytes(range(256)) * 40_000  # 10 MB: far more than socket buffers hold


def exchange(port: int, request: bytes, timeout: float = 10.0) -> bytes:
    """Send raw bytes, read the whole answer until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    return received


def get(port: int, path: str, host: str | None = "127.0.0.1", method: str = "GET", version: str = "1.1") -> tuple[int, bytes]:
    head = f"{method} {path} HTTP/{version}\r\n" + (f"Host: {host}\r\n" if host is not None else "")
    answer = exchange(port, (head + "Connection: close\r\n\r\n").encode("latin-1"))
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def write_archive(archive: Archive, session: str | None = None) -> None:
    archive.write("site.yaml", SITE)
    with_legal_pages(archive)
    archive.write(SESSION, session or session_md("Live-Sitzung", "2025-03-13", body="Ein erster Bericht."))


@pytest.fixture
def server(archive: Archive):
    write_archive(archive)
    events: list = []
    dev = DevServer(BuildOptions(archive.content, archive.output, TEMPLATES), "127.0.0.1", 0, events.append)
    dev.start()
    dev.events = events  # type: ignore[attr-defined]
    try:
        yield dev
    finally:
        dev.stop()


def port_of(dev: DevServer) -> int:
    return dev.http.server_address[1]


# --- the Host header: DNS rebinding --------------------------------------------------------

def test_only_requests_for_this_machine_are_answered_others_get_403(server: DevServer):
    port = port_of(server)
    local = ["127.0.0.1", f"127.0.0.1:{port}", "localhost", f"localhost:{port}", "LocalHost", "[::1]", f"[::1]:{port}",
             "vorschau.localhost", "192.168.1.20:8000"]  # an IP address cannot be rebound, as Vite and webpack allow
    assert {host: get(port, PAGE, host)[0] for host in local} == {host: 200 for host in local}
    foreign = ["evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "localhost.evil.example",
               "[::1", "localhost:80:80", f"localhost:{port}x", "", "127.1", "0x7f000001", "::1"]
    answers = {host: get(port, PAGE, host) for host in foreign}
    assert {host: status for host, (status, _) in answers.items()} == {host: 403 for host in foreign}
    status, body = answers["evil.example"]
    assert body.decode() == (
        "403 Forbidden: this preview answers only requests addressed to localhost, an IP address or the --host name "
        "(this one is for 'evil.example'); the check stops DNS rebinding. "
        f"Open http://127.0.0.1:{port}/kaffee/ or start serve with --host evil.example.\n")
    assert not any(b"Live-Sitzung" in body for _, body in answers.values())
    assert get(port, PAGE, "evil.example", method="HEAD") == (403, b"")


def test_the_event_stream_obeys_the_host_rule(server: DevServer):
    port = port_of(server)
    status, body = get(port, "/__kaffee__/events?v=x", "evil.example")
    assert status == 403 and b"DNS rebinding" in body and b"data:" not in body
    with socket.create_connection(("127.0.0.1", port), timeout=10) as stream:
        stream.sendall(b"GET /__kaffee__/events?v=x HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head = stream.recv(4096)
    assert head.startswith(b"HTTP/1.0 200") and b"text/event-stream" in head


def test_an_absolute_request_target_must_name_this_machine_too(server: DevServer):
    port = port_of(server)
    assert get(port, "http://evil.example/kaffee/", "127.0.0.1")[0] == 403
    assert get(port, f"http://127.0.0.1:{port}/kaffee/", "127.0.0.1")[0] == 200


def test_a_missing_host_is_answered_for_http_1_0_and_refused_for_http_1_1(server: DevServer):
    port = port_of(server)
    assert get(port, PAGE, None, version="1.0")[0] == 200  # no browser sends this: it cannot be a rebinding
    status, body = get(port, PAGE, None, version="1.1")
    assert status == 400 and b"Host" in body
    twice = exchange(port, f"GET {PAGE} HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n".encode())
    assert twice.startswith(b"HTTP/1.0 400 ")


def test_the_name_given_to_host_is_answered(archive: Archive):
    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        pytest.skip(f"this machine's name {name!r} does not resolve, so serve cannot listen on it")
    if not address.startswith("127."):
        pytest.skip(f"{name!r} resolves to {address}, not to this machine's loopback; the test listens on 127.0.0.1 only")
    write_archive(archive)
    for host, expected in ((name, 200), ("127.0.0.1", 403)):
        dev = DevServer(BuildOptions(archive.content, archive.output, TEMPLATES), host, 0)
        dev.start()
        try:
            assert get(port_of(dev), PAGE, f"{name}:{port_of(dev)}")[0] == expected
            assert get(port_of(dev), PAGE, f"localhost:{port_of(dev)}")[0] == 200
        finally:
            dev.stop()


def test_on_the_ipv6_loopback_the_same_rule_holds(archive: Archive):
    try:
        socket.socket(socket.AF_INET6).close()
        socket.getaddrinfo("::1", 0, socket.AF_INET6)
    except OSError as err:
        pytest.skip(f"no IPv6 loopback on this machine: {err}")
    write_archive(archive)
    dev = DevServer(BuildOptions(archive.content, archive.output, TEMPLATES), "::1", 0)
    dev.start()
    try:
        port = port_of(dev)
        assert dev.url == f"http://[::1]:{port}/kaffee/"

        def ask(host: str) -> int:
            with socket.create_connection(("::1", port), timeout=10) as conn:
                conn.sendall(f"GET {PAGE} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                return int(conn.recv(64).split()[1])

        assert [ask(host) for host in (f"[::1]:{port}", "[::1]", "localhost", "evil.example", "[::1]x")] == \
            [200, 200, 200, 403, 403]
    finally:
        dev.stop()


# --- slowloris and bursts ------------------------------------------------------------------

def test_half_sent_requests_are_closed_after_the_timeout_and_block_nobody(server: DevServer, monkeypatch):
    port = port_of(server)
    assert 1 <= serve_http.REQUEST_TIMEOUT <= 10  # "a few seconds"
    # The test runs with 1.5 s: a deadline for the whole request, read at each accept, as in use;
    # a client dripping a byte every 0.3 s still sends several bytes within it.
    limit = 1.5
    monkeypatch.setattr(serve_http, "REQUEST_TIMEOUT", limit)
    with ExitStack() as stack:
        idle = []
        for n in range(30):
            conn = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=limit + 5))
            conn.sendall([b"", b"GET / HT", f"GET {PAGE} HTTP/1.1\r\nHost: localhost\r\n".encode()][n % 3])
            idle.append(conn)
        dripping = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=limit + 5))
        opened = time.monotonic()
        started = time.monotonic()
        assert get(port, PAGE)[0] == 200
        assert time.monotonic() - started < 1.0  # thirty stalled clients do not hold up a page
        closed_at = None
        request = f"GET {PAGE} HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".encode() + b"a" * 1000
        dripping.settimeout(0.3)
        for byte in request:  # one byte at a time, each well within any per-read timeout
            try:
                dripping.sendall(bytes([byte]))
                if dripping.recv(1) == b"":
                    closed_at = time.monotonic()
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_at = time.monotonic()
                break
            if time.monotonic() - opened > limit + 5:
                break
        assert closed_at is not None, "a client sending one byte every 0.3 s was never cut off"
        assert closed_at - opened < limit + 2
        for conn in idle:
            assert conn.recv(1024) == b""  # closed, without an answer (recv would time out otherwise)
        assert time.monotonic() - opened < limit + 3


def test_a_burst_of_150_clients_is_answered_without_anyone_waiting_a_second(server: DevServer):
    port = port_of(server)
    count = 150
    ready = threading.Barrier(count)
    times: list[float] = []
    statuses: list[int] = []

    def client() -> None:
        ready.wait(timeout=30)
        started = time.monotonic()
        answer = exchange(port, b"GET /kaffee/static/style.css HTTP/1.1\r\nHost: localhost\r\n\r\n", timeout=20)
        times.append(time.monotonic() - started)
        statuses.append(int(answer.split()[1]))

    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * count
    assert max(times) < 1.0, f"the slowest of {count} clients waited {max(times):.2f} s (a dropped SYN waits 1 s)"


def test_connections_past_the_cap_get_503_at_once_and_the_server_recovers(server: DevServer):
    port = port_of(server)
    cap = serve_http.MAX_CONNECTIONS
    assert 100 <= cap <= 1024
    with ExitStack() as stack:
        idle = [stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10)) for _ in range(cap)]
        deadline = time.monotonic() + 10
        while len(server.http._open) < cap and time.monotonic() < deadline:  # all accepted
            time.sleep(0.01)
        started = time.monotonic()
        answer = exchange(port, f"GET {PAGE} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        assert time.monotonic() - started < 1.0
        assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n") and b"Retry-After: 1\r\n" in answer
        assert answer.endswith(b"\r\n\r\nkaffee-site serve: too many connections.\n")
        assert threading.active_count() < cap + 40  # no thread for the refused connection
        for conn in idle[: cap // 2]:
            conn.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and get(port, PAGE)[0] != 200:
            time.sleep(0.05)
        assert get(port, PAGE)[0] == 200  # freed places are served again, before the idle ones time out
    assert get(port, PAGE)[0] == 200


def test_an_answer_the_client_stops_reading_is_given_up(archive: Archive, monkeypatch):
    monkeypatch.setattr(serve_http, "WRITE_TIMEOUT", 0.5)  # 30 s in use; the mechanism is the same
    write_archive(archive)
    archive.write("media/gross.pdf", BIG_FILE)
    dev = DevServer(BuildOptions(archive.content, archive.output, TEMPLATES), "127.0.0.1", 0)
    dev.start()
    try:
        with socket.socket() as conn:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16_384)  # before connecting: a small window
            conn.settimeout(10)
            conn.connect(("127.0.0.1", port_of(dev)))
            conn.sendall(b"GET /kaffee/media/gross.pdf HTTP/1.1\r\nHost: localhost\r\n\r\n")
            time.sleep(2)  # a reader that stalled (four times the write timeout)
            received = 0
            try:
                while chunk := conn.recv(1 << 20):
                    received += len(chunk)
            except ConnectionResetError:
                pass
        assert 0 < received < len(BIG_FILE)  # given up part-way: the rest was never sent
        assert get(port_of(dev), PAGE)[0] == 200
    finally:
        dev.stop()


# --- paths the file system cannot hold, clients that hang up -------------------------------

LONG_PATHS = ["/" + "a" * 10_000, "/kaffee/" + "b" * 256, "/kaffee/sitzungen/" + "c" * 5000 + "/",
              "/" + "/".join(["d" * 200] * 30), "/kaffee/" + "%C3%A4" * 200, "/" + "e" * 60_000]


def test_long_paths_and_segments_are_not_found_and_the_server_stays(server: DevServer):
    port = port_of(server)
    for path in LONG_PATHS:
        status, body = get(port, path)
        assert (path[:20], status) == (path[:20], 404)
        assert b"Seite nicht gefunden" in body
    # past http.server's own limit of 64 KiB the answer is 414, read whole (no reset)
    answer = exchange(port, b"GET /" + b"f" * 70_000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 414 ")
    assert get(port, PAGE)[0] == 200


def test_clients_that_hang_up_mid_response_print_nothing(archive: Archive):
    write_archive(archive)
    archive.write("media/gross.pdf", BIG_FILE)
    command = [sys.executable, "-m", "kaffee_site", *archive.args("serve", "--port", "0")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=archive.root)
    out: list[str] = []
    err: list[str] = []
    readers = [threading.Thread(target=lambda s=s, t=t: t.extend(s), daemon=True)
               for s, t in ((process.stdout, out), (process.stderr, err))]
    for reader in readers:
        reader.start()
    try:
        url = wait_until(lambda: next((m.group(0) for line in out if (m := re.search(r"http://\S+", line))), None),
                         "the address printed")
        wait_until(lambda: any(line.startswith("built") for line in out), "the first build")
        port = int(url.split(":")[2].split("/")[0])
        # a client that never finishes its request: the server's timeout runs while the others hang up
        stalled = socket.create_connection(("127.0.0.1", port), timeout=serve_http.REQUEST_TIMEOUT + 5)
        stalled.sendall(b"GET / HTTP/1.1\r\n")
        for n in range(20):
            conn = socket.create_connection(("127.0.0.1", port), timeout=10)
            path = "/kaffee/media/gross.pdf" if n % 2 else PAGE
            conn.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
            if n % 4 < 2:
                conn.recv(100)  # part of the answer, then gone
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset, not a FIN
            conn.close()
        for path in LONG_PATHS:
            get(port, path)
        for path in ("/__kaffee__/events?v=x", PAGE):  # an open page's event stream, a HEAD, reset alike
            conn = socket.create_connection(("127.0.0.1", port), timeout=10)
            conn.sendall(f"{'GET' if 'events' in path else 'HEAD'} {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
            conn.recv(10)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        assert stalled.recv(10) == b""  # timed out by the server
        stalled.close()
        assert get(port, PAGE)[0] == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    for reader in readers:
        reader.join(timeout=5)
    assert "".join(err) == ""
    assert [line.split(" ")[0] for line in out] == ["serving", "built", "stopped\n"]


# --- a broken start, a deleted output folder -----------------------------------------------

def test_a_broken_start_serves_the_last_good_build_under_the_base_path_with_the_overlay(archive: Archive):
    write_archive(archive)
    assert archive.build() == 0
    archive.write(SESSION, BROKEN)
    dev = DevServer(BuildOptions(archive.content, archive.output, TEMPLATES), "127.0.0.1", 0)
    dev.start()
    try:
        port = port_of(dev)
        assert dev.url == f"http://127.0.0.1:{port}/kaffee/"
        status, body = get(port, PAGE)
        assert status == 200
        assert b"Ein erster Bericht." in body and b"kaffee-overlay" in body and b"is not a valid date" in body
        answer = exchange(port, b"GET /kaffee HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert answer.startswith(b"HTTP/1.0 301 ") and b"\r\nLocation: /kaffee/\r\n" in answer
    finally:
        dev.stop()


def test_a_broken_first_start_knows_the_base_path_and_recovers(archive: Archive):
    write_archive(archive, BROKEN)
    dev = DevServer(BuildOptions(archive.content, archive.output, TEMPLATES), "127.0.0.1", 0)
    dev.start()
    try:
        port = port_of(dev)
        assert dev.url == f"http://127.0.0.1:{port}/kaffee/"
        assert exchange(port, b"GET /kaffee HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 301 ")
        status, body = get(port, "/kaffee/")
        assert status == 404 and b"kaffee-overlay" in body and b"is not a valid date" in body
        archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body="Geht wieder."))
        wait_until(lambda: b"Geht wieder." in get(port, PAGE)[1], "the page after the fix")
    finally:
        dev.stop()


_HOLD_LOCK = ("import fcntl, os, sys\n"
              "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
              "fcntl.lockf(fd, fcntl.LOCK_EX)\n"
              "print('held', flush=True)\n"
              "sys.stdin.read()\n")


def test_a_save_while_a_build_holds_the_output_writes_nothing_until_it_is_done(server: DevServer, archive: Archive):
    """A build holds the output's lock from staging to its swap (here a process that holds it the
    same way): serve writes nothing into the folder meanwhile, not even the saved page it would
    otherwise write at once, and writes it as soon as the lock is free."""
    page = archive.output / "sitzungen/2025-03-13-live/index.html"
    wait_until(page.is_file, "the first build")
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(archive.output.parent / ".output.kaffee-lock")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body="Während eines Builds."))
        time.sleep(1.5)  # the saved page alone is written within 200 ms when nobody holds the folder
        assert "Während eines Builds." not in page.read_text(encoding="utf-8")
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    wait_until(lambda: "Während eines Builds." in page.read_text(encoding="utf-8"), "the page once the lock is free")


def _delete_everything(output: Path) -> None:
    shutil.rmtree(output)


def _delete_what_a_shell_glob_sees(output: Path) -> None:  # rm -rf output/*: the hidden marker stays
    for entry in output.iterdir():
        if not entry.name.startswith("."):  # pathlib's glob would match hidden names too
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def _delete_one_folder(output: Path) -> None:
    shutil.rmtree(output / "personen")  # pages an edit of the other session does not touch


@pytest.mark.parametrize("delete", [_delete_everything, _delete_what_a_shell_glob_sees, _delete_one_folder])
def test_an_output_folder_deleted_from_outside_is_restored_whole_by_the_next_rebuild(server: DevServer, delete,
                                                                                      archive: Archive, tmp_path: Path):
    rebuilds = lambda: len([e for e in server.events if isinstance(e, Rebuilt)])  # type: ignore[attr-defined]  # noqa: E731
    before = rebuilds()
    archive.write("sessions/2025-02-13-vorher.md", session_md("Vorher", "2025-02-13", body="Davor.",
                                                                speakers="[{name: Anna Beispiel, organisation: Landkreis X}]"))
    wait_until(lambda: rebuilds() > before, "the second session built")
    assert get(port_of(server), "/kaffee/personen/anna-beispiel/")[0] == 200
    delete(archive.output)
    assert get(port_of(server), "/kaffee/personen/anna-beispiel/")[0] == 404  # nothing to serve, and no crash
    before = rebuilds()
    archive.write(SESSION, session_md("Live-Sitzung", "2025-03-13", body="Nach dem Löschen."))
    wait_until(lambda: rebuilds() > before, "the rebuild after the deletion")
    assert "Nach dem Löschen.".encode() in get(port_of(server), PAGE)[1]
    clean = tmp_path / "clean"
    assert main(["build", "--content", str(archive.content), "--output", str(clean), "--templates", str(TEMPLATES)]) == 0
    assert tree_snapshot(archive.output) == tree_snapshot(clean)
    assert archive.build() == 0  # the marker is back: build accepts the folder


def test_a_request_after_the_output_folder_was_deleted_brings_it_back_without_a_save(server: DevServer,
                                                                                     archive: Archive, tmp_path: Path):
    port = port_of(server)
    shutil.rmtree(archive.output)
    status, body = get(port, PAGE)
    assert status == 404 and b"kaffee-live-reload" in body  # the open page reloads once it is back
    wait_until(lambda: get(port, PAGE)[0] == 200, "the page back without a save")
    clean = tmp_path / "clean"
    assert main(["build", "--content", str(archive.content), "--output", str(clean), "--templates", str(TEMPLATES)]) == 0
    wait_until(lambda: tree_snapshot(archive.output) == tree_snapshot(clean), "the whole output back", timeout=5)

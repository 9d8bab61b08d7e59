"""Running Pagefind: its binary, started as a service that builds several indexes in one process.

The service (`pagefind --service`, the protocol its Python and Node APIs speak: base64 JSON
messages, each ended by a comma) is given every page with its address, in the order we choose.
Pagefind numbers pages in the order it meets them, and its command line meets them in the
order the file system lists them (ext4 and tmpfs differ): through the service the same pages
give the same index bytes on every machine. The Python API is not used: it waits 0.1 s for
every answer, far too slow for thousands of pages; here requests are written by one thread
while the answers are read as they come, and the index files come back in the last answer.
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator

from kaffee_site.config import LANGUAGE_TAG_MAX as LANG_MAX  # Pagefind panics on a longer lang
from kaffee_site.errors import FaultError

TIMEOUT_SECONDS = 600
_PR_SET_PDEATHSIG = 1

_LANG = re.compile(r"<html\b[^>]*?\slang=\"([^\"]*)\"", re.IGNORECASE)
Page = tuple[str, Path]  # the address Pagefind shows, the file it reads


class SearchIndexFailed(FaultError):
    """Pagefind could not build the index; the message says what was kept."""


def pagefind_binary() -> str:
    """The binary shipped in the pagefind wheel (PAGEFIND_BINARY_PATH overrides it)."""
    try:
        from pagefind.service import get_executable  # imported here: a missing install gets a clear message
    except ImportError:
        raise SearchIndexFailed("pagefind is not installed: pip install 'pagefind[extended]', "
                                "or set 'search: false' in site.yaml") from None
    binary = get_executable()
    if binary is None:
        raise SearchIndexFailed("the pagefind binary is missing: reinstall 'pagefind[extended]', "
                                "or set 'search: false' in site.yaml")
    return str(binary)


def identity(binary: str) -> str:
    """Which Pagefind this is: an index made by another one is made again."""
    try:
        info = os.stat(binary)
    except OSError:
        return binary
    return f"{binary}\x1f{info.st_size}\x1f{info.st_mtime_ns}"


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, Pagefind is killed when the build dies (even by SIGKILL): otherwise it would go
    on writing into a stage the next build is already using. Only in a process without threads
    (build, serve's indexer child), where running code between fork and exec is safe."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _message(number: int, payload: dict) -> bytes:
    return base64.b64encode(json.dumps({"message_id": number, "payload": payload}).encode("utf-8")) + b","


class _Service:
    def __init__(self, binary: str, kept: str):
        self.kept = kept
        self.errors = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen([binary, "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=self.errors, preexec_fn=_die_with_parent())
        except OSError as err:
            self.errors.close()
            raise SearchIndexFailed(f"cannot run pagefind ({binary}): {err.strerror}; {kept}") from None
        self.timer = threading.Timer(TIMEOUT_SECONDS, self._expire)
        self.timer.daemon = True
        self.expired = False
        self.timer.start()
        self._buffer = b""
        self._number = 0

    def _expire(self) -> None:
        self.expired = True
        self.process.kill()

    def send(self, payloads: Iterable[dict]) -> None:
        stdin = self.process.stdin
        for payload in payloads:  # a page that cannot be read raises here
            self._number += 1
            try:
                stdin.write(_message(self._number, payload))
            except (OSError, ValueError):
                return  # Pagefind ended (or was ended): its answers, or their absence, say why
        try:
            stdin.flush()
        except (OSError, ValueError):
            pass

    def answers(self, count: int) -> Iterator[dict]:
        for _ in range(count):
            while b"," not in self._buffer:
                chunk = self.process.stdout.read1(1 << 16)
                if not chunk:
                    raise self._failure()
                self._buffer += chunk
            raw, _, self._buffer = self._buffer.partition(b",")
            try:
                payload = json.loads(base64.b64decode(raw, validate=True))["payload"]
            except (ValueError, KeyError, TypeError):
                raise SearchIndexFailed(f"the search index (pagefind) failed: an answer of its service cannot be "
                                        f"read; {self.kept}") from None
            if payload.get("type") == "Error":
                raise SearchIndexFailed(f"the search index (pagefind) failed: {payload.get('message')}; {self.kept}")
            yield payload

    def _failure(self) -> SearchIndexFailed:
        code = self.process.wait()
        if self.expired:
            return SearchIndexFailed(f"the search index (pagefind) took more than {TIMEOUT_SECONDS} s; {self.kept}")
        self.errors.seek(0)
        reason = failure_reason(self.errors.read().decode("utf-8", "replace")) or f"exit code {code}"
        return SearchIndexFailed(f"the search index (pagefind) failed: {reason}{self.culprit}; {self.kept}")

    culprit = ""  # what Pagefind was given when it failed, once that is known (build_indexes)

    def close(self) -> None:
        """Every answer is in (or the run failed): the service has nothing left to do."""
        self.timer.cancel()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.errors):
            try:
                stream.close()
            except OSError:
                pass


def failure_reason(stderr: str) -> str:
    """Pagefind's own words for why it stopped, without Rust's backtrace and its notes.

    A panic ('thread 'main' panicked at src/x.rs:530:32:' and the message on the lines after it)
    is an error inside Pagefind: its message and place are kept, the rest is for its developers."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for number, line in enumerate(lines):
        if " panicked at " in line:
            place = line.split(" panicked at ", 1)[1].rstrip(":")
            said = []
            for text in lines[number + 1:]:
                if text.startswith(("stack backtrace", "note:")) or text[:1].isdigit():
                    break
                said.append(text)
            message = " ".join(said) or place
            return f"Pagefind stopped with an internal error ({message}, at {place.rsplit(':', 1)[0]})"
    noise = ("note:", "stack backtrace", "at ")
    kept = [line for line in lines if not line.startswith(noise) and not line[:1].isdigit()]
    return kept[-1] if kept else ""


def build_indexes(binary: str, jobs: list[list[Page]], kept: str) -> Iterator[dict[str, bytes]]:
    """Build one index per job, pages in the given order; yields each index's files (path inside
    the index folder -> bytes) in the order of the jobs. Raises SearchIndexFailed.

    The files come back in the answer (GetFiles) and are written by the caller: Pagefind's own
    writes (WriteFiles) may still be under way when it answers, and it exits as soon as its
    input ends, which can cut the last files short."""
    if not jobs:
        return
    service = _Service(binary, kept)
    try:
        service.send({"type": "NewIndex", "config": None} for _ in jobs)
        ids = [answer["index_id"] for answer in service.answers(len(jobs))]

        def requests() -> Iterator[dict]:
            for index_id, pages in zip(ids, jobs):
                for url, path in pages:
                    text = path.read_bytes().decode("utf-8", "replace")
                    lang = _LANG.search(text, 0, 4096)
                    if lang and len(lang.group(1)) > LANG_MAX:
                        long_lang.setdefault(index_id, (url, lang.group(1)))
                    yield {"type": "AddFile", "index_id": index_id, "file_path": None, "url": url,
                           "file_contents": text}
                yield {"type": "GetFiles", "index_id": index_id}

        failed: list[OSError] = []
        long_lang: dict[int, tuple[str, str]] = {}  # the first page of an index whose lang is too long

        def feed() -> None:
            try:
                service.send(requests())
            except OSError as err:  # a page could not be read
                failed.append(err)
                service.process.kill()

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            for index_id, pages in zip(ids, jobs):
                service.culprit = f", at the page {pages[0][0]}" if pages else ""
                for number, _ in enumerate(service.answers(len(pages))):
                    # an answer for this page is in: if Pagefind fails now, it was at the next one
                    service.culprit = f", at the page {pages[number + 1][0]}" if number + 1 < len(pages) else ""
                if pages:
                    service.culprit = f", when it wrote the index of the pages {pages[0][0]} to {pages[-1][0]}"
                if index_id in long_lang:  # the one cause of a panic there known so far
                    url, lang = long_lang[index_id]
                    service.culprit += (f" (the page {url} has lang=\"{lang[:40]}\", longer than the "
                                        f"{LANG_MAX} characters Pagefind can take)")
                answer = next(service.answers(1))
                yield _files(answer, kept)
        except SearchIndexFailed:
            writer.join()
            if failed:
                raise failed[0] from None
            raise
        writer.join()
    finally:
        service.close()


def _files(answer: dict, kept: str) -> dict[str, bytes]:
    """The index files in a GetFiles answer: path inside the index folder -> bytes."""
    try:
        return {str(file["path"]): base64.b64decode(file["content"], validate=True) for file in answer["files"]}
    except (ValueError, KeyError, TypeError):
        raise SearchIndexFailed(f"the search index (pagefind) failed: its files cannot be read; {kept}") from None

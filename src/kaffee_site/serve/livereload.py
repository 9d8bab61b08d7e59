"""Live reload for `serve`: the build state browsers watch, and what is injected into served HTML.

Every rebuild (good or failed) gets a new version. Served HTML gets a small script that
listens on `/__kaffee__/events` (server-sent events) and reloads the page when the version
is not the one it was served with. While the last rebuild failed, served HTML also gets an
overlay listing the problems. Both are added to the HTTP response only: files on disk, and
so `build` output, never contain them.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
from typing import Sequence

from kaffee_site.errors import Problem
from kaffee_site.i18n import DEFAULT_LANGUAGE, catalogue

EVENTS_PATH = "/__kaffee__/events"
PROBLEMS_PATH = "/__kaffee__/problems"

_SCRIPT = """<script id="kaffee-live-reload">
(function () {
  var version = %s;
  var events = new EventSource(%s + "?v=" + encodeURIComponent(version));
  events.onmessage = function (message) {
    if (message.data !== version) { events.close(); window.location.reload(); }
  };
})();
</script>
"""

_OVERLAY_STYLE = ("position:fixed;inset:0 0 auto 0;z-index:2147483647;max-height:80vh;overflow:auto;"
                  "margin:0;padding:1rem 1.5rem;background:#fff4f4;color:#5a0000;border-bottom:4px solid #b00020;"
                  "font:15px/1.5 system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.3)")

_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


class BuildState:
    """The version of the latest rebuild and its problems, shared between threads."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._run = secrets.token_hex(4)  # a restarted server never repeats an old version
        self._count = 0
        self.problems: tuple[Problem, ...] = ()
        self.failed = False
        self.closed = False
        self.language = DEFAULT_LANGUAGE  # of the archive last built: the overlay speaks it too

    @property
    def version(self) -> str:
        return f"{self._run}-{self._count}"

    def publish(self, failed: bool, problems: Sequence[Problem], language: str | None = None) -> None:
        with self._changed:
            self._count += 1
            self.failed, self.problems = failed, tuple(problems)
            self.language = language or self.language
            self._changed.notify_all()

    def wait_for_change(self, seen: str, timeout: float) -> str:
        """The current version, once it differs from `seen` (or after `timeout` seconds)."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen or self.closed, timeout)
            return self.version

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()


def inject(page: bytes, state: BuildState) -> bytes:
    """The page with the reload script, and the problem overlay after a failed rebuild or while
    `check` would report errors."""
    shown = state.failed or any(p.severity == "error" for p in state.problems)
    extra = (overlay(state.problems, state.language, state.failed) if shown else "") + script(state.version)
    data = extra.encode("utf-8")
    ends = list(_BODY_END.finditer(page))
    if not ends:
        return page + data
    at = ends[-1].start()
    return page[:at] + data + page[at:]


def script(version: str) -> str:
    return _SCRIPT % (_js_string(version), _js_string(EVENTS_PATH))


def _js_string(text: str) -> str:
    # versions and paths are plain ASCII tokens; still never let one end the script element
    return '"' + re.sub(r"[^A-Za-z0-9_/.-]", "", text) + '"'


def overlay(problems: Sequence[Problem], language: str = DEFAULT_LANGUAGE, failed: bool = True) -> str:
    """An overlay that names every problem; everything from the content is escaped.

    The frame is in the archive's language; the problems themselves are the tool's (English)
    messages, each with its hint in its own words ("hint: …", as in the terminal), so no
    message mixes two languages; each is marked lang="en" for screen readers. `failed`: the
    rebuild failed and the last good state is shown; otherwise the page is new and the errors are
    those `check` reports (a link that leads nowhere, an image without alt text)."""
    words = catalogue(language)
    errors = [p for p in problems if p.severity == "error"] or list(problems)
    items = "".join(f"<li style=\"margin:.5rem 0\"><code>{html.escape(p.location)}</code>: "
                    f"<span lang=\"en\">{html.escape(p.message)}</span>"
                    + (f"<br><small lang=\"en\">hint: {html.escape(p.hint)}</small>" if p.hint else "")
                    + "</li>" for p in errors)
    count = len(errors)
    heading = (words.ngettext("The page could not be rebuilt (%(count)s error). Showing the last good state.",
                              "The page could not be rebuilt (%(count)s errors). Showing the last good state.", count)
               if failed else
               words.ngettext("The page is up to date, but check reports %(count)s error.",
                              "The page is up to date, but check reports %(count)s errors.", count))
    return (f'<div id="kaffee-overlay" role="alert" lang="{html.escape(words.language)}" style="{_OVERLAY_STYLE}">'
            f'<p style="margin:0;font-weight:bold">{html.escape(heading % {"count": count})}</p>'
            f'<ul style="margin:.5rem 0 0;padding-left:1.25rem">{items}</ul></div>\n')


def problems_json(state: BuildState) -> bytes:
    """`/__kaffee__/problems`: the problems of the latest rebuild as `check` prints them, for
    tools and tests that want to compare the two (the same review runs in both)."""
    problems = [{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message, "hint": p.hint,
                 "text": p.format()} for p in state.problems]
    return json.dumps({"version": state.version, "failed": state.failed, "problems": problems},
                      ensure_ascii=False, indent=1).encode("utf-8")


def placeholder_page(state: BuildState) -> bytes:
    """What a request gets before any build succeeded: the problems and the reload script."""
    words = catalogue(state.language)
    page = (f'<!doctype html>\n<html lang="{html.escape(words.language)}">\n<head><meta charset="utf-8">'
            '<title>kaffee-site serve</title></head>\n'
            f'<body>\n<h1>{html.escape(words.gettext("Nothing to show yet"))}</h1>\n'
            f'<p>{html.escape(words.gettext("As soon as the content has no errors, the page appears here."))}</p>\n'
            '</body>\n</html>\n')
    return inject(page.encode("utf-8"), state)


def building_page(language: str = DEFAULT_LANGUAGE) -> bytes:
    """What every request gets while serve's first build runs (building.py): it says so and
    reloads itself every second, without JavaScript, until the archive is there."""
    words = catalogue(language)
    text = words.gettext("The first build is under way. This page reloads by itself as soon as it is done.")
    page = (f'<!doctype html>\n<html lang="{html.escape(words.language)}">\n<head><meta charset="utf-8">'
            '<meta http-equiv="refresh" content="1"><link rel="icon" href="data:,">'  # no favicon asked for meanwhile
            '<title>kaffee-site serve</title></head>\n'
            f'<body>\n<h1>{html.escape(words.gettext("Building the archive …"))}</h1>\n'
            f'<p>{html.escape(text)}</p>\n'
            '</body>\n</html>\n')
    return page.encode("utf-8")

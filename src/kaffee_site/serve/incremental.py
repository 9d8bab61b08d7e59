"""Incremental rebuilds for `serve`: the same pipeline as `build`, redoing only what changed.

A Rebuilder keeps the last good Site, every content file as last read (with its stat
signature) and every rendered Markdown body. A rebuild re-reads only the files whose
signature changed (or that the watcher named), relinks the whole site through
`build.load_site` (cheap once the bodies are cached), compares old and new records (frozen
dataclasses compare by value) to find the changed keys, and re-renders exactly the pages
whose `deps` meet them, plus pages that are new or whose own context changed. The page of
the session being edited is written first: when a save changed only a session's body, even
before the relink (`_quick_pages`), and newer saves may then interrupt the rest, which the
next rebuild completes. A template or site.yaml change renders everything through
`write_output`, like `build`. Content errors write nothing and keep the last good build.
The output equals what `kaffee-site build` writes, byte for byte.
"""

from __future__ import annotations

import hashlib
import os
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Collection, ContextManager, Iterable, Iterator

from kaffee_site.build import BuildOptions, few_gc_pauses, load_site, outputs, unrendered_outputs
from kaffee_site.commands.check import problem_of
from kaffee_site.errors import ContentError, Diagnostics, KaffeeError, Problem
from kaffee_site.serve.inmemory import BodyCache, ParseCache, Signature, SourceCache, signature
from kaffee_site.pipeline.link import BodyJob
from kaffee_site.pipeline.load import SourceDoc, read_source
from kaffee_site.model import Site
from kaffee_site.pipeline.render import Output, PageSpec, page_path, plan_pages, render_page, support_outputs
from kaffee_site.pipeline.theme import Theme
from kaffee_site.pipeline.write import safe_relative, write_output

_KINDS = (("session", "sessions"), ("topic", "topics"), ("person", "people"),
          ("organisation", "organisations"), ("page", "pages"))


def changed_keys(old: Site, new: Site) -> set[str]:
    """The dependency keys (see render.PageSpec) whose records differ between two sites."""
    keys = set()
    for kind, attr in _KINDS:
        before = {r.slug: r for r in getattr(old, attr)}
        after = {r.slug: r for r in getattr(new, attr)}
        keys.update(f"{kind}:{slug}" for slug in before.keys() | after.keys() if before.get(slug) != after.get(slug))
    if len(old.sessions) != len(new.sessions):
        keys.add("count")
    if [(p.url_path, p.title) for p in old.pages] != [(p.url_path, p.title) for p in new.pages]:
        keys.add("pages")
    if old.redirects != new.redirects:
        keys.add("redirects")
    if keys or old != new:
        keys.add("*")  # list pages show everything
    return keys


def pages_to_render(old: dict[str, PageSpec], specs: Iterable[PageSpec], keys: set[str]) -> list[PageSpec]:
    """New pages, pages whose own context changed, and pages whose deps meet the changed keys."""
    todo = []
    for spec in specs:
        before = old.get(spec.path)
        if before is None or (before.template, before.producer) != (spec.template, spec.producer) \
                or not spec.deps.isdisjoint(keys) or before.context != spec.context:
            todo.append(spec)
    return todo


@dataclass(frozen=True)
class RebuildResult:
    ok: bool
    problems: tuple[Problem, ...]  # errors (when not ok) and warnings
    written: tuple[str, ...] = ()  # output paths, in the order they were written
    removed: int = 0
    full: bool = False
    seconds: float = 0.0
    interrupted: bool = False  # newer saves came in: only the edited pages were written


class _Interrupted(Exception):
    pass


@dataclass
class _Written:
    """What the output folder holds, as far as we wrote it: to skip rewriting equal files."""

    digests: dict[str, bytes] = field(default_factory=dict)  # path -> digest of the bytes
    sources: dict[str, Signature | None] = field(default_factory=dict)  # path -> copied file's signature


class Rebuilder:
    """Builds once, then rebuilds incrementally; used by one thread at a time."""

    def __init__(self, options: BuildOptions, full_write_lock: ContextManager = nullcontext()):
        self.options = options
        self._full_write_lock = full_write_lock  # serve's search indexer must not see a full write
        self.sources = SourceCache(options.content_dir)
        self.bodies = BodyCache()
        self.parsed = ParseCache()
        self.site: Site | None = None  # the last good build
        self._theme: Theme | None = None
        self._theme_stale = True  # templates changed since the theme was compiled
        self._specs: dict[str, PageSpec] = {}
        self._paths: set[str] = set()  # every output path of the last good build
        self._written = _Written()
        self._healthy = False  # the last rebuild that ran to its end succeeded
        self._docs: dict[str, SourceDoc] = {}  # the files of the last good build
        self._interrupted: Callable[[], bool] = lambda: False
        self._ctx = None  # the link context of the last good build
        self._warnings: tuple[Problem, ...] = ()

    def rebuild(self, changed: Collection[Path] = (), full: bool = False,
                interrupted: Callable[[], bool] = lambda: False) -> RebuildResult:
        """Bring the output up to date with the content; `changed` are paths the watcher saw.

        `interrupted()` says newer saves are waiting: the rebuild then stops after writing the
        edited pages, changes nothing else, and the next rebuild picks up where it left off."""
        started = time.perf_counter()
        templates = self.options.templates_dir.resolve()
        # remembered until a full build succeeds: content errors may hold it up for a while
        self._theme_stale = self._theme_stale or full or any(_inside(p, templates) for p in changed)
        self._interrupted = interrupted
        diag = Diagnostics()
        if not self.options.content_dir.is_dir():  # moved away or unmounted: keep what is served
            diag.error(str(self.options.content_dir), None, "the content folder does not exist")
            return self._done(False, diag.problems, started)
        written: list[str] = []
        with few_gc_pauses():
            try:
                written += self._quick_pages(changed)
                content, changed_rels, config_changed = self.sources.load(diag, self._content_rels(changed))
                if not (changed or changed_rels or config_changed or self._theme_stale or not self._healthy
                        or self.site is None or content.media != self.site.media):
                    return self._done(True, self._warnings, started)  # a scan that found nothing new
                self._checkpoint()
                self.parsed.keep_only(content.docs)
                site = load_site(self.options, content, diag, self.bodies.render,
                                 session_parser=self.parsed.session).site
                if diag.errors:
                    return self._done(False, diag.problems, started)
                self._checkpoint()
                full = self._theme_stale or config_changed or self.site is None or site.config != self.site.config
                if full:  # not interrupted: a full build would only start again from scratch
                    self._theme = Theme(self.options.templates_dir, site.config.language)
                    more, removed = self._write_all(site)
                    self._theme_stale = False
                else:
                    more, removed = self._write_changes(site, changed_rels)
            except _Interrupted:
                return RebuildResult(True, (), tuple(written), seconds=time.perf_counter() - started, interrupted=True)
            except KaffeeError as err:
                return self._done(False, (*diag.problems, problem_of(err, self.options.templates_dir)), started)
        self.site, self._ctx, self._warnings = site, self.bodies.ctx, diag.warnings
        self._docs = {doc.rel: doc for doc in content.docs}
        written += [path for path in more if path not in written]
        return self._done(True, diag.warnings, started, written, removed, full)

    def _done(self, ok: bool, problems, started: float, written=(), removed: int = 0,
              full: bool = False) -> RebuildResult:
        self._healthy = ok
        return RebuildResult(ok, tuple(problems), tuple(written), removed, full, time.perf_counter() - started)

    def _checkpoint(self) -> None:
        if self._interrupted():
            raise _Interrupted

    # --- the edited page first ----------------------------------------------------------

    def _quick_pages(self, changed: Collection[Path]) -> list[str]:
        """When every change is an edit of a session's body, its page is rendered from the last
        good site with the new body and written before anything is relinked: a body changes
        no other record the session page shows. The full rebuild that follows renders it again
        and rewrites it only if its bytes differ after all."""
        site, theme = self.site, self._theme
        rels = self._content_rels(changed)
        if not (self._healthy and site and theme and rels) or self._theme_stale or len(rels) != len(set(changed)):
            return []
        by_rel = {s.rel: s for s in site.sessions}
        fresh = {}
        for rel in rels:
            old, session = self._docs.get(rel), by_rel.get(rel)
            if old is None or session is None:
                return []
            try:
                doc = read_source((self.options.content_dir / rel).read_bytes(), old.kind, rel, old.display)
            except (ContentError, OSError):
                return []
            if doc.meta != old.meta or doc.body_line != old.body_line:
                return []  # the front matter changed: titles, topics, neighbours may change
            body = self.bodies.render_one(BodyJob(doc.body, doc.body_line, session.source, None, doc.digest), self._ctx)
            if any(problem.severity == "error" for problem in body.problems):
                return []
            fresh[session.slug] = replace(session, body=body)
        quick = replace(site, sessions=tuple(fresh.get(s.slug, s) for s in site.sessions))
        written = []
        for session in fresh.values():
            spec = self._specs.get(page_path(session.url_path))
            if spec is not None:
                context = tuple((key, session if getattr(value, "slug", None) == session.slug
                                 and key == "session" else value) for key, value in spec.context)
                output = render_page(quick, theme, replace(spec, context=context))
                if self._write(output):
                    written.append(output.path)
        return written

    def _content_rels(self, changed: Iterable[Path]) -> set[str]:
        root = self.options.content_dir.resolve()
        rels = set()
        for path in changed:
            try:
                rels.add(Path(path).resolve().relative_to(root).as_posix())
            except ValueError:
                pass
        return rels

    # --- everything: the build's own writer, all or nothing ---------------------------

    def _write_all(self, site: Site) -> tuple[list[str], int]:
        assert self._theme is not None
        specs = plan_pages(site)
        written = _Written()
        paths = []

        def recorded(items: Iterable[Output]) -> Iterator[Output]:
            for output in items:
                self._remember(written, output)
                paths.append(output.path)
                yield output

        with self._full_write_lock:  # build's own outputs: on every core while serve runs no threads yet
            report = write_output(recorded(outputs(site, self._theme, self.options)), self.options.output_dir)
        self._specs = {spec.path: spec for spec in specs}
        self._paths = set(paths)
        self._written = written
        return paths, report.removed

    # --- only what changed -------------------------------------------------------------

    def _write_changes(self, site: Site, changed_rels: set[str]) -> tuple[list[str], int]:
        assert self._theme is not None and self.site is not None
        specs = plan_pages(site)
        todo = pages_to_render(self._specs, specs, changed_keys(self.site, site))
        own = _own_pages(site, changed_rels)
        first = [spec for spec in todo if spec.path in own]
        written: list[str] = []
        backups = {}
        for spec in first:  # the page the editor is looking at: rendered and written before the rest
            output = render_page(site, self._theme, spec)
            backups[spec.path] = _current_bytes(self.options.output_dir / spec.path)
            if self._write(output):
                written.append(output.path)
        try:
            rest = []
            for spec in todo:
                if spec.path not in own:
                    self._checkpoint()
                    rest.append(render_page(site, self._theme, spec))
            support = list(self._support(site))
        except _Interrupted:
            raise  # the edited pages stay: they are right, the rest follows
        except BaseException:
            for path, data in backups.items():  # a failed rebuild leaves the previous output
                self._restore(path, data)
            raise
        written += [output.path for output in (*rest, *support) if self._write(output)]
        paths = {spec.path for spec in specs} | {output.path for output in support}
        removed = self._remove(self._paths - paths)
        self._specs = {spec.path: spec for spec in specs}
        self._paths = paths
        return written, removed

    def _support(self, site: Site) -> Iterator[Output]:
        assert self._theme is not None
        yield from support_outputs(site, self._theme)
        yield from unrendered_outputs(site, self.options)

    def _remember(self, written: _Written, output: Output) -> None:
        if output.data is not None:
            written.digests[output.path] = _digest(output.data)
        elif output.source is not None:
            written.sources[output.path] = signature(output.source)

    def _write(self, output: Output) -> bool:
        """Write one file atomically unless it holds these bytes already; True if written."""
        target = self.options.output_dir / safe_relative(output.path)
        if output.data is not None:
            if self._written.digests.get(output.path) == _digest(output.data) and target.is_file():
                return False
            data = output.data
        else:
            assert output.source is not None
            if self._written.sources.get(output.path, ()) == signature(output.source) and target.is_file():
                return False
            data = output.source.read_bytes()
        _replace(target, data, self.options.output_dir)
        self._remember(self._written, output)
        return True

    def _restore(self, path: str, data: bytes | None) -> None:
        target = self.options.output_dir / path
        if data is None:
            target.unlink(missing_ok=True)
        else:
            _replace(target, data, self.options.output_dir)
        self._written.digests.pop(path, None)

    def _remove(self, paths: Iterable[str]) -> int:
        removed = 0
        root = self.options.output_dir
        for path in sorted(paths):
            target = root / safe_relative(path)
            if target.is_file() or target.is_symlink():
                target.unlink()
                removed += 1
            self._written.digests.pop(path, None)
            self._written.sources.pop(path, None)
            parent = target.parent
            while parent != root and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        return removed


def _own_pages(site: Site, rels: set[str]) -> set[str]:
    """Output paths of the pages of the sessions, pages and topics whose files changed."""
    records = [*site.sessions, *site.pages, *site.topics]
    return {page_path(r.url_path) for r in records if getattr(r, "rel", None) in rels}


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _current_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _replace(target: Path, data: bytes, root: Path) -> None:
    """Write to a hidden file beside the target, then rename: readers see old or new bytes, never half."""
    parent = target.parent
    while parent != root and not parent.is_dir():  # a file where a folder must go: it is stale
        if parent.exists():
            parent.unlink()
        parent = parent.parent
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.kaffee-tmp")
    scratch.write_bytes(data)
    os.replace(scratch, target)


def _inside(path: Path, folder: Path) -> bool:
    resolved = Path(path).resolve()
    return resolved == folder or folder in resolved.parents

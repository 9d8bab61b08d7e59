"""Incremental rebuilds for `serve`: the same pipeline as `build`, redoing only what changed.

A Rebuilder keeps the last good Site, every content file as last read (with its stat
signature) and every rendered Markdown body. A rebuild re-reads only the files whose
signature changed (or that the watcher named), relinks the whole site through
`build.load_site` (cheap once the bodies are cached), compares old and new records (frozen
dataclasses compare by value) to find the changed keys, and re-renders exactly the pages
whose `deps` meet them, plus pages that are new or whose own context changed. The page of
the session being edited is rendered and written first. A template or site.yaml change
renders everything through `write_output`, like `build`. Content errors write nothing and
keep the last good build. The output equals what `kaffee-site build` writes, byte for byte.
"""

from __future__ import annotations

import hashlib
import os
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, ContextManager, Iterable, Iterator, Sequence

from kaffee_site import load
from kaffee_site.build import BuildOptions, few_gc_pauses, load_site, unrendered_outputs
from kaffee_site.check import problem_of
from kaffee_site.config import CONFIG_FILE
from kaffee_site.errors import ContentError, Diagnostics, KaffeeError, Problem
from kaffee_site.link import BodyJob, render_bodies_here
from kaffee_site.markdown import Body, LinkContext
from kaffee_site.model import Site
from kaffee_site.render import Output, PageSpec, Theme, page_path, plan_pages, render_page, support_outputs
from kaffee_site.write import safe_relative, write_output

Signature = tuple[int, int, int]


def _signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class SourceCache:
    """The content folder as last read: a file is read again only when it changed."""

    def __init__(self, content_dir: Path):
        self.content_dir = content_dir
        self.root = str(content_dir)
        self._files: dict[str, tuple[Signature | None, load.SourceDoc | Problem]] = {}
        self._config: tuple[Signature | None, object, str, tuple[Problem, ...]] | None = None

    def load(self, diag: Diagnostics, force: Collection[str] = ()) -> tuple[load.Content, set[str], bool]:
        """The Content `load_content` would give, the paths (relative) that changed, and whether
        site.yaml changed. Files named in `force` are read again whatever their signature says."""
        config_changed = self._load_config(diag, CONFIG_FILE in force)
        docs, seen, changed = [], set(), set()
        for kind_dir, kind in load.SECTIONS.items():
            # load's own file listing, so serve sees exactly the files build sees
            for path in load._markdown_files(self.content_dir / kind_dir, recursive=kind == "session"):
                rel = path.relative_to(self.content_dir).as_posix()
                seen.add(rel)
                signature = _signature(path)
                cached = self._files.get(rel)
                if cached is None or cached[0] != signature or rel in force:
                    cached = (signature, self._read(path, kind, rel))
                    self._files[rel] = cached
                    changed.add(rel)
                if isinstance(cached[1], Problem):
                    diag.add(cached[1])
                else:
                    docs.append(cached[1])
        for rel in set(self._files) - seen:
            del self._files[rel]
            changed.add(rel)
        media_dir = self.content_dir / "media"
        media = tuple(sorted(p.relative_to(media_dir).as_posix() for p in load._visible_files(media_dir, "*")))
        _, config, digest, _ = self._config  # type: ignore[misc]
        return load.Content(config, digest, tuple(docs), media), changed, config_changed

    def _read(self, path: Path, kind: str, rel: str) -> load.SourceDoc | Problem:
        display = load._display(self.root, rel)
        try:
            return load.read_source(path.read_bytes(), kind, rel, display)
        except ContentError as err:
            return err.problem
        except OSError as err:
            return Problem(display, None, f"cannot read the file: {err.strerror}")

    def _load_config(self, diag: Diagnostics, force: bool) -> bool:
        signature = _signature(self.content_dir / CONFIG_FILE)
        if self._config is None or self._config[0] != signature or force:
            own = Diagnostics()
            config, digest = load._load_config(self.content_dir, self.root, own)
            changed = self._config is not None and (config, digest) != self._config[1:3]
            self._config = (signature, config, digest, own.problems)
        else:
            changed = False
        for problem in self._config[3]:
            diag.add(problem)
        return changed


class BodyCache:
    """Rendered bodies by job. A body depends on its job and the link context: on the topic
    names always (mentions), on the wikilink targets only when its text has a '[['."""

    def __init__(self) -> None:
        self._bodies: dict[BodyJob, Body] = {}
        self._names: tuple | None = None
        self._targets: object = None

    def render(self, jobs: Sequence[BodyJob], ctx: LinkContext) -> list[Body]:
        names = (ctx.base_path, ctx.topic_names)
        if names != self._names:
            self._bodies = {}
        elif ctx.wiki_targets != self._targets:
            self._bodies = {job: body for job, body in self._bodies.items() if "[[" not in job.text}
        self._names, self._targets = names, ctx.wiki_targets
        missing = list(dict.fromkeys(job for job in jobs if job not in self._bodies))
        fresh = dict(zip(missing, render_bodies_here(missing, ctx)))
        bodies = [self._bodies.get(job) or fresh[job] for job in jobs]
        self._bodies = dict(zip(jobs, bodies))  # forget bodies no file has any more
        return bodies


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
        self.site: Site | None = None  # the last good build
        self._theme: Theme | None = None
        self._theme_stale = True  # templates changed since the theme was compiled
        self._specs: dict[str, PageSpec] = {}
        self._paths: set[str] = set()  # every output path of the last good build
        self._written = _Written()

    def rebuild(self, changed: Collection[Path] = (), full: bool = False) -> RebuildResult:
        """Bring the output up to date with the content; `changed` are paths the watcher saw."""
        started = time.perf_counter()
        templates = self.options.templates_dir.resolve()
        # remembered until a full build succeeds: content errors may hold it up for a while
        self._theme_stale = self._theme_stale or full or any(_inside(p, templates) for p in changed)
        diag = Diagnostics()
        if not self.options.content_dir.is_dir():  # moved away or unmounted: keep what is served
            diag.error(str(self.options.content_dir), None, "the content folder does not exist")
            return RebuildResult(False, diag.problems, seconds=time.perf_counter() - started)
        with few_gc_pauses():
            content, changed_rels, config_changed = self.sources.load(diag, self._content_rels(changed))
            site = load_site(self.options, content, diag, self.bodies.render).site
            if diag.errors:
                return RebuildResult(False, diag.problems, seconds=time.perf_counter() - started)
            full = self._theme_stale or config_changed or self.site is None or site.config != self.site.config
            try:
                if full:
                    self._theme = Theme(self.options.templates_dir)
                    written, removed = self._write_all(site)
                    self._theme_stale = False
                else:
                    written, removed = self._write_changes(site, changed_rels)
            except KaffeeError as err:
                problems = (*diag.problems, problem_of(err, self.options.templates_dir))
                return RebuildResult(False, problems, seconds=time.perf_counter() - started)
        self.site = site
        return RebuildResult(True, diag.warnings, tuple(written), removed, full, time.perf_counter() - started)

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

        def recorded(outputs: Iterable[Output]) -> Iterator[Output]:
            for output in outputs:
                self._remember(written, output)
                paths.append(output.path)
                yield output

        pages = (render_page(site, self._theme, spec) for spec in specs)
        with self._full_write_lock:
            report = write_output(recorded(_chain(pages, self._support(site))), self.options.output_dir)
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
            rest = [render_page(site, self._theme, spec) for spec in todo if spec.path not in own]
            support = list(self._support(site))
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
            written.sources[output.path] = _signature(output.source)

    def _write(self, output: Output) -> bool:
        """Write one file atomically unless it holds these bytes already; True if written."""
        target = self.options.output_dir / safe_relative(output.path)
        if output.data is not None:
            if self._written.digests.get(output.path) == _digest(output.data) and target.is_file():
                return False
            data = output.data
        else:
            assert output.source is not None
            if self._written.sources.get(output.path, ()) == _signature(output.source) and target.is_file():
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


def _chain(*parts: Iterable[Output]) -> Iterator[Output]:
    for part in parts:
        yield from part


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

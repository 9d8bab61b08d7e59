"""What `serve` keeps in memory between rebuilds: the content files as last read, and rendered bodies.

A file is read again only when its stat signature changed (or the watcher named it); a body
is rendered again only when its text or the link context it depends on changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Collection, Iterable, Sequence

from kaffee_site.pipeline import load
from kaffee_site.config import CONFIG_FILE, SiteConfig
from kaffee_site.errors import ContentError, Diagnostics, Problem
from kaffee_site.pipeline.link import BodyJob, render_bodies_here
from kaffee_site.pipeline.markdown import Body, LinkContext
from kaffee_site.model import Session
from kaffee_site.pipeline.parallel import render_bodies_parallel
from kaffee_site.pipeline.parse import parse_session

Signature = tuple[int, int, int]


def signature(path: Path) -> Signature | None:
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
        # load's own file listing, so serve sees exactly the files build sees (and refuses the same)
        found = load.scan_content(self.content_dir, self.root)
        for problem in found.problems:
            diag.add(problem)
        for path, kind, rel in found.sources:
            seen.add(rel)
            sig = signature(path)
            cached = self._files.get(rel)
            if cached is None or cached[0] != sig or rel in force:
                cached = (sig, self._read(path, kind, rel))
                self._files[rel] = cached
                changed.add(rel)
            if isinstance(cached[1], Problem):
                diag.add(cached[1])
            else:
                docs.append(cached[1])
        for rel in set(self._files) - seen:
            del self._files[rel]
            changed.add(rel)
        media = found.media
        _, config, digest, _ = self._config  # type: ignore[misc]
        return load.Content(config, digest, tuple(docs), media), changed, config_changed

    def _read(self, path: Path, kind: str, rel: str) -> load.SourceDoc | Problem:
        display = load.display_path(self.root, rel)
        try:
            return load.read_source(path.read_bytes(), kind, rel, display)
        except ContentError as err:
            return err.problem
        except OSError as err:
            return Problem(display, None, f"cannot read the file: {err.strerror}")

    def _load_config(self, diag: Diagnostics, force: bool) -> bool:
        sig = signature(self.content_dir / CONFIG_FILE)
        if self._config is None or self._config[0] != sig or force:
            own = Diagnostics()
            config, digest = load.load_config(self.content_dir, self.root, own)
            changed = self._config is not None and (config, digest) != self._config[1:3]
            self._config = (sig, config, digest, own.problems)
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
        self.ctx: LinkContext | None = None  # the context of the last render() call

    def render(self, jobs: Sequence[BodyJob], ctx: LinkContext) -> list[Body]:
        """A BodyRenderer (see link.py) for every body of the site."""
        names = (ctx.base_path, ctx.topic_names)
        if names != self._names:
            self._bodies = {}
        elif ctx.wiki_targets != self._targets:
            self._bodies = {job: body for job, body in self._bodies.items() if "[[" not in job.text}
        self._names, self._targets, self.ctx = names, ctx.wiki_targets, ctx
        missing = list(dict.fromkeys(job for job in jobs if job not in self._bodies))
        fresh = dict(zip(missing, render_bodies_parallel(missing, ctx)))  # forks only with no threads running
        bodies = [self._bodies.get(job) or fresh[job] for job in jobs]
        self._bodies = dict(zip(jobs, bodies))  # forget bodies no file has any more
        return bodies

    def render_one(self, job: BodyJob, ctx: LinkContext) -> Body:
        """One body ahead of the next render() call, kept for it when the context is the same."""
        body = self._bodies.get(job) if ctx is self.ctx else None
        if body is None:
            body = render_bodies_here([job], ctx)[0]
            if ctx is self.ctx:
                self._bodies[job] = body
        return body


class ParseCache:
    """Sessions parsed from their files: a file is parsed again only when it was read again
    (SourceCache hands out the same SourceDoc for an unchanged file) or site.yaml changed."""

    def __init__(self) -> None:
        self._parsed: dict[int, tuple[load.SourceDoc, SiteConfig, Session | None, tuple[Problem, ...]]] = {}

    def session(self, doc: load.SourceDoc, config: SiteConfig, diag: Diagnostics) -> Session | None:
        """A SessionParser (see link.py)."""
        entry = self._parsed.get(id(doc))  # the entry holds the doc, so its id stays its own
        if entry is None or entry[0] is not doc or entry[1] != config:
            own = Diagnostics()
            entry = (doc, config, parse_session(doc, config, own), own.problems)
            self._parsed[id(doc)] = entry
        for problem in entry[3]:
            diag.add(problem)
        return entry[2]

    def keep_only(self, docs: Iterable[load.SourceDoc]) -> None:
        """Forget the files that are gone or were read again."""
        current = {id(doc) for doc in docs}
        self._parsed = {key: entry for key, entry in self._parsed.items() if key in current}

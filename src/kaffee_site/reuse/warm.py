"""The warm path: what the last link made, and how one changed session is put into it.

A `LastLink` is what one link stage made (the Site, the names its bodies linked against, its
problems) together with the digest of every file it was made from. The engine keeps the last
one: in memory while `serve` runs, in the build cache between builds (so a fresh CI clone with
the cache restored relinks like `serve`).

A session's body reaches the rest of the Site only through its mentions (which sessions a
topic lists as mentioning it, with the sentence shown). So when every file whose bytes changed
is a session of the last Site with the same front matter (the same keys in the same order, on
the same lines), a full link would give the same Site with those sessions' new bodies, the
topics they mention differently with their lists of mentions updated, and the same problems
with the new bodies' in place of the old ones'. `relink` makes exactly that; when no file
changed the last Site stands as it is. Anything else (a new or deleted file, site.yaml, media,
another kind of file, a changed field) is a full link.

`quick_pages` is `serve`'s first answer to a save: the edited session's own page, rendered from
the last Site with the new body and written at once, before the run relinks and renders
everything that depends on it.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Callable, Mapping

from kaffee_site.content.load import Content, SourceDoc
from kaffee_site.digest import digest
from kaffee_site.errors import Diagnostics, Problem
from kaffee_site.link.link import BodyJob, BodyRenderer, LinkedSite, render_bodies_here
from kaffee_site.markdown.body import Body
from kaffee_site.model import Session, Site, Topic
from kaffee_site.publish.lock import output_lock
from kaffee_site.publish.stage import write_files
from kaffee_site.outputs.kind import PageSpec, page_path
from kaffee_site.render.render import render_page
from kaffee_site.reuse.store import pack, unpack

# Relinks in a row before the next run links the whole archive again, so that the memo table,
# which only grows while it is not asked for the bodies a relink keeps, is pruned (memo.py).
RELINKS = 50


@dataclass(frozen=True)
class LastLink:
    """What one link made, for the next run to relink against."""

    site: Site
    files: Mapping[str, tuple[str, str]]  # rel -> (digest of its bytes, front_matter_key)
    config_digest: str
    media: tuple[str, ...]
    problems: Counter  # every problem the link stage found, counted with repeats
    ctx: Any  # markdown.LinkContext: the names bodies were rendered against
    records: int  # how many records this run linked (for the engine's stats)
    relinks: int = 0  # relinks since the last full link


def front_matter_key(doc: SourceDoc) -> str:
    """The digest of a file's front matter as the link reads it: its keys in order, the line of
    each (which problems name), where the body starts, its kind and place."""
    return digest(doc.kind, doc.display, str(doc.body_line), repr(tuple(doc.lines.items())), repr(doc.meta))


class CountingDiagnostics(Diagnostics):
    """Diagnostics that also count each problem with its repeats, so a relink can take one
    body's problems out and put the new body's in."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter = Counter()

    def add(self, problem: Problem) -> None:
        super().add(problem)
        self.counts[problem] += 1


def link_whole(content: Content, link: Callable[[Diagnostics], LinkedSite]) -> LastLink:
    """A full link (`link(diagnostics)`: link.link_site) as a LastLink."""
    found = CountingDiagnostics()
    made = link(found)
    files = {doc.rel: (doc.digest, front_matter_key(doc)) for doc in content.docs}
    return LastLink(made.site, files, content.config_digest, content.media, found.counts, made.ctx, len(content.docs))


def relink(last: LastLink, content: Content, render_bodies: BodyRenderer) -> LastLink | None:
    """The Site with the changed sessions' new bodies, or None when a full link is needed."""
    if content.config_digest != last.config_digest or content.media != last.media or last.relinks >= RELINKS:
        return None
    docs = {doc.rel: doc for doc in content.docs}
    if docs.keys() != last.files.keys():
        return None
    changed = sorted(rel for rel, doc in docs.items() if doc.digest != last.files[rel][0])
    if not changed:  # no file changed (a template saved, a second look): the same Site
        return replace(last, records=0)
    places = {session.rel: index for index, session in enumerate(last.site.sessions)}
    todo = []
    for rel in changed:
        index = places.get(rel)
        if index is None or front_matter_key(docs[rel]) != last.files[rel][1]:
            return None  # a draft, a session with errors, a topic or page file, or new fields
        todo.append(index)
    sessions = list(last.site.sessions)
    jobs = [BodyJob(docs[sessions[i].rel].body, docs[sessions[i].rel].body_line, sessions[i].source, None,
                    docs[sessions[i].rel].digest) for i in todo]
    problems = last.problems.copy()
    topics = {topic.slug: topic for topic in last.site.topics}
    order = {session.slug: index for index, session in enumerate(sessions)}
    for index, body in zip(todo, render_bodies(jobs, last.ctx)):
        old = sessions[index].body
        if old is None:
            return None
        problems.subtract(old.problems)
        problems.update(body.problems)
        sessions[index] = replace(sessions[index], body=body)
        _remention(topics, sessions[index], _first_mentions(old), _first_mentions(body), order)
    site = replace(last.site, sessions=tuple(sessions), topics=tuple(topics[t.slug] for t in last.site.topics))
    files = {**last.files, **{rel: (docs[rel].digest, last.files[rel][1]) for rel in changed}}
    return LastLink(site, files, last.config_digest, last.media, +problems, last.ctx, len(todo), last.relinks + 1)


def _first_mentions(body: Body) -> dict[str, str]:
    """topic -> sentence of its first mention: what the link stage takes from a body (_link_topics)."""
    found: dict[str, str] = {}
    for mention in body.mentions:
        found.setdefault(mention.topic, mention.sentence)
    return found


def _remention(topics: dict[str, Topic], session: Session, old: dict[str, str], new: dict[str, str],
               order: dict[str, int]) -> None:
    """Each topic whose mention by `session` changed, with its sessions that mention it (newest
    first, as link._link_topics lists them) and their sentences: the session's entry taken out
    and, if it still mentions the topic, put back in its place."""
    for slug in sorted(old.keys() | new.keys()):
        topic = topics.get(slug)
        if topic is None or old.get(slug) == new.get(slug):
            continue
        sentences = {s: text for s, text in topic.sentences.items() if s != session.slug}
        mentioned = [s for s in topic.mentioned if s != session.slug]
        if slug in new:
            sentences[session.slug] = new[slug]
            if slug not in session.topics:
                mentioned.append(session.slug)
        newest_first = sorted(sentences, key=order.__getitem__)
        topics[slug] = replace(topic, sentences=MappingProxyType({s: sentences[s] for s in newest_first}),
                               mentioned=tuple(sorted(mentioned, key=order.__getitem__)))


# --- kept between builds ------------------------------------------------------------------------

def plain(linked: LastLink, scope: str) -> Any:
    """The LastLink as plain data for the cache (store.pack); `scope` says what else it was made
    with (drafts, the content folder as displayed). Raises TypeError when it cannot be kept."""
    problems = tuple((pack(problem), count) for problem, count in linked.problems.items())
    return (scope, pack(linked.site), dict(linked.files), linked.config_digest, linked.media, problems,
            pack(linked.ctx), linked.relinks)


def from_plain(value: Any, scope: str, content: Content) -> LastLink | None:
    """The LastLink kept by `plain`, if it was made with the same `scope` and site.yaml; else None."""
    try:
        kept_scope, site, files, config_digest, media, problems, ctx, relinks = value
        if kept_scope != scope or config_digest != content.config_digest:
            return None
        site = replace(unpack(site), config=content.config)  # the very settings object this run read
        counts = Counter({unpack(problem): count for problem, count in problems})
        files = {rel: (str(found[0]), str(found[1])) for rel, found in files.items()}
        return LastLink(site, files, config_digest, tuple(media), counts, unpack(ctx), 0, int(relinks))
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None


# --- serve's first answer to a save ----------------------------------------------------------------

def quick_pages(last: LastLink, theme: Any, specs: Mapping[str, PageSpec], reread: Callable[[str], SourceDoc | None],
                rels: set[str], output_dir: os.PathLike) -> list[str]:
    """The saved sessions' own pages, rendered from the last Site with their new bodies and
    written at once when no other process holds the output; the paths written. [] when some
    saved file is not a body edit of a session of the last Site (then the run does it all)."""
    by_rel = {s.rel: s for s in last.site.sessions}
    fresh = {}
    for rel in rels:
        session, doc = by_rel.get(rel), reread(rel)
        if session is None or doc is None or front_matter_key(doc) != last.files[rel][1]:
            return []  # the front matter changed: titles, topics, neighbours may change
        body = render_bodies_here([BodyJob(doc.body, doc.body_line, session.source, None, doc.digest)], last.ctx)[0]
        if any(problem.severity == "error" for problem in body.problems):
            return []
        fresh[session.slug] = replace(session, body=body)
    quick = replace(last.site, sessions=tuple(fresh.get(s.slug, s) for s in last.site.sessions))
    outputs = []
    for session in fresh.values():
        spec = specs.get(page_path(session.url_path))
        if spec is not None:
            outputs.append(render_page(quick, theme, replace(spec, context=(("session", session),))))
    with output_lock(output_dir, wait=False) as free:
        # another build writes the folder: the full rebuild, which waits for it, writes the page
        return write_files(outputs, output_dir) if free else []

"""The link stage again for a warm engine (`serve`): a session whose front matter did not
change is relinked alone.

A session's body reaches the rest of the Site only through its mentions (which sessions a
topic lists as mentioning it, with the sentence shown). So when every file read anew is a
session of the last Site with the same front matter (the same keys in the same order, on the
same lines), a full link would give the same Site with that session's new body, the topics it
mentions differently with their lists of mentions updated, and the same problems with the new
body's in place of the old one's. Then only that body is rendered and put in, and every other
record stays the very same object, so what is kept by identity (rendered bodies' keys, record
digests: graph.py) stays valid. When no file was read anew (a template saved) the last Site
stands as it is. Anything else (a new or deleted file, site.yaml, media, another kind of file,
a changed field) is a full link.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from itertools import chain
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping

from kaffee_site.errors import Diagnostics, Problem
from kaffee_site.model import Session, Site, Topic
from kaffee_site.link.link import BodyJob, BodyRenderer
from kaffee_site.content.load import Content, SourceDoc
from kaffee_site.markdown.body import Body, LinkContext


@dataclass(frozen=True)
class Linked:
    """What one link made, for the next run to relink against."""

    site: Site
    docs: Mapping[str, SourceDoc]  # the files it was made from, by path inside the content folder
    config_digest: str
    media: tuple[str, ...]
    problems: Counter  # every problem the link stage found, counted with repeats
    ctx: LinkContext  # the names bodies were rendered against
    records: int  # how many records the link made (for the engine's stats)


def relink(last: Linked, content: Content, changed: set[str], render_bodies: BodyRenderer) -> Linked | None:
    """The Site with the changed sessions' new bodies, or None when a full link is needed."""
    if content.config_digest != last.config_digest or content.media != last.media:
        return None
    docs = {doc.rel: doc for doc in content.docs}
    if len(docs) != len(last.docs) or docs.keys() != last.docs.keys():
        return None
    if not changed:  # no file read anew (a template saved, a second look): the same Site
        return replace(last, records=0)
    places = {session.rel: index for index, session in enumerate(last.site.sessions)}
    sessions = list(last.site.sessions)
    todo = []
    for rel in sorted(changed):
        index = places.get(rel)
        if index is None or not same_front_matter(last.docs[rel], docs[rel]):
            return None  # a draft, a session with errors, a topic or page file, or new fields
        todo.append(index)
    fresh = [(sessions[i], docs[sessions[i].rel]) for i in todo]
    jobs = [BodyJob(doc.body, doc.body_line, session.source, None, doc.digest) for session, doc in fresh]
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
    changed_topics = tuple(topics[topic.slug] for topic in last.site.topics)
    site = replace(last.site, sessions=tuple(sessions), topics=changed_topics)
    return Linked(site, docs, last.config_digest, last.media, +problems, last.ctx, len(todo))


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


def same_front_matter(old: SourceDoc, new: SourceDoc) -> bool:
    """Whether two readings of a file have the same front matter, to the order of its keys and
    the line of each (which problems name)."""
    return (old.kind == new.kind and old.display == new.display and old.body_line == new.body_line
            and old.lines == new.lines and repr(old.meta) == repr(new.meta))


class Counted(Diagnostics):
    """Diagnostics that also count each problem with its repeats, so a relink can take one
    body's problems out and put the new body's in."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter = Counter()

    def add(self, problem: Problem) -> None:
        super().add(problem)
        self.counts[problem] += 1


def link_whole(content: Content, link: Callable[[Diagnostics], Site], ctx: Callable[[], LinkContext]) -> Linked:
    """A full link (`link(diagnostics)`, link.link_site) as a Linked; `ctx()` is the link context
    its bodies were rendered with."""
    found = Counted()
    site = link(found)
    return Linked(site, {doc.rel: doc for doc in content.docs}, content.config_digest, content.media,
                  found.counts, ctx(), len(content.docs))


def bodies_of(site: Site) -> Iterator[Any]:
    """Every rendered body the Site holds (a topic's is its description)."""
    for record in chain(site.sessions, site.rejected, site.pages, site.people, site.organisations):
        if record.body is not None:
            yield record.body
    for topic in site.topics:
        if topic.description is not None:
            yield topic.description

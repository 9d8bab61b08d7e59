"""The body types: what rendering a Markdown body gives (Body, with its mentions, links and
headings) and what it needs to know of the rest of the site (LinkContext, WikiTarget).

Plain frozen dataclasses, all in this module: the build cache encodes every dataclass defined
here (reuse/store.py), so a type a Body holds belongs here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from kaffee_site.errors import Problem


@dataclass(frozen=True)
class WikiTarget:
    url: str  # root-relative URL, base path included
    title: str
    topic: str | None = None  # topic key when the target is a topic (counts as its first link)


@dataclass(frozen=True)
class LinkContext:
    """What a body needs to know about the rest of the site to be linked. Small and picklable."""

    base_path: str = "/"
    # (name as written in a title or alias, topic key, topic URL), for mentions
    topic_names: tuple[tuple[str, str, str], ...] = ()
    # folded name -> target, for [[wikilinks]]
    wiki_targets: Mapping[str, WikiTarget] = field(default_factory=dict)


@dataclass(frozen=True)
class Mention:
    """The first mention of a topic in a body (the one that became a link)."""

    topic: str
    sentence: str
    line: int


@dataclass(frozen=True)
class BodyLink:
    target: str  # as the editor wrote it
    line: int
    is_image: bool = False
    alt: str = ""
    external: bool = False  # another site's URL: recorded for images only (their alt text is checked)


@dataclass(frozen=True)
class BodyImage:
    """An image of media/ in a body: where its <img> stands in the HTML (UTF-8 byte offsets), so
    the page can show the picture's sizes and formats in its place (outputs/pictures.py)."""

    src: str  # path inside media/
    alt: str
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Heading:
    """A heading of a body that got an id, for a table of contents."""

    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Body:
    # UTF-8, not str: German text is never pure ASCII, so a str of it takes two bytes a character
    # (90 MiB of bodies at 10,000 sessions instead of 45), and the Site holds every body at once
    utf8: bytes
    summary: str  # plain text of the first paragraph
    mentions: tuple[Mention, ...]
    links: tuple[BodyLink, ...]
    problems: tuple[Problem, ...]
    headings: tuple[Heading, ...] = ()
    images: tuple[BodyImage, ...] = ()  # the images of media/ in it, in order (markdown/images.py)

    @property
    def html(self) -> str:
        return self.utf8.decode("utf-8")

    @property
    def outline(self) -> tuple[tuple[Heading, tuple[Heading, ...]], ...]:
        """The headings for a table of contents: the top level, each with the next level below it."""
        if not self.headings:
            return ()
        top = min(h.level for h in self.headings)
        entries: list[tuple[Heading, list[Heading]]] = []
        for heading in self.headings:
            if heading.level == top or not entries:
                entries.append((heading, []))
            elif heading.level == top + 1:
                entries[-1][1].append(heading)
        return tuple((heading, tuple(children)) for heading, children in entries)

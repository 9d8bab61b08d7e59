"""Topic registry (part of the link stage): which topic a name means.

Topics come from `topics/*.md` (title, aliases) or, without a file, from the names sessions
use. Names match ignoring case, spacing and umlaut spelling ('Foerdermittel' = 'Fördermittel').
Names that are only close to a known topic resolve to a topic of their own, with a warning
that suggests the known one, because a typo must not silently merge or split topics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from kaffee_site.errors import Diagnostics
from kaffee_site.model import FOLDERS, Topic
from kaffee_site.text import NearNames, fold, slugify

CLOSE_WARNINGS = 50  # warnings about unknown topics close to a known one, at most; then one says how many more


@dataclass
class TopicRegistry:
    topics: dict[str, Topic] = field(default_factory=dict)  # slug -> topic
    names: dict[str, str] = field(default_factory=dict)  # folded name -> slug
    _file_names: dict[str, str] = field(default_factory=dict)  # folded name -> display name
    folder: str = FOLDERS.topics  # config.urls.topics, for the topics that sessions name without a file
    _near: NearNames | None = None  # the file names, indexed for suggestions (made when first asked)
    _close_warnings: int = 0  # unknown names that got a suggestion, listed or not
    _first_unlisted: tuple[str, int | None] | None = None

    @classmethod
    def from_files(cls, topics: list[Topic], diag: Diagnostics, folder: str = FOLDERS.topics) -> "TopicRegistry":
        registry = cls(folder=folder)
        for topic in topics:
            if topic.slug in registry.topics:
                other = registry.topics[topic.slug]
                diag.error(topic.source or "", 1, f"the topic slug '{topic.slug}' is already used by {other.source}",
                           "give one of the topics another file name or 'slug:'")
                continue
            registry.topics[topic.slug] = topic
            claim_names(topic.slug, topic.title, (*topic.aliases, *topic.forms), topic.source or "", registry.names,
                        registry._file_names, lambda slug: registry.topics[slug].title, "topics", diag)
        return registry

    def resolve(self, name: str, display: str, line: int | None, diag: Diagnostics) -> str:
        """Slug of the topic `name` means; creates a file-less topic for a new name."""
        key = fold(name)
        slug = self.names.get(key)
        if slug is not None:
            known = self._file_names.get(key)
            if known is not None and known != name and " ".join(name.split()) != known:
                diag.warning(display, line, f"topic '{name}' is written differently from '{known}'",
                             f"did you mean '{known}'?")
            return slug
        slug = slugify(name)
        if slug in self.topics:  # 'Open-Data' and 'Open Data' share a slug: same topic
            self.names[key] = slug
            return slug
        suggestion = self.suggest(name)
        if suggestion:
            self._close_warnings += 1
            if self._close_warnings <= CLOSE_WARNINGS:
                diag.warning(display, line, f"unknown topic '{name}' is close to an existing topic",
                             f"did you mean '{suggestion}'?")
            elif self._close_warnings == CLOSE_WARNINGS + 1:
                self._first_unlisted = (display, line)
        self.topics[slug] = Topic(slug=slug, title=" ".join(name.split()), folder=self.folder)
        self.names[key] = slug
        return slug

    def suggest(self, name: str) -> str | None:
        """The file topic name closest to `name`, if one is a likely typo of it: one letter
        wrong, missing, added or two swapped, or the name plus an ending ('Verstetigungen' for
        'Verstetigung'). Looked up in an index of the names (text.NearNames), not compared with
        each: 150 new names among 400 aliases took 60 s with difflib (issue 18)."""
        if self._near is None:
            self._near = NearNames(self._file_names)
        close = self._near.closest(fold(name))
        return self._file_names[close] if close else None

    def warn_close_total(self, diag: Diagnostics) -> None:
        """After the sessions are resolved: how many close-name warnings were left out, if any."""
        if self._close_warnings > CLOSE_WARNINGS and self._first_unlisted:
            display, line = self._first_unlisted
            diag.warning(display, line, f"{self._close_warnings - CLOSE_WARNINGS} more unknown topics are close to an "
                         f"existing topic (only the first {CLOSE_WARNINGS} such warnings are listed)",
                         "look through the topics the sessions list, or give each topic a file in topics/")


def claim_names(slug: str, title: str, aliases: tuple[str, ...], source: str, names: dict[str, str],
                written: dict[str, str], title_of: Callable[[str], str], kinds: str, diag: Diagnostics) -> None:
    """Register a record's title and aliases (folded) as its names; a name two records claim is an error."""
    for name in (title, *aliases):
        key = fold(name)
        owner = names.get(key)
        if owner is not None and owner != slug:
            diag.error(source, 1, f"the name '{name}' belongs to two {kinds}: '{title_of(owner)}' and '{title}'",
                       "remove it from the aliases of one of them")
            continue
        names[key] = slug
        written[key] = name

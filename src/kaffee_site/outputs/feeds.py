"""Atom feeds: what goes into `feed.xml` and each topic's `themen/<slug>/feed.xml`.

This module only decides the feed's data (ids, dates, entries); `templates/feed.xml`
writes the XML. The archive's feed carries the newest `feed_limit` reports in full (50 unless
site.yaml says otherwise, the way Hugo limits RSS: a feed of every report grows with the
archive, 100 MB at 10,000 sessions, and readers fetch it again and again); a topic feed announces
the sessions of its topic with their summary and link (in full they would repeat each
report once per topic: 65 MB of feeds for 1,000 sessions instead of 7 MB). Ids are the absolute URLs of the pages (stable as long as the slug
is), dates come from the sessions, never from the clock. Report bodies contain
root-relative links ('/kaffee/themen/x/'); each entry's content carries `xml:base` with
the page's absolute URL, so feed readers resolve them exactly as the browser does on the page.
"""

from __future__ import annotations

import re
from html import escape
import uuid
from dataclasses import dataclass
from typing import Iterator

from kaffee_site.i18n import catalogue
from kaffee_site.clock import iso_with_offset
from kaffee_site.outputs.calendar import session_times
from kaffee_site.model import Session, Site, Topic
from kaffee_site.outputs.kind import PageSpec
from kaffee_site.outputs.pictures import body_html

FEED_FILE = "feed.xml"
NO_DATE = "1970-01-01T00:00:00Z"  # a feed with no entry at all: a fixed date, not the clock
# Topics (categories) and speakers (contributors) an entry names, at most: an entry stands in the
# feed of each of its topics, so one session of 1,200 topics repeated 1,200 categories in 1,200 feeds
MAX_PER_ENTRY = 20

# Characters XML 1.0 does not allow at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Feed:
    url_path: str  # 'feed.xml' or 'themen/<slug>/feed.xml'
    title: str
    subtitle: str
    alternate: str  # url path of the HTML page the feed follows
    sessions: tuple[str, ...]  # slugs, newest first
    full: bool = True  # entries carry the whole report, not only its summary


@dataclass(frozen=True)
class Category:
    term: str
    label: str
    scheme: str


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    url: str
    published: str
    summary: str
    html: str  # empty when the feed carries summaries only
    contributors: tuple[str, ...]
    categories: tuple[Category, ...]


def site_feed(site: Site) -> Feed:
    config = site.config
    return Feed(FEED_FILE, xml_text(config.title), xml_text(config.description), "",
                tuple(s.slug for s in site.sessions[:config.feed_limit]))


def topic_feed(site: Site, topic: Topic) -> Feed:
    """The sessions that carry the topic (list it in their front matter), newest first.

    Sessions that only mention it stay on the topic page: a subscriber asked for the topic's
    sessions, not for every report that names it in passing.
    """
    return Feed(f"{topic.url_path}{FEED_FILE}", xml_text(f"{topic.title} – {site.config.title}"),
                xml_text(topic.summary or catalogue(site.config.language).gettext("Sessions on %(topic)s") % {"topic": topic.title}), topic.url_path, topic.carried,
                full=False)


def uri(site: Site, url_path: str) -> str:
    """A stable id for a page: its absolute URL, or a name-based UUID when base_url has no host."""
    url = site.config.absolute_url(url_path)
    return url if site.config.origin else f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}"


def updated(site: Site, feed: Feed) -> str:
    """The feed changed when its newest session happened."""
    if not feed.sessions:
        return NO_DATE
    sessions = [site.session(slug) for slug in feed.sessions]
    newest_day = sessions[0].date  # newest first: only that day's sessions can be the newest
    return iso_with_offset(max(session_times(s, site.config).moment for s in sessions if s.date == newest_day))


def entries(site: Site, feed: Feed) -> Iterator[Entry]:
    for slug in feed.sessions:
        yield entry(site, site.session(slug), feed.full)


def entry(site: Site, session: Session, full: bool = True) -> Entry:
    config = site.config
    topics = [site.topic(slug) for slug in session.topics[:MAX_PER_ENTRY]]
    scheme = config.absolute_url(f"{config.urls.topics}/")
    return Entry(
        id=uri(site, session.url_path),
        title=xml_text(session.title),
        url=config.absolute_url(session.url_path),
        published=iso_with_offset(session_times(session, config).moment),
        summary=xml_text(session.teaser),
        html=xml_text((example_notice(config.language) if session.example else "")
                      + (body_html(site, session.body) if full and session.body else "")),
        contributors=tuple(xml_text(sp.name + (f" ({sp.org})" if sp.org else ""))
                           for sp in session.speakers[:MAX_PER_ENTRY]),
        categories=tuple(Category(t.slug, xml_text(t.title), scheme) for t in topics),
    )


def example_notice(language: str) -> str:
    """The page's notice on an invented report, for a feed reader, which shows the report without its page."""
    words = catalogue(language)
    notice = words.gettext("This report was made up to show how an archive looks: the people and "
                           "organisations in it do not exist, and what it reports did not happen.")
    return f"<p><strong>{escape(words.gettext('Invented example.'))}</strong> {escape(notice)}</p>\n"


def xml_text(text: str) -> str:
    """Drop the few characters XML cannot carry (escaping is the template's job)."""
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


def plan(site: Site, planned: list[PageSpec]) -> list[PageSpec]:
    """The archive's feed, then one per topic."""
    feeds = [site_feed(site), *(topic_feed(site, t) for t in site.topics)]
    return [PageSpec(feed.url_path, "feed.xml", (("feed", feed),)) for feed in feeds]


def template_globals(site: Site) -> dict:
    return {
        "feed_entries": lambda feed: entries(site, feed),
        "feed_id": lambda url_path: uri(site, url_path),
        "feed_updated": lambda feed: updated(site, feed),
    }

"""schema.org structured data (JSON-LD) for session and speaker pages.

Plain dictionaries built from the model; the templates write them with the `json`
filter, which escapes '<', '>' and '&' so that no title can end the script element.
All URLs are absolute (from `base_url`), as search engines expect.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from kaffee_site.outputs import cards
from kaffee_site.clock import iso_with_offset
from kaffee_site.outputs.calendar import When, session_times
from kaffee_site.model import Person, Session, Site, Speaker
from kaffee_site.text import plain_excerpt

CONTEXT = "https://schema.org"


def template_globals(site: Site) -> dict[str, Any]:
    return {"event_data": lambda session: event_data(site, session),
            "person_data": lambda person: person_data(site, person)}


def event_data(site: Site, session: Session) -> dict[str, Any]:
    """A session as a schema.org Event held online."""
    config = site.config
    url = config.absolute_url(session.url_path)
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Event",
        "name": session.title,
        **_dates(session_times(session, config)),
        "eventAttendanceMode": f"{CONTEXT}/OnlineEventAttendanceMode",
        "eventStatus": f"{CONTEXT}/EventScheduled",
        "location": {"@type": "VirtualLocation", "url": url},
        "organizer": organizer_data(site),
        "performer": [_performer(site, speaker) for speaker in session.speakers],
        "superEvent": {"@type": "EventSeries", "name": session.series},
        "about": [{"@type": "Thing", "name": site.topic(t).title, "url": config.absolute_url(site.topic(t).url_path)}
                  for t in session.topics],
        "inLanguage": config.language,
        "url": url,
    }
    if session.teaser:
        data["description"] = plain_excerpt(session.teaser, 300)
    # the preview image (the report's 1200-wide file, site.yaml's or the drawn card), so every
    # Event has one; a report's SVG, which previews ignore, follows it
    data["image"] = [cards.preview_for(site, session=session).url]
    found = site.image(session.image.src) if session.image else None
    if found is not None and found.vector:
        data["image"].append(config.absolute_url(f"media/{quote(found.src)}"))
    return data


def _dates(when: When) -> dict[str, str]:
    """ISO dates with the German offset where a time is known; else the day alone (schema.org
    Date), ending the same day, so no time is claimed that the report did not give."""
    if when.start_at is None:
        return {"startDate": when.day.isoformat(), "endDate": when.day.isoformat()}
    dates = {"startDate": iso_with_offset(when.start_at)}
    if when.end_at is not None:
        dates["endDate"] = iso_with_offset(when.end_at)
    return dates


def organizer_data(site: Site) -> dict[str, Any]:
    config = site.config
    return {"@type": "Organization", "name": config.organizer or config.title, "url": config.absolute_url("")}


def _performer(site: Site, speaker: Speaker) -> dict[str, Any]:
    person: dict[str, Any] = {
        "@type": "Person", "name": speaker.name,
        "url": site.config.absolute_url(site.person(speaker.person).url_path),
    }
    if speaker.org and speaker.organisation:
        person["affiliation"] = _organisation(site, speaker.organisation)
    return person


def _organisation(site: Site, slug: str) -> dict[str, Any]:
    org = site.organisation(slug)
    return {"@type": "Organization", "name": org.name, "url": site.config.absolute_url(org.url_path)}


def person_data(site: Site, person: Person) -> dict[str, Any] | None:
    """A speaker as a schema.org Person, with their organisations and the sessions they spoke in;
    None for someone who speaks only in invented reports (`example: true`): no one to describe."""
    config = site.config
    real = [session for session in map(site.session, person.sessions) if not session.example]
    if not real:
        return None
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Person",
        "name": person.name,
        "url": config.absolute_url(person.url_path),
        "affiliation": [_organisation(site, slug) for slug in person.organisations],
        "performerIn": [_event_summary(site, session) for session in real],
    }
    return data


def _event_summary(site: Site, session: Session) -> dict[str, Any]:
    start = _dates(session_times(session, site.config))["startDate"]
    return {"@type": "Event", "name": session.title, "startDate": start,
            "url": site.config.absolute_url(session.url_path)}

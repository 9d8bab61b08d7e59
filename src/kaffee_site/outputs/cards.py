"""Preview images for social media and search: which image a page shows, and the cards we draw.

A page's preview is its own image if it has one that social sites display (a raster picture,
in its 1200-wide file: images/; they ignore SVG), else the image named in `site.yaml`, else a
card the build draws:
1200 × 630 px, the title, date and series on the theme's colours (as Material for MkDocs'
social cards), one per session and topic and one for the rest of the site.

The drawing itself (Pillow, the font, the palette) is card_image.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from kaffee_site.appearance import LIGHT
from kaffee_site.i18n import catalogue
from kaffee_site.model import Picture, Session, Site, Topic
from kaffee_site.outputs.card_image import HEIGHT, WIDTH, draw_card
from kaffee_site.outputs.kind import PageSpec

CARD_FILE = "card.png"
DEFAULT_COLOURS = {key: LIGHT[key] for key in ("bg", "fg", "muted", "accent")}  # the default theme, light


@dataclass(frozen=True)
class Preview:
    """The image a page is previewed with: absolute URL, alt text, and its size when we know it."""

    url: str
    alt: str
    width: int | None = None
    height: int | None = None

    @property
    def drawn(self) -> bool:
        return self.width == WIDTH and self.height == HEIGHT


@dataclass(frozen=True)
class CardText:
    """What a card says: a small line above the title, the title, and a line at the bottom."""

    kicker: str
    title: str
    footer: str

    @property
    def alt(self) -> str:
        """What the card shows, as text: 'Title (Smarter Kaffee Nr. 4, 5. September 2024)'."""
        rest = ", ".join(part for part in (self.kicker, self.footer) if part)
        return f"{self.title} ({rest})" if rest else self.title


# --- which image a page shows --------------------------------------------------------------

def site_image(site: Site) -> Preview | None:
    """`image: {src, alt}` of site.yaml, used by every page that has no image of its own (none
    when the build could not use it: then the cards stand in)."""
    image = site.config.image
    if image is None:
        return None
    found = site.image(image.src)
    if found is not None and found.preview is not None:
        return _from_picture(site, found, image.alt)
    if found is not None and not found.usable:
        return None
    return Preview(site.config.absolute_url(f"media/{quote(image.src)}"), image.alt)


def _own_preview(site: Site, session: Session) -> Picture | None:
    """The session's picture when it has a preview file (a raster picture the build could use)."""
    if session.image is None:
        return None
    found = site.image(session.image.src)
    return found if found is not None and found.preview is not None else None


def _from_picture(site: Site, found: Picture, alt: str) -> Preview:
    shown = found.preview
    assert shown is not None
    return Preview(site.config.absolute_url(quote(shown.path)), alt, shown.width, shown.height)


def session_preview(site: Site, session: Session, texts: "Labels") -> Preview:
    found = _own_preview(site, session)
    if found is not None:
        return _from_picture(site, found, session.image.alt)  # type: ignore[union-attr]
    return site_image(site) or _card(site, session.url_path, session_text(session, texts))


def topic_preview(site: Site, topic: Topic, texts: "Labels") -> Preview:
    return site_image(site) or _card(site, topic.url_path, topic_text(site, topic, texts))


def page_preview(site: Site, texts: "Labels") -> Preview:
    """Every other page: the site's image or the site's card."""
    return site_image(site) or _card(site, "", site_text(site, texts))


def _card(site: Site, url_path: str, text: CardText) -> Preview:
    return Preview(site.config.absolute_url(url_path + CARD_FILE), text.alt, WIDTH, HEIGHT)


# --- what the cards say ----------------------------------------------------------------------

@dataclass(frozen=True)
class Labels:
    """The words and date format of the archive's language, from its catalogue (i18n.py)."""

    words: Any  # a Catalogue

    def date(self, day: Any) -> str:
        return self.words.date(day).replace(" ", "\u00a0")


def session_text(session: Session, texts: Labels) -> CardText:
    number = texts.words.gettext("No. %(number)s") % {"number": session.number} if session.number else ""
    number = number.replace(" ", "\u00a0")
    return CardText(" ".join(x for x in (session.series, number) if x), session.title, texts.date(session.date))


def topic_text(site: Site, topic: Topic, texts: Labels) -> CardText:
    count = len(topic.carried)
    sessions = texts.words.ngettext("%(num)s session", "%(num)s sessions", count) % {"num": count}
    return CardText(texts.words.gettext("Topic"), topic.title, f"{site.config.title} · {sessions}")


def site_text(site: Site, texts: Labels) -> CardText:
    return CardText("", site.config.title, site.config.description)


def labels(site: Site) -> Labels:
    """The card words of the site's language."""
    return Labels(catalogue(site.config.language))


def plan(site: Site, planned: list[PageSpec]) -> list[PageSpec]:
    """Every card to draw; none when site.yaml
    names an image. A card is a producer output, so a cached build keeps it while its text holds."""
    if site_image(site) is not None:
        return []
    texts, colours = labels(site), theme_colours(site)
    cards = [(CARD_FILE, site_text(site, texts))]
    cards += [(s.url_path + CARD_FILE, session_text(s, texts)) for s in site.sessions if not _own_preview(site, s)]
    cards += [(t.url_path + CARD_FILE, topic_text(site, t, texts)) for t in site.topics]
    # The card gets its text and colours as its context and reads nothing of the Site, so the
    # graph keeps a session's card through any site.yaml edit that changes neither.
    return [PageSpec(path, "", (("text", text), ("colours", colours)), producer=card_png) for path, text in cards]


def template_globals(site: Site) -> dict[str, Any]:
    return {"preview": lambda session=None, topic=None: preview_for(site, session, topic)}


def preview_for(site: Site, session: Session | None = None, topic: Topic | None = None) -> Preview:
    """The preview of a page: pass the session or topic the page shows, if any."""
    texts = labels(site)
    if session is not None:
        return session_preview(site, session, texts)
    if topic is not None:
        return topic_preview(site, topic, texts)
    return page_preview(site, texts)


# --- drawing -----------------------------------------------------------------------------------

def card_png(site: Site, text: CardText, colours: tuple[tuple[str, str], ...]) -> bytes:
    """The card as PNG bytes (a producer for the render plan); `site` is not read."""
    return draw_card(text, colours)


def theme_colours(site: Site) -> tuple[tuple[str, str], ...]:
    """The theme's light colours: the default palette with site.yaml's `theme:` colours on top."""
    chosen = {key: LIGHT[key] for key in ("bg", "fg", "muted", "accent")}
    theme = getattr(site.config, "theme", None)
    chosen.update((name, value) for name, value in (theme.light if theme else ()) if name in chosen)
    return tuple(sorted(chosen.items()))

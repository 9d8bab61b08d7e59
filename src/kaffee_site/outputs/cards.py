"""Preview images for social media and search: which image a page shows, and the cards we draw.

A page's preview is its own image if it has one that social sites display (PNG, JPEG, GIF,
WebP: they ignore SVG), else the image named in `site.yaml`, else a card the build draws:
1200 × 630 px, the title, date and series on the theme's colours (as Material for MkDocs'
social cards), one per session and topic and one for the rest of the site.

This is the only module that knows Pillow. Cards are drawn in palette mode: each text colour
is an 85-step ramp from the background, so the antialiased text keeps its colour and a PNG
is about 15 KB and quick to compress. The font is Lato from the `font-lato` package (German
letters, dashes and guillemets), never the machine's fonts, so the bytes are the same on
every machine with the same Pillow.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator

from kaffee_site.appearance import LIGHT
from kaffee_site.i18n import catalogue
from kaffee_site.model import Session, Site, Topic
from kaffee_site.outputs.kind import PageSpec

ORDER = 40
CARD_FILE = "card.png"
WIDTH, HEIGHT = 1200, 630
MARGIN = 80
BAND = 20  # the accent stripe along the top
RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")
DEFAULT_COLOURS = {key: LIGHT[key] for key in ("bg", "fg", "muted", "accent")}  # the default theme, light
_STEPS = 85  # antialiasing levels per colour: three ramps and the solid accent fit in 256 entries


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
    """`image: {src, alt}` of site.yaml, used by every page that has no image of its own."""
    image = site.config.image
    return Preview(site.config.absolute_url(f"media/{image.src}"), image.alt) if image else None


def _shown_image(session: Session) -> bool:
    return session.image is not None and session.image.src.lower().endswith(RASTER)


def session_preview(site: Site, session: Session, texts: "Labels") -> Preview:
    if _shown_image(session):
        return Preview(site.config.absolute_url(f"media/{session.image.src}"), session.image.alt)
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
    cards += [(s.url_path + CARD_FILE, session_text(s, texts)) for s in site.sessions if not _shown_image(s)]
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


@lru_cache(maxsize=32)
def _font(bold: bool, size: int):
    import font_lato
    from PIL import ImageFont

    # The basic layout engine (FreeType alone): raqm, where installed, would shape differently and
    # give other bytes on another machine.
    return ImageFont.truetype(font_lato.font_files["LatoBold" if bold else "Lato"], size,
                              layout_engine=ImageFont.Layout.BASIC)


def _rgb(value: str) -> tuple[int, int, int]:
    digits = value[1:] if len(value) == 7 else "".join(c * 2 for c in value[1:4])  # '#abc' = '#aabbcc'
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


@lru_cache(maxsize=8)
def _palette(colours: tuple[tuple[str, str], ...]) -> list[int]:
    """Index 0-84: background to text; 85-169: to muted; 170-254: to accent; 255: accent."""
    named = {k: _rgb(v) for k, v in colours}
    bg = named["bg"]
    palette: list[int] = []
    for key in ("fg", "muted", "accent"):
        target = named[key]
        for step in range(_STEPS):
            palette += [round(bg[c] + (target[c] - bg[c]) * step / (_STEPS - 1)) for c in range(3)]
    return palette + list(named["accent"])


CARD_CHARS = 300  # more never fits on a card: longer texts are cut before measuring


def _printable(text: str) -> str:
    """Control and format characters have no glyph: drop them (a title may hold any text)."""
    return "".join(ch for ch in text[:CARD_CHARS] if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))


def draw_card(text: CardText, colours: tuple[tuple[str, str], ...]) -> bytes:
    from PIL import Image, ImageDraw

    text = CardText(_printable(text.kicker), _printable(text.title), _printable(text.footer))
    canvas = Image.new("L", (WIDTH, HEIGHT), 0)
    measure = ImageDraw.Draw(canvas)
    width = WIDTH - 2 * MARGIN
    top = BAND + 60
    if text.kicker:
        font = _font(True, 34)
        _stamp(canvas, (MARGIN, top), _fit(measure, text.kicker, font, width, 1)[0], font, "accent")
    top += 70
    size, lines = _title_lines(measure, text.title, width)
    for line in lines:
        _stamp(canvas, (MARGIN, top), line, _font(True, size), "fg")
        top += round(size * 1.22)
    if text.footer:
        font = _font(False, 34)
        foot = _fit(measure, text.footer, font, width, 2)
        y = HEIGHT - 70 - 46 * len(foot)
        for line in foot:
            _stamp(canvas, (MARGIN, y), line, font, "muted")
            y += 46
    measure.rectangle((0, 0, WIDTH, BAND - 1), fill=255)
    canvas.putpalette(_palette(colours))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


_RAMP_START = {"fg": 0, "muted": _STEPS, "accent": 2 * _STEPS}
# coverage 0-255 -> a step of the colour's ramp; and where there is ink at all
_LUTS = {key: [base + round(v * (_STEPS - 1) / 255) for v in range(256)] for key, base in _RAMP_START.items()}
_INK = [0] + [255] * 255


def _stamp(canvas, xy: tuple[int, int], line: str, font, colour: str) -> None:
    """Draw one line in one colour: antialiased on its own small image, then mapped to the ramp."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = font.getbbox(line)
    if right <= left or bottom <= top:
        return
    coverage = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(coverage).text((-left, -top), line, font=font, fill=255)
    canvas.paste(coverage.point(_LUTS[colour]), (xy[0] + left, xy[1] + top), mask=coverage.point(_INK))


def _title_lines(draw, title: str, width: int) -> tuple[int, list[str]]:
    """The largest size at which the title fits three lines; cut with an ellipsis at the smallest."""
    for size in (72, 64, 56, 48):
        lines = _wrap(draw, title, _font(True, size), width)
        if len(lines) <= 3:
            return size, lines
    return 48, _fit(draw, title, _font(True, 48), width, 4)


def _fit(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    lines = _wrap(draw, text, font, width)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and draw.textlength(last + " …", font=font) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    kept[-1] = last.rstrip(" ,;:–-") + " …"
    return kept


_BREAKS = re.compile(r"[ \t\r\n]+")


def _wrap(draw, text: str, font, width: int) -> list[str]:
    """Greedy line breaking at spaces; a word wider than the card is broken where it must be."""
    lines: list[str] = []
    current = ""
    for word in _BREAKS.split(text.strip()):  # never at a no-break space ('5.\u00a0September')
        candidate = f"{current} {word}" if current else word
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while draw.textlength(current, font=font) > width:
            low, high = 1, len(current) - 1  # the longest piece that fits, found by halving
            while low < high:
                middle = (low + high + 1) // 2
                if draw.textlength(current[:middle], font=font) <= width:
                    low = middle
                else:
                    high = middle - 1
            lines.append(current[:low])
            current = current[low:]
    if current:
        lines.append(current)
    return lines

"""Drawing the social cards (cards.py decides which card a page gets and what it says).

This is the only module that knows Pillow. Cards are drawn in palette mode: each text colour
is an 85-step ramp from the background, so the antialiased text keeps its colour. The font
is Lato from the `font-lato` package (German letters, dashes and guillemets), never the
machine's fonts, so the bytes are the same on every machine with the same Pillow.

A build draws a card per session and topic, so drawing is kept cheap (about 1.5 ms a card
here): Pillow's own text calls lay out and load every glyph again on each call (0.85 ms to
measure a line, 3-4 ms to draw it, so about 14 ms a card). `_Face` measures and draws with what it
learned of each character once: its advance and its kerning with the next character (Pillow's
basic layout adds exactly these, in 1/64 px, so the sums equal `getlength`), and its rendered
bitmap, laid at the pen positions FreeType uses and blended the way it blends them, so a line
has the very pixels `ImageDraw.text` gives it (tests/test_card_image.py compares them). The
PNG is compressed with zlib's run-length strategy: the card is mostly runs of one colour, so
that takes 1.6 ms where the default strategy takes 7.5 ms, for about 30 KB where it gives 22 KB;
rows of one colour are compressed once per run length (`palette_png`, below).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
BAND = 20  # the accent stripe along the top
_STEPS = 85  # antialiasing levels per colour: three ramps and the solid accent fit in 256 entries
CARD_CHARS = 300  # more never fits on a card: longer texts are cut before measuring


class CardLines(Protocol):
    kicker: str
    title: str
    footer: str


def draw_card(text: CardLines, colours: tuple[tuple[str, str], ...]) -> bytes:
    """The card as PNG bytes: kicker, title and footer in the theme's colours."""
    from PIL import Image, ImageDraw

    kicker, title, footer = _printable(text.kicker), _printable(text.title), _printable(text.footer)
    canvas = Image.new("L", (WIDTH, HEIGHT), 0)
    width = (WIDTH - 2 * MARGIN) * 64  # in FreeType's 1/64 px
    top = BAND + 60
    if kicker:
        face = _face(True, 34)
        face.stamp(canvas, (MARGIN, top), face.fit(kicker, width, 1)[0], "accent")
    top += 70
    face, lines = _title_lines(title, width)
    for line in lines:
        face.stamp(canvas, (MARGIN, top), line, "fg")
        top += round(face.size * 1.22)
    if footer:
        face = _face(False, 34)
        foot = face.fit(footer, width, 2)
        y = HEIGHT - 70 - 46 * len(foot)
        for line in foot:
            face.stamp(canvas, (MARGIN, y), line, "muted")
            y += 46
    ImageDraw.Draw(canvas).rectangle((0, 0, WIDTH, BAND - 1), fill=255)
    return palette_png(canvas.tobytes(), WIDTH, HEIGHT, _palette(colours))


# --- PNG ----------------------------------------------------------------------------------
# Written here rather than by Pillow: most rows of a card are one colour (the stripe, the
# background between the lines of text), and zlib would scan each of their 1,201 bytes again.
# A run of equal rows is compressed once per length and spliced into the stream after a full
# flush (which makes what follows independent of what came before, so it may be any valid
# deflate data): about 1.4 ms a card, where zlib over every row takes 1.9 ms for the same pixels.

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KiB window; (0x78 * 256 + 0x01) % 31 == 0


def palette_png(pixels: bytes, width: int, height: int, palette: list[int]) -> bytes:
    """An 8-bit palette PNG of `pixels` (one byte a pixel, row after row), rows unfiltered."""
    rows = [pixels[start:start + width] for start in range(0, width * height, width)]
    uniform = {bytes([value]) * width for value in (0, 255)}
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
    parts, adler, y = [], 1, 0
    while y < height:
        stop = y + 1
        if rows[y] in uniform:
            while stop < height and rows[stop] == rows[y]:
                stop += 1
            run = (b"\0" + rows[y]) * (stop - y)
            parts += [deflate.flush(zlib.Z_FULL_FLUSH), _compressed_run(rows[y], stop - y)]
        else:
            while stop < height and rows[stop] not in uniform:
                stop += 1
            run = b"\0" + b"\0".join(rows[y:stop])  # each row starts with its filter type, 0: none
            parts.append(deflate.compress(run))
        adler = zlib.adler32(run, adler)
        y = stop
    parts.append(deflate.flush())
    idat = _ZLIB_HEADER + b"".join(parts) + adler.to_bytes(4, "big")
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 3, 0, 0, 0])
    return _PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"PLTE", bytes(palette)) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


@lru_cache(maxsize=256)
def _compressed_run(row: bytes, count: int) -> bytes:
    """`count` unfiltered copies of `row` as raw deflate blocks ending on a full flush."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
    return deflate.compress((b"\0" + row) * count) + deflate.flush(zlib.Z_FULL_FLUSH)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def _printable(text: str) -> str:
    """Control and format characters have no glyph: drop them (a title may hold any text)."""
    return "".join(ch for ch in text[:CARD_CHARS] if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))


def _title_lines(title: str, width: int) -> tuple["_Face", list[str]]:
    """The largest size at which the title fits three lines; cut with an ellipsis at the smallest."""
    for size in (72, 64, 56, 48):
        face = _face(True, size)
        lines = face.wrap(title, width)
        if len(lines) <= 3:
            return face, lines
    return face, face.fit(title, width, 4)


# --- colours ---------------------------------------------------------------------------------

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


_RAMP_START = {"fg": 0, "muted": _STEPS, "accent": 2 * _STEPS}
# coverage 0-255 -> a step of the colour's ramp; and where there is ink at all
_LUTS = {key: [base + round(v * (_STEPS - 1) / 255) for v in range(256)] for key, base in _RAMP_START.items()}
_INK = [0] + [255] * 255


# --- the font, measured and drawn glyph by glyph ----------------------------------------------

@lru_cache(maxsize=32)
def font(bold: bool, size: int):
    """Lato at `size` px, laid out by FreeType alone: raqm, where installed, would shape
    differently and give other bytes on another machine."""
    import font_lato
    from PIL import ImageFont

    return ImageFont.truetype(font_lato.font_files["LatoBold" if bold else "Lato"], size,
                              layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=32)
def _face(bold: bool, size: int) -> "_Face":
    return _Face(font(bold, size), size)


def _pixel(x: int) -> int:
    """A pen position in 1/64 px rounded to a pixel, as Pillow's PIXEL() does."""
    return ((x + 32) & -64) >> 6


_BREAKS = re.compile(r"[ \t\r\n]+")


@dataclass
class _Face:
    """One font at one size, with what it learned of each character and pair of characters."""

    font: Any
    size: int
    _advances: dict[str, int] = field(default_factory=dict)
    _kerning: dict[str, int] = field(default_factory=dict)
    _glyphs: dict[str, Any] = field(default_factory=dict)

    def advance(self, ch: str) -> int:
        found = self._advances.get(ch)
        if found is None:
            found = self._advances[ch] = round(self.font.getlength(ch) * 64)
        return found

    def kern(self, pair: str) -> int:
        found = self._kerning.get(pair)
        if found is None:
            found = self._kerning[pair] = round(self.font.getlength(pair) * 64) - \
                self.advance(pair[0]) - self.advance(pair[1])
        return found

    def length(self, text: str) -> int:
        """What `font.getlength(text)` gives, in 1/64 px."""
        total = sum(self.advance(ch) for ch in text)
        return total + sum(self.kern(text[i:i + 2]) for i in range(len(text) - 1))

    def joined(self, first_length: int, first: str, second_length: int, second: str) -> int:
        """The length of `first + second` from the lengths of both: only their kerning is new."""
        if not first or not second:
            return first_length + second_length
        return first_length + second_length + self.kern(first[-1] + second[0])

    def pens(self, text: str) -> list[int]:
        """The pixel where each character's pen stands, from the start of the line."""
        pens, pen = [], 0
        for i, ch in enumerate(text):
            pens.append(_pixel(pen))
            pen += self.advance(ch) + (self.kern(text[i:i + 2]) if i + 1 < len(text) else 0)
        return pens

    def glyph(self, ch: str) -> tuple[Any, int, int] | None:
        """(coverage, left, top) of one character drawn alone, placed from its pen on the
        baseline; None for a character without ink (a space)."""
        if ch not in self._glyphs:
            from PIL import Image, ImageDraw

            left, top, right, bottom = self.font.getbbox(ch, anchor="ls")
            if right <= left or bottom <= top:
                self._glyphs[ch] = None
            else:
                image = Image.new("L", (right - left, bottom - top), 0)
                ImageDraw.Draw(image).text((-left, -top), ch, font=self.font, fill=255, anchor="ls")
                self._glyphs[ch] = (image, left, top)
        return self._glyphs[ch]

    def coverage(self, line: str) -> tuple[Any, int, int] | None:
        """(coverage, left, top) of a line from its pen on the baseline: the pixels of
        `ImageDraw.text`. Glyphs are blended as FreeType's renderer in Pillow does (new ink
        over old, `s + a*(255-s)/255` rounded), which is pasting white through the glyph."""
        from PIL import Image

        placed = [(pen + g[1], g[2], g[0]) for pen, g in zip(self.pens(line), map(self.glyph, line)) if g]
        if not placed:
            return None
        left, top = min(x for x, _, _ in placed), min(y for _, y, _ in placed)
        right = max(x + image.width for x, _, image in placed)
        bottom = max(y + image.height for _, y, image in placed)
        lines = Image.new("L", (right - left, bottom - top), 0)
        for x, y, image in placed:
            lines.paste(255, (x - left, y - top), image)
        return lines, left, top

    def stamp(self, canvas: Any, xy: tuple[int, int], line: str, colour: str) -> None:
        """Draw one line in one colour with its top at the ascender line `xy`, as
        `ImageDraw.text(xy)` would: each pixel with ink becomes a step of the colour's ramp."""
        drawn = self.coverage(line)
        if drawn is None:
            return
        coverage, left, top = drawn
        ascent = self.font.getmetrics()[0]
        canvas.paste(coverage.point(_LUTS[colour]), (xy[0] + left, xy[1] + ascent + top), mask=coverage.point(_INK))

    # --- breaking lines ----------------------------------------------------------------------

    def fit(self, text: str, width: int, max_lines: int) -> list[str]:
        """At most `max_lines` lines of at most `width` (1/64 px); the last one cut with ' …'."""
        lines = self.wrap(text, width)
        if len(lines) <= max_lines:
            return lines
        kept = lines[:max_lines]
        last = kept[-1]
        while last and self.length(last + " …") > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        kept[-1] = last.rstrip(" ,;:–-") + " …"
        return kept

    def wrap(self, text: str, width: int) -> list[str]:
        """Greedy line breaking at spaces; a word wider than the card is broken where it must be."""
        lines: list[str] = []
        current, used = "", 0  # the line so far and its length
        for word in _BREAKS.split(text.strip()):  # never at a no-break space ('5.\u00a0September')
            size = self.length(word)
            wider = self.joined(self.joined(used, current, self.advance(" "), " "), current + " ", size, word) \
                if current else size
            if wider <= width:
                current, used = f"{current} {word}" if current else word, wider
                continue
            if current:
                lines.append(current)
            current, used = word, size
            while used > width:
                low, high = 1, len(current) - 1  # the longest piece that fits, found by halving
                while low < high:
                    middle = (low + high + 1) // 2
                    if self.length(current[:middle]) <= width:
                        low = middle
                    else:
                        high = middle - 1
                lines.append(current[:low])
                current = current[low:]
                used = self.length(current)
        if current:
            lines.append(current)
        return lines

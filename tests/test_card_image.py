"""The card drawing measures and draws text glyph by glyph: it must give Pillow's own pixels."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw

from kaffee_site.outputs import card_image
from kaffee_site.outputs.cards import DEFAULT_COLOURS, CardText

# German text, punctuation a title may hold, kerning pairs (Te, Vo, AV), glyphs reaching left of
# their pen (j), a combining accent, characters Lato lacks (drawn as its box), no-break spaces.
ALPHABET = ("abcdefghijklmnopqrstuvwxyzäöüßABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜ0123456789 .,;:–—-»«„“”‘’'\"!?()/&%€§…·"
            "\u00a0fjTeVoAVWAYk\u0301\u4e2d\U0001F600")
SIZES = [(True, 34), (False, 34), (True, 48), (True, 56), (True, 64), (True, 72)]


def _random_lines(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40))) for _ in range(count)]


@pytest.mark.parametrize("bold,size", SIZES)
def test_measured_length_is_pillows(bold, size):
    font, face = card_image.font(bold, size), card_image._face(bold, size)
    for line in _random_lines(size, 200):
        assert face.length(line) == round(font.getlength(line) * 64), repr(line)


@pytest.mark.parametrize("bold,size", SIZES)
def test_a_line_drawn_from_cached_glyphs_has_the_pixels_of_imagedraw_text(bold, size):
    font, face = card_image.font(bold, size), card_image._face(bold, size)
    pad = size  # room on every side: nothing drawn may be cut off in either image
    for line in _random_lines(size + 1, 150):
        expected = Image.new("L", (round(font.getlength(line)) + 2 * pad, 3 * size), 0)
        ImageDraw.Draw(expected).text((pad, pad), line, font=font, fill=255)
        drawn = Image.new("L", expected.size, 0)
        placed = face.coverage(line)
        if placed is not None:
            coverage, left, top = placed
            drawn.paste(coverage, (pad + left, pad + font.getmetrics()[0] + top))
        assert drawn.tobytes() == expected.tobytes(), repr(line)


def test_wrapping_keeps_every_line_inside_the_card_and_every_word():
    face = card_image._face(True, 72)
    width = (card_image.WIDTH - 2 * card_image.MARGIN) * 64
    text = "Digitale Daseinsvorsorge im ländlichen Raum: Verstetigung der Digitalagentur " \
           "Rechtsanwaltsfachangestelltenausbildungsverordnungsgeschichte und mehr"
    lines = face.wrap(text, width)
    assert len(lines) > 2 and all(face.length(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert face.length(lines[0] + " " + lines[1].split(" ")[0]) > width  # greedy: the next word did not fit


def test_a_card_is_the_same_png_every_time_and_shows_all_four_colours():
    colours = tuple(sorted(DEFAULT_COLOURS.items()))
    text = CardText("Smarter Kaffee Nr.\u00a04", "Verstetigung: wie geht es weiter?", "5.\u00a0September\u00a02024")
    first = card_image.draw_card(text, colours)
    assert card_image.draw_card(text, colours) == first
    with Image.open(io.BytesIO(first)) as card:
        assert card.size == (1200, 630) and card.mode == "P"
        used = {index for _, index in card.getcolors()}
    assert 0 in used and 255 in used  # background and the accent band
    assert used & set(range(1, 85)) and used & set(range(86, 170)) and used & set(range(171, 255))


@pytest.mark.parametrize("pattern", ["cards", "blank", "stripes", "noise", "one-row"])
def test_the_png_writer_gives_exactly_the_pixels_and_palette_it_was_given(pattern):
    """card_image writes the PNG itself (runs of one-colour rows spliced in compressed once):
    Pillow reads back every pixel and palette entry, whatever the mix of runs and text rows."""
    rng = random.Random(pattern)
    width, height = (7, 1) if pattern == "one-row" else (120, 63)
    rows = []
    for y in range(height):
        if pattern == "blank" or (pattern == "stripes" and y % 9 < 5):
            rows.append(bytes([0 if y % 2 or pattern == "blank" else 255]) * width)
        elif pattern == "cards" and (y < 4 or 30 < y < 40):
            rows.append(b"\xff" * width if y < 4 else bytes(width))
        else:
            rows.append(bytes(rng.randrange(256) if rng.random() < 0.3 else 0 for _ in range(width)))
    pixels = b"".join(rows)
    palette = [rng.randrange(256) for _ in range(768)]
    image = Image.open(io.BytesIO(card_image.palette_png(pixels, width, height, palette)))
    image.load()
    assert (image.mode, image.size) == ("P", (width, height))
    assert image.tobytes() == pixels and image.getpalette() == palette


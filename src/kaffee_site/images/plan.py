"""Which files a picture gets, and what they are called: pure functions of what the picture is
(codec.Probe), where pages show it (its roles) and site.yaml's `images:` settings.

- shown in the text column (a session's image, an image in a report): the configured widths
  below the picture's own, and its own width when the largest configured one reaches it;
- as the header logo: once and twice the width it is shown at (2.25rem high);
- as a preview (og:image, the Event's image): one file 1200 wide, or as wide as the picture.

Each size is made in every modern format (`formats`) and in the fallback every browser shows
(JPEG; PNG for drawings and transparency; GIF for animations). A file is named by a digest of
the source's bytes, its format, size, quality, what metadata is kept and the encoder's version
(codec.encoder_version), so a name never stands for two different contents and the build cache
keeps files by that digest (store.py).
"""

from __future__ import annotations

import hashlib
import math
import posixpath
from dataclasses import dataclass

from kaffee_site.images.codec import Probe, Target, encoder_version
from kaffee_site.image_settings import ImageSettings
from kaffee_site.model import Picture, Rendition

TEXT_COLUMN = 704  # CSS px: the default theme's column (46rem, less 1rem padding each side)
LOGO_HEIGHT = 36  # CSS px: .site-logo is 2.25rem high
PREVIEW_WIDTH = 1200  # what Facebook, LinkedIn and Mastodon ask for
ORIGINAL_QUALITY = 92  # a published original is encoded again (stripped): keep it close to the source
ROLES = ("lead", "body", "logo", "preview")
MIME = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp", "avif": "image/avif",
        "bmp": "image/bmp", "tiff": "image/tiff"}
SUFFIX = {"jpeg": "jpg", "png": "png", "gif": "gif", "webp": "webp", "avif": "avif", "bmp": "bmp", "tiff": "tif"}
NAME_DIGITS = 12  # of the digest, in a published file's name


@dataclass(frozen=True)
class Made:
    """A file to make from a picture: where it goes, its digest (the cache's key), how to make it."""

    path: str
    key: str
    target: Target


def planned(src: str, digest: str, found: Probe, roles: frozenset[str],
            settings: ImageSettings) -> tuple[Picture, tuple[Made, ...]]:
    """The Picture pages show and the files to make for it."""
    made: dict[tuple[str, int], Made] = {}

    def rendition(encoder: str, width: int) -> Rendition:
        height = max(1, round(width * found.height / found.width))
        quality = settings.quality_of(encoder) if encoder in ("jpeg", "webp", "avif") else 0
        target = Target(encoder, width, height, quality)
        key = file_key(digest, target, settings.keep)
        stem = posixpath.splitext(src)[0]
        path = f"media/{stem}-{width}.{key[:NAME_DIGITS]}.{SUFFIX[encoder]}"
        made.setdefault((encoder, width), Made(path, key, target))
        return Rendition(path, width, height)

    widths = shown_widths(found, roles, settings)
    modern = [name for name in settings.formats if found.frames == 1 or name == "webp"]
    sources = tuple((MIME[encoder], tuple(rendition(encoder, w) for w in widths))
                    for encoder in (*modern, found.fallback)) if widths else ()
    preview = rendition(found.fallback, min(PREVIEW_WIDTH, found.width)) if "preview" in roles else None
    original = None
    if settings.originals:
        quality = ORIGINAL_QUALITY if found.own in ("jpeg", "webp", "avif") else 0
        target = Target(found.own, found.width, found.height, quality)
        original = f"media/{src}"
        made[(f"original:{found.own}", found.width)] = Made(original, file_key(digest, target, settings.keep), target)
    picture = Picture(src, found.width, found.height, sources, preview, original)
    return picture, tuple(made.values())


def shown_widths(found: Probe, roles: frozenset[str], settings: ImageSettings) -> tuple[int, ...]:
    """The widths made for the roles a picture has on pages (the preview has its own file)."""
    widths: set[int] = set()
    if roles & {"lead", "body"}:
        widths.update(w for w in settings.widths if w < found.width)
        if found.width <= settings.widths[-1]:
            widths.add(found.width)
    if "logo" in roles:
        shown = logo_width(found.width, found.height)
        widths.update(min(found.width, factor * shown) for factor in (1, 2))
    return tuple(sorted(widths))


def logo_width(width: int, height: int) -> int:
    """CSS px a logo of this size is shown at in the header."""
    return max(1, math.ceil(LOGO_HEIGHT * width / height))


def file_key(digest: str, target: Target, keep: tuple[str, ...]) -> str:
    """The digest a made file is named and cached by."""
    text = "\x1f".join((encoder_version(), digest, target.encoder, f"{target.width}x{target.height}",
                        str(target.quality), ",".join(keep)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]

"""site.yaml's `images:` (images/ makes the files): the widths, formats and quality of the files made from a picture, what
of its metadata is kept, whether originals are published and how large a picture may be.

    images:
      widths: [480, 960, 1600]   # the sizes made of each picture (never wider than it is)
      formats: [webp]            # modern formats offered before the fallback (webp, avif)
      quality: 80                # or per format: {jpeg: 82, webp: 80, avif: 60}
      keep: [copyright]          # the author and copyright fields; nothing else is ever kept
      originals: false           # true: the original file is published too (stripped as well)
      max_megapixels: 100        # a larger picture (or a decompression bomb) is left out
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from kaffee_site.errors import Diagnostics

MODERN = ("avif", "webp")  # formats a <source> may offer; the fallback (JPEG, PNG, GIF) is always made
QUALITY = {"jpeg": 82, "webp": 80, "avif": 60}  # the scale of each encoder (1-100); AVIF's is harsher
KEEPABLE = ("copyright",)
KEYS = ("widths", "formats", "quality", "keep", "originals", "max_megapixels")
MAX_WIDTH = 8192


@dataclass(frozen=True)
class ImageSettings:
    widths: tuple[int, ...] = (480, 960, 1600)
    formats: tuple[str, ...] = ("webp",)
    quality: tuple[tuple[str, int], ...] = tuple(sorted(QUALITY.items()))
    keep: tuple[str, ...] = ()
    originals: bool = False
    max_pixels: int = 100_000_000

    def quality_of(self, encoder: str) -> int:
        return dict(self.quality)[encoder]


def image_settings_from(value: Any, lines: Mapping[tuple, int], path: str, diag: Diagnostics) -> ImageSettings:
    """Read and check site.yaml's `images:` mapping; a bad value keeps its default."""
    if value is None:
        return ImageSettings()
    if not isinstance(value, Mapping):
        diag.error(path, lines.get(("images",)), "'images' must be a mapping of settings",
                   "write 'images:' and below it e.g. '  widths: [480, 960, 1600]'")
        return ImageSettings()
    chosen: dict[str, Any] = {}
    for key, given in value.items():
        line = lines.get(("images", key)) or lines.get(("images",))
        reader = _READERS.get(key)
        if reader is None:
            diag.warning(path, line, f"unknown key '{key}' under 'images'", f"the keys are {', '.join(KEYS)}")
            continue
        name, result, problem = reader(given)
        if problem:
            diag.error(path, line, problem[0], problem[1])
        else:
            chosen[name] = result
    return ImageSettings(**chosen)


Read = tuple[str, Any, tuple[str, str] | None]


def _widths(value: Any) -> Read:
    ok = isinstance(value, list) and value and all(_whole(w) and 16 <= w <= MAX_WIDTH for w in value)
    if not ok:
        return "widths", None, ("'images.widths' must be a list of widths in pixels (16 to 8192)",
                                "write e.g. 'widths: [480, 960, 1600]'")
    return "widths", tuple(sorted(set(value))), None


def _formats(value: Any) -> Read:
    names = value if isinstance(value, list) else [value]
    if not all(isinstance(n, str) and n.strip().lower() in MODERN for n in names):
        return "formats", None, (f"'images.formats' must list modern formats out of {', '.join(MODERN)}",
                                 "write e.g. 'formats: [webp]'; the fallback (JPEG, PNG or GIF) is always made")
    return "formats", tuple(dict.fromkeys(n.strip().lower() for n in names)), None


def _quality(value: Any) -> Read:
    hint = "write e.g. 'quality: 80' or 'quality: {jpeg: 82, webp: 80, avif: 60}'"
    if _whole(value) and 1 <= value <= 100:
        return "quality", tuple(sorted((name, value) for name in QUALITY)), None
    if isinstance(value, Mapping) and value and all(k in QUALITY and _whole(v) and 1 <= v <= 100
                                                    for k, v in value.items()):
        return "quality", tuple(sorted({**QUALITY, **value}.items())), None
    return "quality", None, ("'images.quality' must be a number from 1 to 100, or one per format "
                             f"({', '.join(QUALITY)})", hint)


def _keep(value: Any) -> Read:
    names = value if isinstance(value, list) else [value]
    if not all(isinstance(n, str) and n in KEEPABLE for n in names):
        return "keep", None, ("'images.keep' can only keep 'copyright' (the author and copyright fields)",
                              "location, camera and other metadata are never published")
    return "keep", tuple(sorted(set(names))), None


def _originals(value: Any) -> Read:
    if isinstance(value, bool):
        return "originals", value, None
    return "originals", None, ("'images.originals' must be true or false",
                               "true publishes each picture's original too (stripped of its metadata)")


def _max_megapixels(value: Any) -> Read:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 10_000:
        return "max_pixels", int(value * 1_000_000), None
    return "max_pixels", None, ("'images.max_megapixels' must be a number of megapixels above 0",
                                "write e.g. 'max_megapixels: 100'")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_READERS = {"widths": _widths, "formats": _formats, "quality": _quality, "keep": _keep,
            "originals": _originals, "max_megapixels": _max_megapixels}

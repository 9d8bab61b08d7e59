"""The report's picture: downloaded or copied, checked, kept in media/ under a name of its own.

A picture is kept only when it is what it claims: a PNG, JPEG, GIF, WebP or AVIF that Pillow
opens and decodes within a pixel limit (no decompression bombs), or an SVG without scripts,
event handlers or javascript: links (the same findings `check` warns about in media/). The
file ending follows what the bytes are, not what the server said. An existing file is never
replaced: a taken name gets '-2', '-3', ….
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from kaffee_site.content.active_media import script_findings
from kaffee_site.errors import KaffeeError
from kaffee_site.importer.document import Picture
from kaffee_site.importer.fetch import IMAGE_TYPES, Limits, fetch

MAX_PIXELS = 40_000_000  # a 8000 x 5000 photo; more is no report picture, and costs memory to check
_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp", "AVIF": "avif"}


class PictureError(KaffeeError):
    """The picture could not be fetched or is not a picture to keep; one line."""


@dataclass(frozen=True)
class CheckedPicture:
    data: bytes
    ending: str  # 'png', 'jpg', … as the bytes are
    origin: str  # the address or file it came from


def obtain(picture: Picture, limits: Limits) -> CheckedPicture:
    """The picture's bytes, checked; PictureError when there are none to keep."""
    if picture.url is not None:
        try:
            fetched = fetch(picture.url, IMAGE_TYPES, limits.image_bytes, limits)
        except KaffeeError as err:
            raise PictureError(str(err)) from None
        return CheckedPicture(fetched.data, check_picture(fetched.data, picture.url), picture.url)
    if picture.path is not None:
        try:
            with picture.path.open("rb") as handle:
                data = handle.read(limits.image_bytes + 1)
        except OSError as err:
            raise PictureError(f"{picture.path}: cannot read it ({err.strerror})") from None
        if len(data) > limits.image_bytes:
            raise PictureError(f"{picture.path}: larger than the limit of {limits.image_bytes >> 20} MB")
        return CheckedPicture(data, check_picture(data, str(picture.path)), str(picture.path))
    raise PictureError("the source only describes its picture")


PILLOW_GUARD = 1024 * 1024 * 1024 // 4 // 3  # Pillow's own default: a warning above it, an error above twice it


def check_picture(data: bytes, label: str) -> str:
    """The file ending for `data`; PictureError if it is no picture the archive should publish."""
    head = data[:512].lstrip()
    if head.startswith((b"<svg", b"<?xml", b"<!--", b"<!DOCTYPE svg", b"<!doctype svg")):
        return _check_svg(data, label)
    from PIL import Image  # the build's own dependency (preview cards)

    # Pillow's guard is process-wide and the build's picture codec lifts it while it reads a
    # picture: set it here, so the check does not depend on what ran before in this process.
    guard, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, PILLOW_GUARD
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise PictureError(f"{label}: {width} x {height} pixels, more than a report picture needs "
                                       f"(at most {MAX_PIXELS // 1_000_000} million)")
                image.load()  # decodes it all: a truncated or broken file fails here, not in a reader's browser
    except PictureError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureError(f"{label}: the picture unpacks to more pixels than allowed") from None
    except Exception as err:  # Pillow raises many kinds for broken data; any of them means "not a picture"
        raise PictureError(f"{label}: not a picture that can be read ({type(err).__name__}: {err})") from None
    finally:
        Image.MAX_IMAGE_PIXELS = guard
    if kind not in _FORMATS:
        raise PictureError(f"{label}: a {kind} picture; the archive takes PNG, JPEG, GIF, WebP, AVIF or SVG")
    return _FORMATS[kind]


def _check_svg(data: bytes, label: str) -> str:
    if b"<svg" not in data:
        raise PictureError(f"{label}: an XML file, but no SVG picture")
    findings = script_findings(data)
    if findings:
        raise PictureError(f"{label}: the SVG {findings[0].what}; import keeps no picture that can run scripts")
    return "svg"


def keep(content_dir: Path, rel: str, picture: CheckedPicture) -> None:
    """Write the picture to `rel` (from `free_name`) inside the content folder; never over a file."""
    path = content_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("xb") as handle:
            handle.write(picture.data)
    except FileExistsError:
        raise PictureError(f"{path}: a file of this name appeared meanwhile; it was not replaced") from None


def free_name(content_dir: Path, stem: str, ending: str) -> str:
    """The media path `keep` would choose now (for --dry-run and for the placeholder's name)."""
    folder = content_dir / "media"
    for attempt in range(1, 1000):
        name = f"{stem}.{ending}" if attempt == 1 else f"{stem}-{attempt}.{ending}"
        if not (folder / name).exists():
            return f"media/{name}"
    return f"media/{stem}.{ending}"

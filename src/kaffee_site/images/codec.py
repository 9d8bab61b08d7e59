"""Reading, checking and encoding pictures: the one module of images/ that knows Pillow.
(outputs/card_image.py draws the preview cards with Pillow on its own.)

A picture is checked before anything else reads it: its format must be the one its name says,
its pixels (times its frames) within the limit before a single row is decoded, and then it is
decoded once in full, so a file cut short is found here and not half-way through a build.

Encoding decodes a source once for all the files made from it. A JPEG is decoded at the
smallest scale its decoder offers that still covers the largest file wanted (libjpeg scales
by 1/2, 1/4, 1/8 while decoding: a 4032 x 3024 photo for 1600-wide files is decoded at 2016 x
1512, four times fewer pixels). The colours are converted to sRGB when the file has another
colour profile, each file is resized from the stored pixels and then turned as the orientation
tag says (turning the whole picture first would hold a second copy of it), and nothing of the source's
metadata goes into a file: each image's `info` is emptied before it is saved (Pillow copies
it through every operation and some writers take EXIF, XMP, ICC or GIF comments from it).
Only with `keep: [copyright]` a new EXIF block holding just the author and copyright is
written. Every encoder runs single-threaded with fixed settings, so the same source and
settings give the same bytes; `encoder_version()` names what the bytes depend on.
"""

from __future__ import annotations

import io
import struct
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Sequence

FORMAT = 1  # the way this module makes files; a change of their bytes makes it 2
ORIENTATION, ARTIST, COPYRIGHT = 0x0112, 0x013B, 0x8298
_SWAPPED = (5, 6, 7, 8)  # orientations that turn the picture by 90 degrees

# the formats a file name promises (Pillow's names); a phone's JPEG may be an MPO (several pictures)
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "jpg": ("JPEG", "MPO"), "jpeg": ("JPEG", "MPO"), "png": ("PNG",), "gif": ("GIF",), "webp": ("WEBP",),
    "avif": ("AVIF",), "bmp": ("BMP",), "tif": ("TIFF",), "tiff": ("TIFF",), "heic": ("HEIF",), "heif": ("HEIF",),
}
_SUFFIX = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "AVIF": "avif",
           "BMP": "bmp", "TIFF": "tif"}
# the encoder of each format a source may have, for its published original
ENCODERS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "AVIF": "avif",
            "BMP": "bmp", "TIFF": "tiff"}
ANIMATED = ("GIF", "PNG", "WEBP")  # formats whose frames are an animation (an MPO's are not)
LOSSLESS = ("PNG", "GIF", "BMP", "TIFF")  # sources of drawings and screenshots: a PNG fallback
BOMB_RATIO = 1000  # pixels per byte of file: no photo or drawing compresses that far


class Unusable(Exception):
    """A picture the build leaves out: what is wrong with it, and what the editor can do."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Probe:
    """What a picture is, as readers will see it."""

    format: str  # Pillow's name: 'JPEG', 'PNG', ...
    width: int  # after the orientation tag
    height: int
    alpha: bool
    frames: int  # more than one: an animation

    @property
    def fallback(self) -> str:
        """The encoder every browser shows: GIF for animations, PNG for drawings and transparency."""
        if self.frames > 1:
            return "gif"
        return "png" if self.alpha or self.format in LOSSLESS else "jpeg"

    @property
    def own(self) -> str:
        """The encoder of the source's own format (for the published original)."""
        return ENCODERS[self.format]


@dataclass(frozen=True)
class Target:
    """One file to make: encoder ('jpeg', 'png', 'gif', 'webp', 'avif', ...), size, quality."""

    encoder: str
    width: int
    height: int
    quality: int = 0


@lru_cache(maxsize=1)
def encoder_version() -> str:
    """Everything the bytes of a made file depend on besides its source and settings."""
    import PIL
    from PIL import features

    libraries = ("jpg", "webp", "avif", "zlib", "littlecms2")
    return f"kaffee-images {FORMAT}; Pillow {PIL.__version__}; " + "; ".join(
        f"{name} {features.version(name)}" for name in libraries)


# --- reading and checking ---------------------------------------------------------------------

def probe(data: bytes, suffix: str, max_pixels: int) -> Probe:
    """Check a picture and say what it is; raises Unusable."""
    suffix = suffix.lower()
    with _opened(data, suffix) as image:
        promised = EXTENSIONS[suffix]
        if image.format not in promised:
            raise Unusable(f"the file is a {_name(image.format)} image, not a {_name(promised[0])} as its name says",
                           f"rename it to end in .{_SUFFIX.get(image.format, image.format.lower())}")
        if image.format not in ENCODERS:
            raise Unusable(f"{_name(image.format)} pictures cannot be converted by this build",
                           "export or save the picture as JPEG or PNG")
        width, height = image.size
        _limit(width * height, len(data), max_pixels, f"{width} x {height} pixels")
        frames = getattr(image, "n_frames", 1) if image.format in ANIMATED else 1
        if frames > 1:
            _limit(width * height * frames, len(data), max_pixels, f"{frames} frames of {width} x {height} pixels")
        turned = image.getexif().get(ORIENTATION, 1) in _SWAPPED
        alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
        if image.format in ("JPEG", "MPO"):
            image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))  # every byte is read all the same
        for index in range(frames):
            image.seek(index)
            image.load()
            alpha = alpha or image.mode in ("RGBA", "LA", "PA")
        kind = image.format
    if turned:
        width, height = height, width
    return Probe(kind, width, height, alpha, frames)


def _limit(pixels: int, size: int, max_pixels: int, what: str) -> None:
    if pixels <= max_pixels:
        return
    if pixels > BOMB_RATIO * max(size, 1):
        raise Unusable(f"{what} from a file of {_bytes(size)}: a decompression bomb, not read",
                       "this file unpacks to far more than any picture needs; replace it")
    raise Unusable(f"{what} ({_megapixels(pixels)} megapixels) is more than the limit of "
                   f"{_megapixels(max_pixels)} megapixels",
                   "make the picture smaller (a few thousand pixels wide is plenty), or raise "
                   "'max_megapixels' under 'images:' in site.yaml")


@contextmanager
def _opened(data: bytes, suffix: str) -> Iterator["Image.Image"]:  # noqa: F821
    """The picture opened (not decoded); Pillow's failures become Unusable."""
    from PIL import Image, UnidentifiedImageError

    # Pillow's own guard (a warning on stderr above its limit, an error in its words above twice
    # it) gives way to ours: probe() checks the size the header gives against the archive's limit
    # before a single pixel is decoded, and encode() reads only what probe() let through.
    # Only while this picture is open: the setting is Pillow's, process-wide, and import's
    # pictures still rely on Pillow's guard.
    guard, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with Image.open(io.BytesIO(data)) as image:
            yield image
    except Unusable:
        raise
    except UnidentifiedImageError:
        if suffix in ("heic", "heif"):
            raise Unusable("HEIC photos cannot be read by this build", "export or save the photo as JPEG") from None
        raise Unusable("the file is not a picture this build can read",
                       "open it in an image program and save it as JPEG or PNG") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, struct.error, zlib.error,
            MemoryError) as err:
        reason = str(err).split(" (")[0] or type(err).__name__
        raise Unusable(f"the file is damaged or cut short ({reason})",
                       "open it in an image program and save or export it again") from None
    finally:
        Image.MAX_IMAGE_PIXELS = guard


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.1f}".removesuffix(".0")


def _name(pillow_format: str) -> str:
    return {"MPO": "JPEG", "WEBP": "WebP", "HEIF": "HEIC"}.get(pillow_format, pillow_format)


def _bytes(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"


# --- encoding -------------------------------------------------------------------------------

def encode(data: bytes, found: Probe, targets: Sequence[Target], keep: tuple[str, ...]) -> list[bytes]:
    """The files `targets` ask for, made from one decoding of `data`."""
    with _opened(data, "") as image:
        kept = _kept_exif(image, keep)
        if found.frames > 1:
            frames = [(_plain(frame, frame.info.get("icc_profile")), _orientation(frame), frame.info.get("duration", 100))
                      for frame in _frames(image, found.frames)]
            loop = image.info.get("loop", 0)
            return [_save_animation([(_upright(_resized(frame, target, turn), turn), duration)
                                     for frame, turn, duration in frames], target, loop) for target in targets]
        turn = _orientation(image)
        if image.format in ("JPEG", "MPO"):
            _draft(image, max(targets, key=lambda t: t.width), turn)
        image.load()
        picture = _plain(image, image.info.get("icc_profile"))
        return [_save(_upright(_resized(picture, target, turn), turn), target, kept) for target in targets]


def _orientation(image) -> int:
    turn = image.getexif().get(ORIENTATION, 1)
    return turn if isinstance(turn, int) and 1 <= turn <= 8 else 1


def _draft(image, largest: Target, turn: int) -> None:
    """Let libjpeg scale while decoding, to no less than the largest file wanted needs."""
    need = (largest.height, largest.width) if turn in _SWAPPED else (largest.width, largest.height)
    if need[0] < image.size[0] and need[1] < image.size[1]:
        image.draft(image.mode, need)


def _frames(image, count: int) -> Iterator:
    for index in range(count):
        image.seek(index)
        yield image.convert("RGBA")


def _plain(image, icc: bytes | None):
    """The pixels in sRGB, as RGB or RGBA, metadata gone (still as stored: not turned yet)."""
    if image.mode == "CMYK" and icc:
        image = _to_srgb(image, icc, "RGB") or image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey: scaled, not clipped, to 8 bits
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    mode = "RGBA" if has_alpha else "RGB"
    if image.mode != mode:  # (convert to the same mode would copy every pixel)
        image = image.convert(mode)
    if icc:
        image = _to_srgb(image, icc, mode) or image
    image.info = {}
    return image


# the orientation tag's turns, as ImageOps.exif_transpose makes them; applied to each file made,
# after resizing (a turned copy of the whole decoded picture would cost as much memory again)
_TURNS = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270",
          7: "TRANSVERSE", 8: "ROTATE_90"}


def _upright(image, turn: int):
    from PIL import Image

    if turn not in _TURNS:
        return image
    turned = image.transpose(getattr(Image.Transpose, _TURNS[turn]))
    turned.info = {}
    return turned


def _to_srgb(image, icc: bytes, mode: str):
    """The image converted from its colour profile to sRGB; None when the profile is unusable."""
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if mode == image.mode and "srgb" in ImageCms.getProfileDescription(source).lower().replace(" ", ""):
            return image
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
    except Exception:  # noqa: BLE001 - a broken profile: the pixels are taken as sRGB
        return None


def _resized(image, target: Target, turn: int):
    """The stored pixels at the size that becomes the target's once turned."""
    from PIL import Image

    size = (target.height, target.width) if turn in _SWAPPED else (target.width, target.height)
    if image.size == size:
        return image
    if image.mode == "RGBA":  # premultiplied, so transparent pixels do not darken the edges
        small = image.convert("RGBa").resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        return small.convert("RGBA")
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _save(image, target: Target, kept: bytes | None) -> bytes:
    image.info = {}
    if target.encoder == "jpeg" and image.mode != "RGB":
        image = image.convert("RGB")
        image.info = {}
    out = io.BytesIO()
    extra = {"exif": kept} if kept and target.encoder in ("jpeg", "png", "webp", "avif", "tiff") else {}
    if target.encoder == "jpeg":
        image.save(out, "JPEG", quality=target.quality, optimize=True, progressive=True, **extra)
    elif target.encoder == "webp":
        image.save(out, "WEBP", quality=target.quality, method=4, **extra)
    elif target.encoder == "avif":  # one thread: the same bytes on every machine
        image.save(out, "AVIF", quality=target.quality, speed=6, max_threads=1, **extra)
    elif target.encoder == "png":
        image.save(out, "PNG", compress_level=9, **extra)
    elif target.encoder == "gif":
        image.save(out, "GIF")
    elif target.encoder == "bmp":
        image.save(out, "BMP")
    elif target.encoder == "tiff":
        image.save(out, "TIFF", compression="tiff_deflate", **extra)
    else:
        raise ValueError(f"unknown encoder {target.encoder}")
    return out.getvalue()


def _save_animation(frames: list, target: Target, loop: int) -> bytes:
    """An animation at the target's size (its frames resized and turned), durations and looping kept."""
    resized = [frame for frame, _ in frames]
    for frame in resized:
        frame.info = {}
    durations = [duration for _, duration in frames]
    out = io.BytesIO()
    if target.encoder == "webp":
        resized[0].save(out, "WEBP", save_all=True, append_images=resized[1:], duration=durations, loop=loop,
                        quality=target.quality, method=4)
    else:  # GIF for every browser (an animated PNG source too)
        resized[0].save(out, "GIF", save_all=True, append_images=resized[1:], duration=durations, loop=loop,
                        disposal=2)
    return out.getvalue()


def _kept_exif(image, keep: tuple[str, ...]) -> bytes | None:
    """A new EXIF block with only the author and copyright, when the archive keeps them."""
    if "copyright" not in keep:
        return None
    from PIL import Image

    found = image.getexif()
    fresh = Image.Exif()
    for tag in (ARTIST, COPYRIGHT):
        value = found.get(tag)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and value.strip("\x00 "):
            fresh[tag] = value.strip("\x00 ")
    return fresh.tobytes() if len(fresh) else None

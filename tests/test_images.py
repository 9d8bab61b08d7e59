"""Pictures for readers (issue 24): responsive sizes in WebP with a fallback, width and height in
the markup, no location or device data in anything published, the orientation applied, a
1200-wide preview, the same bytes from every clean build, nothing encoded again from the cache.

One archive holds a phone photo as it comes from the camera (4032 x 3024 JPEG, orientation tag,
GPS position, maker, model, author, XMP and IPTC), a PNG with transparency, an animated GIF and
an SVG; it is built once for most assertions (module fixture). Every marker the sources carry
starts with 'Leak', so one search of the published bytes finds any that got through.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from support import Archive, picture_bytes, session_md, tree_snapshot

GPS, MAKE, MODEL, ARTIST, COPYRIGHT, ORIENTATION = 0x8825, 0x010F, 0x0110, 0x013B, 0x8298, 0x0112
RED = (230, 20, 20)
SIZES = "(min-width: 46rem) 44rem, calc(100vw - 2rem)"
MIME = {"image/webp": "WEBP", "image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/avif": "AVIF"}


# --- sources as cameras and programs write them -----------------------------------------------

def _exif(orientation: int | None = None, author: bool = True) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    exif[MAKE], exif[MODEL] = "LeakMaker", "LeakModel Pro"
    if author:
        exif[ARTIST], exif[COPYRIGHT] = "LeakArtist Erika Muster", "LeakCopyright 2024 Erika Muster"
    exif[GPS] = {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 36.2)}
    return exif.tobytes()


def _with_iptc(jpeg: bytes) -> bytes:
    """An IPTC block (APP13, Photoshop 3.0) with a city, spliced in after the start of image."""
    city = b"LeakIptc Berlin"
    record = b"\x1c\x02\x5a" + struct.pack(">H", len(city)) + city  # 2:90 City
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    payload = b"Photoshop 3.0\x00" + resource
    return jpeg[:2] + b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def phone_photo(size: tuple[int, int] = (4032, 3024), orientation: int = 6) -> bytes:
    """A photo as stored by a phone held upright: landscape pixels and 'turn them' in the tag.
    A red block in the stored top-left corner lands top-right once turned (orientation 6)."""
    width, height = size
    ramp = Image.linear_gradient("L").resize(size)
    photo = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT), Image.new("L", size, 90)))
    ImageDraw.Draw(photo).rectangle((0, 0, width // 4, height // 4), fill=RED)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=85, exif=_exif(orientation),
               xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><photoshop:City>LeakXmp Berlin</photoshop:City></x:xmpmeta>')
    return _with_iptc(out.getvalue())


def transparent_png() -> bytes:
    image = Image.new("RGBA", (600, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((30, 30, 570, 270), fill=(0, 90, 200, 255))
    info = PngInfo()
    info.add_text("Location", "LeakPng Hamburg")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, exif=_exif())
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (160, 120), (200 * (i % 2), 80, 60 * i)) for i in range(4)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0,
                   comment=b"LeakGif shot on LeakModel")
    return out.getvalue()


SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200">'
       b'<rect width="300" height="200" fill="#0b5cad"/></svg>\n')


def photo_archive(root: Path) -> Archive:
    archive = Archive(root)
    archive.write("site.yaml", "title: Fotos\nbase_url: https://example.org/kaffee/\nsearch: false\n"
                               "theme:\n  logo: logo.png\n")
    archive.write("media/fotos/runde.jpg", phone_photo())
    archive.write("media/logo.png", transparent_png())
    archive.write("media/tanz.gif", animated_gif())
    archive.write("media/plan.svg", SVG)
    archive.write("sessions/foto.md", session_md(
        "Mit Foto", "2024-09-05", image="{src: media/fotos/runde.jpg, alt: Die Runde am Bildschirm}",
        body="Der Bericht.\n\n![Das Logo im Text](media/logo.png)\n\n![Ein Tanz](media/tanz.gif \"Bewegt\")\n"))
    archive.write("sessions/plan.md", session_md("Mit Plan", "2024-10-10", image="{src: media/plan.svg, alt: Ein Plan}"))
    return archive


def run(archive: Archive, *extra: str) -> tuple[int, str]:
    return archive.build_quietly(*extra)


def encoded(stderr: str) -> tuple[int, int]:
    """(files encoded, picture files in all) from the build's cache line."""
    found = re.search(r"(\d+) of (\d+) picture files encoded", stderr)
    assert found, stderr
    return int(found.group(1)), int(found.group(2))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Archive:
    archive = photo_archive(tmp_path_factory.mktemp("photos"))
    code, err = run(archive)
    assert code == 0, err
    assert "warning" not in err, err
    return archive


# --- reading the markup ---------------------------------------------------------------------

class _Pictures(HTMLParser):
    """Every <picture> (its <source>s and <img>) and every <img>, with their attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pictures: list[dict] = []
        self.imgs: list[dict] = []
        self.meta: dict[str, str] = {}
        self.scripts: list[str] = []
        self._open: dict | None = None
        self._script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "picture":
            self._open = {"sources": [], "img": None}
            self.pictures.append(self._open)
        elif tag == "source" and self._open is not None:
            self._open["sources"].append(values)
        elif tag == "img":
            self.imgs.append(values)
            if self._open is not None:
                self._open["img"] = values
        elif tag == "meta" and values.get("property"):
            self.meta[values["property"]] = values.get("content", "")
        self._script = tag == "script" and values.get("type") == "application/ld+json"

    def handle_endtag(self, tag):
        if tag == "picture":
            self._open = None

    def handle_data(self, data):
        if self._script:
            self.scripts.append(data)
            self._script = False


def parsed(archive: Archive, url_path: str) -> _Pictures:
    page = _Pictures()
    page.feed(archive.page(url_path))
    return page


def srcset(value: str) -> list[tuple[str, int]]:
    return [(url, int(w.rstrip("w"))) for url, w in (entry.strip().split(" ") for entry in value.split(","))]


def output_file(archive: Archive, url: str) -> Path:
    path = url.removeprefix("https://example.org").removeprefix("/kaffee/")
    return archive.output / path


def opened(path: Path) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image


# --- the markup ---------------------------------------------------------------------------------

def test_the_session_picture_has_sizes_formats_and_its_own_width_and_height(built: Archive):
    page = parsed(built, "sitzungen/foto/")
    lead = page.pictures[1]  # after the header's logo
    [webp] = lead["sources"]
    img = lead["img"]
    assert webp["type"] == "image/webp" and webp["sizes"] == SIZES and img["sizes"] == SIZES
    assert [w for _, w in srcset(webp["srcset"])] == [480, 960, 1600]
    assert [w for _, w in srcset(img["srcset"])] == [480, 960, 1600]
    # the photo stands upright: its size after the orientation tag, so nothing shifts when it loads
    assert (img["width"], img["height"]) == ("3024", "4032")
    assert img["alt"] == "Die Runde am Bildschirm" and img["decoding"] == "async"
    assert "loading" not in img  # at the top of the page: loaded at once
    assert re.fullmatch(r"/kaffee/media/fotos/runde-960\.\w{12}\.jpg", img["src"])
    assert 'class="lead"' in built.page("sitzungen/foto/")


def test_pictures_in_a_report_load_lazily_and_keep_alt_and_title(built: Archive):
    page = parsed(built, "sitzungen/foto/")
    logo, dance = page.pictures[2], page.pictures[3]  # after the header logo and the session's picture
    assert logo["img"]["alt"] == "Das Logo im Text" and logo["img"]["loading"] == "lazy"
    assert (logo["img"]["width"], logo["img"]["height"]) == ("600", "300")
    assert [s["type"] for s in logo["sources"]] == ["image/webp"] and logo["img"]["src"].endswith(".png")
    # widths: the configured ones below 600, then 600 itself, and the logo's 1x and 2x (36 px high)
    assert [w for _, w in srcset(logo["sources"][0]["srcset"])] == [72, 144, 480, 600]
    assert dance["img"]["title"] == "Bewegt" and dance["img"]["loading"] == "lazy"
    assert [s["type"] for s in dance["sources"]] == ["image/webp"] and dance["img"]["src"].endswith(".gif")
    assert (dance["img"]["width"], dance["img"]["height"]) == ("160", "120")


def test_the_logo_is_offered_at_the_size_it_is_shown(built: Archive):
    header = parsed(built, "")
    logo = header.pictures[0]
    assert logo["img"]["class"] == "site-logo" and logo["img"]["alt"] == ""
    assert logo["sources"][0]["sizes"] == "72px" and logo["img"]["sizes"] == "72px"  # 36 px high, twice as wide
    assert re.fullmatch(r"/kaffee/media/logo-72\.\w{12}\.png", logo["img"]["src"])


def test_an_svg_passes_through_with_its_size(built: Archive):
    page = parsed(built, "sitzungen/plan/")
    [svg] = [img for img in page.imgs if "plan.svg" in img["src"]]
    assert svg["src"] == "/kaffee/media/plan.svg" and (svg["width"], svg["height"]) == ("300", "200")
    assert (built.output / "media" / "plan.svg").read_bytes() == SVG


# --- the files ------------------------------------------------------------------------------

def test_every_file_in_a_srcset_is_what_it_says(built: Archive):
    sources = {"fotos/runde": (3024, 4032), "logo": (600, 300), "tanz": (160, 120)}
    fallback = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif"}
    checked = 0
    for url_path in ("sitzungen/foto/", ""):
        for picture in parsed(built, url_path).pictures:
            img = picture["img"]
            # one size alone has no srcset: then the src, as wide as the picture says
            sets = [(s["type"], s["srcset"]) for s in picture["sources"]]
            sets.append((fallback[img["src"].rsplit(".", 1)[1]], img.get("srcset") or f"{img['src']} {img['width']}w"))
            for mime, value in sets:
                for url, width in srcset(value):
                    stem = re.match(r"/kaffee/media/(.+)-\d+\.\w{12}\.\w+$", url).group(1)
                    source_w, source_h = sources[stem]
                    with opened(output_file(built, url)) as image:
                        assert image.format == MIME[mime], url
                        assert image.width == width <= source_w, url
                        assert image.height == round(width * source_h / source_w), url
                    checked += 1
    assert checked >= 20


def test_the_gif_stays_animated_and_transparency_stays(built: Archive):
    gifs = sorted((built.output / "media").glob("tanz-160.*"), key=lambda p: p.suffix)
    assert [p.suffix for p in gifs] == [".gif", ".webp"]
    for path in gifs:
        with Image.open(path) as image:
            assert image.n_frames == 4 and image.is_animated, path
    [png] = (built.output / "media").glob("logo-600.*.png")
    with opened(png) as image:
        assert image.mode == "RGBA" and image.getpixel((2, 2))[3] == 0 and image.getpixel((300, 150))[3] == 255


def test_no_location_device_or_author_data_in_any_published_file(built: Archive):
    pictures = 0
    for path in sorted(built.output.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        assert b"Leak" not in data, path  # no maker, model, author, XMP, IPTC, PNG text or GIF comment
        if path.suffix in (".jpg", ".png", ".gif", ".webp"):
            with Image.open(path) as image:
                exif = image.getexif()
                assert not exif.get_ifd(GPS) and GPS not in exif, path
                assert not {MAKE, MODEL, ARTIST, COPYRIGHT} & set(exif), path
                assert not {"xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "exif"} & set(image.info), path
            pictures += 1
    assert pictures >= 17
    assert not (built.output / "media" / "fotos" / "runde.jpg").exists()  # no original without `originals: true`


def test_the_orientation_is_applied_to_the_pixels(built: Archive):
    [small] = (built.output / "media" / "fotos").glob("runde-480.*.jpg")
    with opened(small) as image:
        assert image.size == (480, 640)  # upright
        red = lambda xy: all(abs(a - b) < 40 for a, b in zip(image.getpixel(xy), RED))  # noqa: E731
        assert red((460, 60)) and not red((20, 60)) and not red((460, 600))  # top-left stored -> top-right shown


def test_the_preview_and_the_event_image_are_1200_wide(built: Archive):
    page = parsed(built, "sitzungen/foto/")
    url = page.meta["og:image"]
    assert re.fullmatch(r"https://example\.org/kaffee/media/fotos/runde-1200\.\w{12}\.jpg", url)
    assert (page.meta["og:image:width"], page.meta["og:image:height"]) == ("1200", "1600")
    with opened(output_file(built, url)) as image:
        assert image.size == (1200, 1600) and image.format == "JPEG"
    [event] = [json.loads(text) for text in page.scripts]
    assert event["image"] == [url]


# --- determinism and the cache -------------------------------------------------------------------

def test_two_clean_builds_give_the_same_bytes_on_another_machine(built: Archive, tmp_path: Path):
    """The second clean build where another machine would differ: its clock's zone, its language,
    its hash seed, the cores the encoding threads share (one here), the folder of the archive."""
    again = Archive(tmp_path / "again")
    shutil.copytree(built.content, again.content)
    env = {**os.environ, "TZ": "Pacific/Kiritimati", "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8",
           "PYTHONHASHSEED": "7"}
    one_core = min(os.sched_getaffinity(0))
    result = subprocess.run([sys.executable, "-m", "kaffee_site", *again.args("build")], capture_output=True,
                            text=True, env=env, cwd=again.root, preexec_fn=lambda: os.sched_setaffinity(0, {one_core}))
    assert result.returncode == 0, result.stderr
    assert encoded(result.stderr)[0] == encoded(result.stderr)[1] > 0  # a clean build: everything encoded anew
    assert tree_snapshot(again.output) == tree_snapshot(built.output)


def test_a_cached_rebuild_and_a_ci_run_encode_nothing_again(built: Archive, tmp_path: Path):
    work = Archive(tmp_path / "work")
    shutil.copytree(built.content, work.content)
    shutil.copytree(built.root / ".kaffee-cache", work.root / ".kaffee-cache")  # CI restores the cache
    work.write("sessions/foto.md", (work.content / "sessions/foto.md").read_text() + "\nNoch ein Satz.\n")
    code, err = run(work)
    assert code == 0, err
    files, total = encoded(err)
    assert (files, total) == (0, 17)  # runde: 3 sizes x 2 formats + the preview; logo: 4 x 2; tanz: 2
    first = tree_snapshot(work.output)
    work.write("sessions/plan.md", (work.content / "sessions/plan.md").read_text() + "\nMehr.\n")
    code, err = run(work)  # and an ordinary cached rebuild on the same machine
    assert code == 0 and encoded(err) == (0, total), err
    assert {k: v for k, v in tree_snapshot(work.output).items() if "media/" in k} == \
        {k: v for k, v in first.items() if "media/" in k}
    clean = Archive(tmp_path / "clean")
    shutil.copytree(work.content, clean.content)
    assert run(clean, "--no-cache")[0] == 0
    assert tree_snapshot(clean.output) == tree_snapshot(work.output)


# --- what an archive may keep --------------------------------------------------------------

def test_copyright_kept_originals_published_stripped_and_avif_offered(tmp_path: Path):
    archive = Archive(tmp_path)
    archive.write("site.yaml", "title: T\nsearch: false\nimages:\n  keep: [copyright]\n  originals: true\n"
                               "  formats: [avif, webp]\n  widths: [200, 400]\n")
    archive.write("media/klein.jpg", phone_photo((640, 480)))
    archive.write("media/unbenutzt.png", transparent_png())
    archive.write("sessions/a.md", session_md("A", image="{src: media/klein.jpg, alt: Ein Foto}"))
    code, err = run(archive)
    assert code == 0, err
    page = parsed(archive, "sitzungen/a/")
    assert [s["type"] for s in page.pictures[0]["sources"]] == ["image/avif", "image/webp"]
    assert [w for _, w in srcset(page.pictures[0]["sources"][0]["srcset"])] == [200, 400]
    media = archive.output / "media"
    with opened(media / "klein.jpg") as original:  # the original: upright, stripped but for the copyright
        assert original.size == (480, 640)
        exif = original.getexif()
        assert exif[COPYRIGHT] == "LeakCopyright 2024 Erika Muster" and exif[ARTIST] == "LeakArtist Erika Muster"
        assert not {MAKE, MODEL, GPS} & set(exif) and "xmp" not in original.info
    assert (media / "unbenutzt.png").is_file()  # every picture's original, shown or not
    for path in media.iterdir():
        data = path.read_bytes()
        for marker in (b"LeakMaker", b"LeakModel", b"LeakXmp", b"LeakIptc", b"LeakPng"):
            assert marker not in data, (path, marker)
        with opened(path) as image:
            assert not image.getexif().get_ifd(GPS), path
            if path.suffix in (".jpg", ".webp", ".avif"):
                assert image.getexif().get(COPYRIGHT) == "LeakCopyright 2024 Erika Muster", path
    assert sorted(p.suffix for p in media.glob("klein-400.*")) == [".avif", ".jpg", ".webp"]


def test_wrong_image_settings_are_errors_at_their_line(archive: Archive):
    archive.write("site.yaml", "title: T\nimages:\n  widths: [480, wide]\n  formats: [gif]\n  keep: [gps]\n"
                               "  quality: 120\n  max_megapixels: 0\n  originals: ja\n  sizes: 3\n")
    archive.write("sessions/a.md", session_md())
    code, err = run(archive)
    assert code == 1
    site = f"{archive.content}/site.yaml"
    for line, text in ((3, "'images.widths' must be a list of widths"), (4, "'images.formats' must list modern formats"),
                       (5, "'images.keep' can only keep 'copyright'"), (6, "'images.quality' must be a number"),
                       (7, "'images.max_megapixels' must be a number"), (8, "'images.originals' must be true or false"),
                       (9, "warning: unknown key 'sizes' under 'images'")):
        assert f"{site}:{line}: {text}" in err, (line, err)


def test_a_picture_edit_reencodes_that_picture_alone(tmp_path: Path):
    archive = Archive(tmp_path)
    archive.write("media/a.png", picture_bytes(size=(64, 48)))
    archive.write("media/b.png", picture_bytes(size=(64, 48), colour=(200, 0, 0)))
    archive.write("sessions/a.md", session_md("A", image="{src: media/a.png, alt: A}"))
    archive.write("sessions/b.md", session_md("B", "2024-10-10", image="{src: media/b.png, alt: B}"))
    code, err = run(archive)
    assert code == 0 and encoded(err) == (4, 4), err  # each: WebP and PNG 64 px wide (the preview is that PNG)
    archive.write("media/b.png", picture_bytes(size=(64, 48), colour=(0, 200, 0)))
    code, err = run(archive)
    assert code == 0 and encoded(err) == (2, 4), err
    assert len(list((archive.output / "media").iterdir())) == 4  # the old files of b.png are gone
    cached = [p for p in (archive.root / ".kaffee-cache" / "images").iterdir() if re.fullmatch(r"[0-9a-f]{40}", p.name)]
    assert len(cached) == 4  # and out of the cache


def test_a_warm_engine_a_cached_and_a_clean_build_agree_while_pictures_change(tmp_path: Path):
    """What `serve` keeps (a warm engine, pictures in memory), a cached build and a clean build
    write the same bytes after every picture edit: a photo replaced, a picture added to a report,
    other widths in site.yaml, a picture taken out again."""
    from support import TEMPLATES

    from kaffee_site.commands.build import build
    from kaffee_site.engine import Engine
    from kaffee_site.options import BuildOptions

    archive = Archive(tmp_path / "archive")
    site = "title: Fotos\nbase_url: https://example.org/kaffee/\nsearch: false\n"
    archive.write("site.yaml", site)
    archive.write("media/runde.jpg", phone_photo((1200, 900)))
    archive.write("sessions/foto.md", session_md("Mit Foto", image="{src: media/runde.jpg, alt: Die Runde}"))

    def options(name: str, cache: bool) -> BuildOptions:
        return BuildOptions(archive.content, tmp_path / name / "out", TEMPLATES, cache=cache)

    warm = Engine(options("warm", False), warm=True)
    assert warm.rebuild().ok
    edits = [
        ("media/runde.jpg", lambda: phone_photo((1200, 900), orientation=3)),  # the photo replaced
        ("media/logo.png", transparent_png),  # a picture no page shows yet: published nowhere
        ("sessions/foto.md", lambda: session_md("Mit Foto", image="{src: media/runde.jpg, alt: Die Runde}",
                                                body="Der Bericht.\n\n![Das Logo](media/logo.png)\n")),
        ("site.yaml", lambda: site + "images:\n  widths: [300, 700]\n  quality: 70\n"),
        ("sessions/foto.md", lambda: session_md("Mit Foto", image="{src: media/runde.jpg, alt: Die Runde}")),
    ]
    for rel, make in edits:
        touched = archive.write(rel, make())
        result = warm.rebuild([touched])
        assert result.ok, [p.format() for p in result.problems]
        build(options("cached", True))
        shutil.rmtree(tmp_path / "clean", ignore_errors=True)
        build(options("clean", False))
        clean = tree_snapshot(tmp_path / "clean" / "out")
        assert any(p.endswith(".webp") for p in clean), rel
        assert tree_snapshot(tmp_path / "warm" / "out") == clean, f"warm engine differs after {rel}"
        assert tree_snapshot(tmp_path / "cached" / "out") == clean, f"cached build differs after {rel}"
    # the last edit took a picture out of a report: nothing encoded, the photo's files from memory
    assert warm.images.stats["images_encoded"] == 0 < warm.images.stats["images_total"], warm.images.stats


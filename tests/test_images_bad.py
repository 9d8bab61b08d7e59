"""Pictures the build cannot use (issue 24): a decompression bomb, a file cut short, a file whose
name promises another format, one over the pixel limit, one that is no picture at all. Each is
one `path: warning: message` (with a hint); the build goes on without it, or with --strict fails
and leaves the output as it was. `check` says the same, and warns of pictures shown larger than
they are and of links to pictures that are not published."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import zlib

from PIL import Image

from kaffee_site.cli import main
from support import TEMPLATES, Archive, picture_bytes, session_md, tree_snapshot


def bomb_png(width: int = 12000, height: int = 10000) -> bytes:
    """A real PNG of 120 megapixels in a few kilobytes: one bit a pixel, every row blank."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def photo(size: tuple[int, int]) -> bytes:
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    gradient.save(out, "JPEG", quality=80)
    return out.getvalue()


BAD = {
    "bombe.png": (bomb_png(), r"12000 x 10000 pixels from a file of \d+ KB: a decompression bomb, not read"),
    "halb.jpg": (photo((640, 480))[:2500], r"the file is damaged or cut short \(image file is truncated\)"),
    "falsch.jpg": (picture_bytes("PNG", (64, 48)), r"the file is a PNG image, not a JPEG as its name says"),
    "riesig.jpg": (photo((2000, 1200)), r"2000 x 1200 pixels \(2\.4 megapixels\) is more than the limit of 2 megapixels"),
    "text.png": (b"Dies ist kein Bild.\n", r"the file is not a picture this build can read"),
}


def _build(archive: Archive, *extra: str) -> tuple[int, str]:
    return archive.build_quietly(*extra)


def _good_archive(archive: Archive) -> dict[str, bytes]:
    archive.write("site.yaml", "title: Test\nsearch: false\nimages:\n  max_megapixels: 2\n")
    archive.write("media/gut.png", picture_bytes(size=(96, 64)))
    archive.write("sessions/gut.md", session_md("Gut", "2024-01-11", image="{src: media/gut.png, alt: Ein gutes Bild}"))
    code, err = _build(archive)
    assert code == 0, err
    return tree_snapshot(archive.output)


def _add_bad_pictures(archive: Archive) -> None:
    for name, (data, _) in BAD.items():
        archive.write(f"media/{name}", data)
    archive.write("sessions/schlecht.md", session_md(
        "Schlecht", "2024-02-08", series="Andere Reihe", image="{src: media/bombe.png, alt: Eine Bombe}",
        body="".join(f"![Bild {name}](media/{name})\n\n" for name in BAD if name != "bombe.png") + "Text danach.\n"))


def _warnings(archive: Archive, err: str) -> dict[str, str]:
    found = {}
    for line in err.splitlines():
        match = re.match(rf"{re.escape(str(archive.content))}/media/([^:]+): warning: (.*)", line)
        if match:
            assert match.group(1) not in found, f"two messages for {match.group(1)}"
            found[match.group(1)] = match.group(2)
    return found


def test_each_bad_picture_is_one_warning_and_the_build_goes_on_without_it(archive: Archive):
    before = _good_archive(archive)
    _add_bad_pictures(archive)
    code, err = _build(archive)
    assert code == 0, err
    found = _warnings(archive, err)
    assert sorted(found) == sorted(BAD), err
    for name, (_, message) in BAD.items():
        assert re.fullmatch(message, found[name]), (name, found[name])
    assert "hint: " in err and "Traceback" not in err
    page = archive.page("sitzungen/schlecht/")
    assert "<figure" not in page and "<picture" not in page and "<img" not in page.split('class="report"')[1]
    assert "Text danach." in page
    made = [p.name for p in (archive.output / "media").iterdir()]
    assert made and not [name for name in made if name.startswith(("bombe", "halb", "falsch", "riesig", "text"))]
    # what the good picture gave is untouched, and so is the page that shows it
    after = tree_snapshot(archive.output)
    kept = [rel for rel in before if rel.startswith("media/") or rel == "sitzungen/gut/index.html"]
    assert kept and all(after[rel] == before[rel] for rel in kept)
    # the session with the bomb falls back to a drawn preview card
    assert (archive.output / "sitzungen" / "schlecht" / "card.png").is_file()


def test_strict_fails_on_a_bad_picture_and_leaves_the_output_as_it_was(archive: Archive):
    before = _good_archive(archive)
    _add_bad_pictures(archive)
    code, err = _build(archive, "--strict")
    assert code == 1
    assert sorted(_warnings(archive, err)) == sorted(BAD), err
    assert f"build failed: 0 errors, {len(BAD)} warnings (--strict: warnings fail); the output folder was not changed" in err
    assert tree_snapshot(archive.output) == before


_PEAK = ("import resource, sys; from kaffee_site.cli import main; code = main(sys.argv[1:]); "
         "print(code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")


def _peak(archive: Archive) -> tuple[int, int, str]:
    """(exit code, peak memory in KiB, stderr) of a build in a process of its own."""
    result = subprocess.run([sys.executable, "-c", _PEAK, *archive.args("build", "--no-cache")],
                            capture_output=True, text=True)
    code, peak = result.stdout.split()[-2:]
    return int(code), int(peak), result.stderr


def test_a_bomb_is_refused_before_it_is_decoded(archive: Archive):
    """120 megapixels take 120 MB decoded (a byte a pixel); the refusal reads the header alone."""
    archive.write("site.yaml", "title: Test\nsearch: false\n")  # the default limit: 100 megapixels
    archive.write("media/bombe.png", picture_bytes(size=(64, 48)))
    archive.write("sessions/a.md", session_md("A", image="{src: media/bombe.png, alt: Bombe}"))
    code, plain, _ = _peak(archive)
    assert code == 0
    archive.write("media/bombe.png", bomb_png())
    code, peak, err = _peak(archive)
    assert code == 0 and "a decompression bomb, not read" in err, err
    assert peak - plain < 40 * 1024, (plain, peak)  # KiB


def test_check_warns_of_bad_small_and_unpublished_pictures(archive: Archive, capsys):
    _good_archive(archive)
    cache = tree_snapshot(archive.root / ".kaffee-cache")
    _add_bad_pictures(archive)
    archive.write("site.yaml", "title: Test\nsearch: false\nimages:\n  max_megapixels: 2\ntheme:\n  logo: flach.png\n")
    archive.write("media/flach.png", picture_bytes(size=(200, 20)))
    archive.write("sessions/link.md", session_md("Link", "2024-03-14", body="[Das Foto groß](media/gut.png)\n"))
    code = main(archive.args("check", "--templates", str(TEMPLATES)))
    out = capsys.readouterr().out
    assert code == 0, out
    assert sorted(_warnings(archive, out)) == sorted(BAD), out
    content = archive.content
    assert f"{content}/sessions/gut.md:4: warning: the picture 'media/gut.png' is 96 px wide but shown 704 px wide: " \
           "it will look blurred" in out
    assert f"{content}/site.yaml:6: warning: the logo 'media/flach.png' is 20 px high but shown 36 px high" in out
    assert f"{content}/sessions/link.md:5: warning: the picture 'media/gut.png' is not published as a file of its own" in out
    assert tree_snapshot(archive.root / ".kaffee-cache") == cache  # check writes nothing

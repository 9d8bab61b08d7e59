"""`make bench`, pictures (issue 24): what responsive pictures cost in a clean and a cached build.

One generated corpus (--sessions, 100 by default) is built twice over: as it is, and with
--photos of its sessions carrying a phone photo (4032 x 3024 JPEG with EXIF, textured so it
encodes like a real one) and a screenshot (1280 x 800 PNG) in the report. The difference is
what the pictures cost:

- clean: `--no-cache`, empty output folder (every picture checked and encoded);
- cached: the cache in place, one session edited (nothing encoded, the files from the cache);
- CI: a fresh copy of the content (new modification times) and output folder, the cache restored.

It also counts what is published: the bytes of the sources against those of the made files, and
what a phone at 375 px loads for a photo (the 480-wide WebP). The section it writes into
bench/RESULTS.md (between its markers) stays there when bench/run.py rewrites the rest.

    python bench/images.py [--sessions 100] [--photos 12] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import corpus as corpus_mod  # noqa: E402
import measure  # noqa: E402

WORK = HERE / "work" / "images"
VENV_BIN = Path(sys.executable).parent
START, END = "<!-- pictures: bench/images.py -->", "<!-- /pictures -->"
ENCODED = re.compile(r"(\d+) of (\d+) picture files encoded")


def log(message: str) -> None:
    print(f"[bench images {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def photo(seed: int) -> bytes:
    """A phone photo: 4032 x 3024, noise over shapes over a gradient (so it compresses like a
    photo, not like a flat test card), orientation tag and GPS position in its EXIF."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    size = (4032, 3024)
    base = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(base)
    for _ in range(60):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randrange(80, 700)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    noise = Image.effect_noise((size[0] // 4, size[1] // 4), 40).resize(size).filter(ImageFilter.GaussianBlur(1))
    picture = Image.blend(base, Image.merge("RGB", (noise,) * 3), 0.25)
    exif = Image.Exif()
    exif[0x0112], exif[0x010F], exif[0x0110] = 6, "BenchMaker", "BenchPhone"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def screenshot(seed: int) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    shot = Image.new("RGB", (1280, 800), (246, 246, 246))
    draw = ImageDraw.Draw(shot)
    for row in range(40, 800, 24):
        draw.rectangle((60, row, 60 + rng.randrange(300, 1100), row + 10), fill=(60, 60, 60))
    out = io.BytesIO()
    shot.save(out, "PNG")
    return out.getvalue()


def corpora(sessions: int, photos: int) -> tuple[Path, Path]:
    """(content without pictures, the same with pictures); photos are made once and kept."""
    plain = WORK / "plain" / "content"
    corpus_mod.generate(sessions, plain)
    with_pictures = WORK / "pictures" / "content"
    if with_pictures.parent.exists():
        shutil.rmtree(with_pictures.parent)
    shutil.copytree(plain, with_pictures)
    stock = WORK / "stock"
    stock.mkdir(parents=True, exist_ok=True)
    media = with_pictures / "media"
    media.mkdir()
    files = sorted((with_pictures / "sessions").rglob("*.md"))
    for index in range(photos):
        for name, make in ((f"foto-{index}.jpg", photo), (f"bildschirm-{index}.png", screenshot)):
            kept = stock / name
            if not kept.exists():
                kept.write_bytes(make(index))
            shutil.copy(kept, media / name)
        path = files[index * len(files) // photos]
        text = path.read_text(encoding="utf-8")
        head, body = text.split("\n---\n", 1)
        path.write_text(f"{head}\nimage:\n  src: media/foto-{index}.jpg\n  alt: Die Runde im Bild\n---\n"
                        f"![Der geteilte Bildschirm](media/bildschirm-{index}.png)\n\n{body}", encoding="utf-8")
    for content in (plain, with_pictures):  # pictures are what is measured, not the search index
        site = content / "site.yaml"
        site.write_text(site.read_text(encoding="utf-8") + "search: false\n", encoding="utf-8")
    return plain, with_pictures


def build(content: Path, output: Path, *extra: str) -> measure.Sample:
    argv = (str(VENV_BIN / "kaffee-site"), "build", "--content", str(content), "--output", str(output),
            "--templates", str(ROOT / "templates"), *extra)
    sample = measure.run(argv, cwd=ROOT)
    if not sample.ok:
        raise SystemExit(f"build failed: {sample.error or sample.output}")
    return sample


def edit(content: Path, round_: int) -> None:
    path = sorted((content / "sessions").rglob("*.md"))[0]
    text = path.read_text(encoding="utf-8").split("\n\nNachtrag")[0].rstrip("\n")
    path.write_text(f"{text}\n\nNachtrag Nr. {round_}.\n", encoding="utf-8")


def fresh_copy(content: Path, cache: Path, where: Path) -> Path:
    """A CI run's checkout: the content copied anew, the cache restored beside the output."""
    if where.exists():
        shutil.rmtree(where)
    shutil.copytree(content, where / "content")
    shutil.copytree(cache, where / ".kaffee-cache")
    return where


def measure_one(content: Path, runs: int) -> dict[str, list[measure.Sample]]:
    base = content.parent
    output, cache = base / "out", base / ".kaffee-cache"
    found: dict[str, list[measure.Sample]] = {"clean": [], "cached": [], "ci": []}
    for round_ in range(runs):
        shutil.rmtree(output, ignore_errors=True)
        found["clean"].append(build(content, output, "--no-cache"))
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    build(content, output)  # fills the cache
    for round_ in range(runs):
        edit(content, round_)
        found["cached"].append(build(content, output))
    for round_ in range(runs):
        ci = fresh_copy(content, cache, base / "ci")
        found["ci"].append(build(ci / "content", ci / "out"))
    return found


def published(content: Path) -> tuple[int, int, int, int]:
    """(bytes of the picture sources, bytes of the files made from them, bytes of the photos,
    bytes of their 480-wide WebP files)."""
    media, made = content / "media", content.parent / "out" / "media"
    sources = sum(p.stat().st_size for p in media.iterdir())
    files = sum(p.stat().st_size for p in made.iterdir()) if made.is_dir() else 0
    photos = sum(p.stat().st_size for p in media.glob("foto-*.jpg"))
    phone = sum(p.stat().st_size for p in made.glob("foto-*-480.*.webp"))
    return sources, files, photos, phone


def one_photo(content: Path) -> list[str]:
    """Table rows: the first photo as the editor saved it, and each file made from it (read back
    with Pillow: format, size, whether any EXIF is left)."""
    from PIL import Image

    source = content / "media" / "foto-0.jpg"
    made = sorted((content.parent / "out" / "media").glob("foto-0-*"),
                  key=lambda p: (int(p.name.split("-")[2].split(".")[0]), p.suffix))
    rows = []
    for path in [source, *made]:
        with Image.open(path) as image:
            exif = image.getexif()
            gps = bool(exif.get_ifd(0x8825)) or 0x8825 in exif
            rows.append(f"| {'source: ' if path == source else ''}`{path.name}` | {image.format} | "
                        f"{image.width} x {image.height} | {path.stat().st_size / 1024:,.0f} KB | "
                        f"{len(exif)} tags{', GPS' if gps else ''} |")
    return rows


def median(samples: list[measure.Sample]) -> measure.Sample:
    return measure.median(samples)


def section(args, plain: dict, pictures: dict, counts: dict[str, str], sizes: tuple[int, int, int, int],
            load: tuple[float, float], photo_rows: list[str]) -> str:
    mib = 1024 * 1024
    rows = []
    for key, label in (("clean", "clean build (`--no-cache`)"), ("cached", "cached rebuild, one session edited"),
                       ("ci", "CI: fresh checkout, cache restored")):
        a, b = median(plain[key]), median(pictures[key])
        runs = ", ".join(f"{s.wall:.2f}" for s in pictures[key])
        rows.append(f"| {label} | {a.wall:.2f} | {b.wall:.2f} | **{b.wall - a.wall:+.2f}** | {a.cpu:.2f} | {b.cpu:.2f} "
                    f"| {b.peak_mib:.0f} | {counts.get(key, '')} | {runs} |")
    sources, files, photos, phone = sizes
    machine = measure.machine()
    return "\n".join([
        START,
        "## Pictures (issue 24)",
        "",
        f"Measured on {time.strftime('%Y-%m-%d')} by `bench/images.py` (commit {_commit()}): {args.sessions} sessions, "
        f"{args.photos} of them with a phone photo (4032 x 3024 JPEG, orientation tag, GPS) as their image and a "
        f"screenshot (1280 x 800 PNG) in the report; the same corpus without them as the baseline; search off. "
        f"Medians of {args.runs} runs; load average {load[0]:.1f} at the start, {load[1]:.1f} at the end "
        f"({machine.get('cpus', '?')} CPUs, shared with other jobs: single figures are noisy; with the load above the "
        f"number of CPUs, wall time mostly measures waiting, and CPU seconds (every thread and worker counted) are "
        f"the steadier figure).",
        "",
        "| build | wall s, no pictures | wall s, pictures | pictures cost | CPU s, no pictures | CPU s, pictures "
        "| peak MiB | picture files encoded | runs (pictures) |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Published: the {2 * args.photos} sources weigh {sources / mib:.1f} MiB, the {_count(pictures)} files made from them "
        f"{files / mib:.1f} MiB in all. At 375 px (one device pixel per CSS pixel) the browser loads a photo's 480-wide WebP: "
        f"{phone / args.photos / 1024:.0f} KB on average instead of the {photos / args.photos / mib:.1f} MiB of the original.",
        "",
        "One photo (the phone holds it upright: stored 4032 x 3024 with orientation 6) and what is published of it "
        "(EXIF read back with Pillow):",
        "",
        "| file | format | pixels | bytes | EXIF |",
        "|---|---|---|---|---|",
        *photo_rows,
        END,
    ])


def _count(pictures: dict) -> str:
    found = ENCODED.search(pictures["cached"][-1].output)
    return found.group(2) if found else "?"


def _commit() -> str:
    import subprocess

    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() or "?"


def write_section(results: Path, text: str) -> None:
    """Replace this benchmark's section of RESULTS.md (or add it before the copied-in analysis)."""
    current = results.read_text(encoding="utf-8") if results.exists() else ""
    if START in current and END in current:
        before, rest = current.split(START, 1)
        current = before + text + rest.split(END, 1)[1]
    else:
        marker = "<!-- below: bench/ANALYSIS.md"
        at = current.find(marker)
        current = (current[:at] + text + "\n\n" + current[at:]) if at >= 0 else current.rstrip("\n") + "\n\n" + text + "\n"
    results.write_text(current, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--photos", type=int, default=12)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md", help="'-' prints the section only")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()[0]
    plain, with_pictures = corpora(args.sessions, args.photos)
    log(f"corpus: {args.sessions} sessions, {args.photos} photos and screenshots")
    found_plain = measure_one(plain, args.runs)
    log("without pictures: " + ", ".join(f"{k} {median(v).wall:.2f} s" for k, v in found_plain.items()))
    found = measure_one(with_pictures, args.runs)
    log("with pictures: " + ", ".join(f"{k} {median(v).wall:.2f} s" for k, v in found.items()))
    counts = {}
    for key in ("cached", "ci"):
        seen = [ENCODED.search(s.output) for s in found[key]]
        counts[key] = ", ".join(f"{m.group(1)} of {m.group(2)}" if m else "?" for m in seen)
    counts["clean"] = "all (no cache)"
    text = section(args, found_plain, found, counts, published(with_pictures), (load_before, os.getloadavg()[0]),
                   one_photo(with_pictures))
    print(text)
    if str(args.results) != "-":
        write_section(args.results, text)
        log(f"wrote the pictures section of {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

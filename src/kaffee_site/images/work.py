"""What the engine asks of images/: survey the pictures a linked Site shows, then make their files.

`survey` runs in the load stage, for build, check and serve alike: it finds where pages show
each picture (a session's image, an image in a body, the logo, the preview image), learns what
each picture is (a digest of its bytes, then the cache's record of that digest, or a check of
the file: codec.probe) and puts a Picture for each into the Site, so rendering is a pure
function of the Site. A picture the build cannot use is one warning (`path: message`) and is
left out of the pages; SVG is shown as it is. `outputs` runs in the write stage: every file the
pictures need, from the cache when it holds it, else encoded (one decoding per picture, the
pictures on as many threads as there are cores: Pillow lets go of the interpreter while it
works). Raster files are never copied as they are: without `images: {originals: true}` the
original is not published at all, with it a stripped copy is.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Iterator

from kaffee_site.content.load import media_source
from kaffee_site.content.scan import display_path, read_inside
from kaffee_site.errors import Diagnostics, FaultError
from kaffee_site.images import codec
from kaffee_site.images.plan import Made, planned
from kaffee_site.images.store import ImageStore
from kaffee_site.model import Picture, Site

RASTER = tuple(f".{suffix}" for suffix in codec.EXTENSIONS)  # never published as they are
VECTOR = (".svg",)


def is_raster(rel: str) -> bool:
    return rel.lower().endswith(RASTER)


class Images:
    """The pictures of one archive, across the runs of an engine."""

    def __init__(self, content_dir: Path, cache_folder: Path | None):
        self.content_dir = content_dir
        self.store = ImageStore(cache_folder / "images" if cache_folder is not None else None)
        self._real_root = os.path.realpath(content_dir)
        self._seen: dict[str, list] | None = None  # media path -> [size, mtime, ctime, inode, digest]
        self._seen_changed = False
        self._probes: dict[str, codec.Probe | codec.Unusable] = {}
        self._made: dict[str, tuple[str, codec.Probe, tuple[Made, ...]]] = {}  # of the last survey
        self.stats = {"images_encoded": 0, "images_total": 0}

    # --- the load stage -------------------------------------------------------------------

    def survey(self, site: Site, diag: Diagnostics) -> Site:
        """The Site with a Picture for every picture its pages show; problems into `diag`."""
        settings = site.config.images
        roles = shown_pictures(site)
        if settings.originals:
            for rel in site.media:
                if is_raster(rel):
                    roles.setdefault(rel, set())
        table: dict[str, Picture] = {}
        self._made = {}
        for rel in sorted(roles):
            if rel.lower().endswith(VECTOR):
                table[rel] = self._vector(rel)
                continue
            digest = self._digest(rel)
            found = self._probe(rel, digest, settings.max_pixels)
            if isinstance(found, codec.Unusable):
                diag.warning(self._display(rel), None, found.message, found.hint)
                table[rel] = Picture(rel, usable=False)
                continue
            picture, made = planned(rel, digest, found, frozenset(roles[rel]), settings)
            table[rel] = picture
            self._made[rel] = (digest, found, made)
        self._save_seen(roles)
        return replace(site, images=MappingProxyType(table))

    def _display(self, rel: str) -> str:
        return display_path(str(self.content_dir), f"media/{rel}")

    def _read(self, rel: str) -> bytes:
        return read_inside(media_source(self.content_dir, rel), self._real_root)

    def _digest(self, rel: str) -> str:
        """The digest of a media file's bytes; not read again while its stat is the same."""
        if self._seen is None:
            seen = self.store.record("seen.json")
            self._seen = seen if isinstance(seen, dict) else {}
        try:
            info = os.stat(media_source(self.content_dir, rel))
            stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        except OSError:
            stamp = None
        known = self._seen.get(rel)
        if stamp is not None and isinstance(known, list) and known[:4] == stamp and isinstance(known[4], str):
            return known[4]
        digest = hashlib.sha256(self._read(rel)).hexdigest()
        if stamp is not None:
            self._seen[rel] = [*stamp, digest]
            self._seen_changed = True
        return digest

    def _save_seen(self, shown: dict) -> None:
        if self._seen is not None and not self._seen.keys() <= shown.keys():  # pictures gone: forget them
            self._seen = {rel: stamp for rel, stamp in self._seen.items() if rel in shown}
            self._seen_changed = True
        if self._seen_changed and self._seen is not None and self.store.folder is not None:
            self.store.put_record("seen.json", self._seen)
            self._seen_changed = False
        elif self._seen is not None:
            self.store.used.add("seen.json")

    def _probe(self, rel: str, digest: str, max_pixels: int) -> codec.Probe | codec.Unusable:
        suffix = posixpath.splitext(rel)[1].lstrip(".").lower()
        key = hashlib.sha256(f"{codec.encoder_version()}\x1f{digest}\x1f{suffix}\x1f{max_pixels}".encode()).hexdigest()[:40]
        name = f"{key}.probe"
        found = self._probes.get(name)
        if found is None:
            found = _from_record(self.store.record(name))
        else:
            self.store.used.add(name)
        if found is None:
            try:
                found = codec.probe(self._read(rel), suffix, max_pixels)
            except codec.Unusable as problem:
                found = problem
            self.store.put_record(name, _as_record(found))
        self._probes[name] = found
        return found

    def _vector(self, rel: str) -> Picture:
        """An SVG, shown as it is; its size from the root element, so nothing shifts when it loads."""
        try:
            head = self._read(rel)[:8192].decode("utf-8", "replace")
        except OSError:
            head = ""
        width, height = svg_size(head)
        return Picture(rel, width, height, vector=True)

    # --- the write stage ------------------------------------------------------------------

    def outputs(self, site: Site, encode: bool = True) -> Iterator[tuple[str, bytes | None]]:
        """Every file the Site's pictures need, as (output path, bytes). Without `encode` (check)
        only their paths (bytes None)."""
        if not encode:
            for picture in site.images.values():
                for path in picture_paths(picture):
                    yield path, None
            return
        settings = site.config.images
        missing: dict[str, list[Made]] = defaultdict(list)
        total = 0
        for rel, (_, _, made) in sorted(self._made.items()):
            for item in made:
                total += 1
                data = self.store.get(item.key)
                if data is None:
                    missing[rel].append(item)
                else:
                    yield item.path, data
        self.stats = {"images_encoded": sum(len(m) for m in missing.values()), "images_total": total}
        if not missing:
            return
        jobs = sorted(missing.items())
        with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1))) as pool:
            for (rel, items), files in zip(jobs, pool.map(lambda job: self._encode(*job, settings), jobs)):
                for item, data in zip(items, files):
                    self.store.put(item.key, data)
                    yield item.path, data

    def _encode(self, rel: str, items: list[Made], settings) -> list[bytes]:
        digest, found, _ = self._made[rel]
        data = self._read(rel)
        if hashlib.sha256(data).hexdigest() != digest:
            raise FaultError(f"{self._display(rel)}: the file changed while the build read it; "
                             "the output folder was not changed, build again")
        try:
            return codec.encode(data, found, [item.target for item in items], settings.keep)
        except codec.Unusable as problem:  # read whole once already: only the machine can fail now
            raise FaultError(f"{self._display(rel)}: {problem.message}; the output folder was not changed") from None

    def finish(self, output_id: str, complete: bool) -> list[str]:
        """After a run: the cache keeps what a complete one used. Returns why it could not."""
        return self.store.finish(output_id) if complete else []


def shown_pictures(site: Site) -> dict[str, set[str]]:
    """Media path -> the roles pages show it in ('lead', 'body', 'logo', 'preview')."""
    roles: dict[str, set[str]] = defaultdict(set)
    for session in site.sessions:
        if session.image:
            roles[session.image.src].update(("lead", "preview"))
    for body in _bodies(site):
        for image in body.images:
            roles[image.src].add("body")
    if site.config.theme.logo:
        roles[site.config.theme.logo].add("logo")
    if site.config.image:
        roles[site.config.image.src].add("preview")
    present = set(site.media)
    return {rel: found for rel, found in roles.items()
            if rel in present and (is_raster(rel) or rel.lower().endswith(VECTOR))}


def _bodies(site: Site) -> Iterable:
    for records in (site.sessions, site.pages, site.people, site.organisations):
        for record in records:
            if record.body is not None:
                yield record.body
    for topic in site.topics:
        if topic.description is not None:
            yield topic.description


def picture_paths(picture: Picture) -> list[str]:
    """The output paths of the files made for a picture."""
    paths = {r.path for _, renditions in picture.sources for r in renditions}
    if picture.preview:
        paths.add(picture.preview.path)
    if picture.original:
        paths.add(picture.original)
    return sorted(paths)


_SVG_TAG = re.compile(r"<svg\b[^>]*>", re.IGNORECASE)
_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$")


def svg_size(head: str) -> tuple[int, int]:
    """Width and height of an SVG from its root element (px or plain numbers, else the viewBox);
    (0, 0) when it gives none."""
    tag = _SVG_TAG.search(head)
    if tag is None:
        return 0, 0
    attrs = dict((name.lower(), value) for name, value in
                 re.findall(r'([A-Za-z:-]+)\s*=\s*["\']([^"\']*)["\']', tag.group(0)))
    width, height = (_LENGTH.match(attrs.get(key, "")) for key in ("width", "height"))
    if width and height:
        return round(float(width.group(1))), round(float(height.group(1)))
    box = attrs.get("viewbox", "").replace(",", " ").split()
    try:
        w, h = float(box[2]), float(box[3])
    except (IndexError, ValueError):
        return 0, 0
    if w <= 0 or h <= 0:
        return 0, 0
    if width:  # one side given: the other from the viewBox's proportions
        return round(float(width.group(1))), round(float(width.group(1)) * h / w)
    return round(w), round(h)


def _as_record(found: codec.Probe | codec.Unusable) -> dict:
    if isinstance(found, codec.Unusable):
        return {"problem": [found.message, found.hint]}
    return {"format": found.format, "width": found.width, "height": found.height, "alpha": found.alpha,
            "frames": found.frames}


def _from_record(record: object) -> codec.Probe | codec.Unusable | None:
    if not isinstance(record, dict):
        return None
    try:
        if "problem" in record:
            message, hint = record["problem"]
            return codec.Unusable(str(message), str(hint))
        found = codec.Probe(str(record["format"]), int(record["width"]), int(record["height"]),
                            bool(record["alpha"]), int(record["frames"]))
    except (KeyError, TypeError, ValueError):
        return None
    return found if found.width > 0 and found.height > 0 and found.frames > 0 and \
        found.format in codec.ENCODERS else None

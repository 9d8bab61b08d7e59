"""The local backend: Decap CMS's proxy protocol (what `decap-server` speaks), answered from the
content folder on this machine.

Decap sends `{"action": …, "params": {…}}`; the actions are decap-server's file-system mode:
info, entriesByFolder, entriesByFiles, getEntry, persistEntry, getMedia, getMediaFile,
persistMedia, deleteFile, deleteFiles, getDeployPreview (the editorial workflow's actions are
not offered: the local backend says its publish mode is "simple", as decap-server's does).
Unlike decap-server it takes only the archive's kinds of file (files.py), never goes through
links, checks a whole request before it writes anything, never moves the other files of a
folder when an entry is renamed, refuses media that would run scripts (as the build does), and
keeps the comments and key order of what the form did not change (frontmatter.py).

This module knows nothing of HTTP: serve/cms_backend.py checks who asks and hands over the
request; `answer()` returns (status, JSON value).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
import unicodedata
from pathlib import Path
from typing import Any, Callable

from kaffee_site.cms.files import MAX_ENTRY_BYTES, MAX_MEDIA_BYTES, MEDIA, ContentFiles, Place, Refused, place
from kaffee_site.cms.frontmatter import merged
from kaffee_site.cms_settings import CmsSettings
from kaffee_site.content.active_media import looks_like_markup, script_findings
from kaffee_site.content.schema import BY_NAME

PageUrl = Callable[[str], "str | None"]  # a content file's rel path -> the address of its page, if built


class LocalBackend:
    """Answers Decap's requests for one content folder; `settings()` gives site.yaml's `cms:` now."""

    def __init__(self, content_dir: Path, settings: Callable[[], CmsSettings | None], page_url: PageUrl):
        self.files = ContentFiles(content_dir)
        self.content_dir = content_dir
        self.settings = settings
        self.page_url = page_url
        self._writing = threading.Lock()  # one save at a time: a save checks, then writes

    def answer(self, request: Any) -> tuple[int, Any]:
        if not isinstance(request, dict) or not isinstance(request.get("action"), str):
            return 400, {"error": "a request is {\"action\": …, \"params\": {…}}"}
        settings = self.settings()
        if settings is None:
            return 404, {"error": "this archive has no `cms:` in site.yaml"}
        params = request.get("params") if isinstance(request.get("params"), dict) else {}
        handler = _ACTIONS.get(request["action"])
        if handler is None:
            return 422, {"error": f"unknown action {request['action']!r}"}
        try:
            return 200, handler(self, params, settings.folder)
        except Refused as refused:
            return refused.status, {"error": str(refused)}
        except OSError as err:
            return 500, {"error": f"the file system refused: {err.strerror or err}"}

    # --- reading ----------------------------------------------------------------------------

    def info(self, params: dict, folder: str) -> dict:
        return {"repo": self.content_dir.resolve().name, "publish_modes": ["simple"], "type": "local_fs"}

    def entries_by_folder(self, params: dict, folder: str) -> list:
        where = place(params.get("folder"), folder, is_folder=True)
        if where.parts[0] == MEDIA or params.get("extension") not in ("md", ".md"):
            raise Refused(400, "entries are the Markdown files of the archive's folders")
        depth = params.get("depth", 1)
        if not isinstance(depth, int) or isinstance(depth, bool):
            raise Refused(400, "'depth' must be a number")
        return [self._entry(found) for found in self.files.listing(where, depth)]

    def entries_by_files(self, params: dict, folder: str) -> list:
        files = params.get("files")
        if not isinstance(files, list) or not all(isinstance(item, dict) for item in files):
            raise Refused(400, "'files' must be a list of {path}")
        found = []
        for item in files:
            entry = self._entry(_entry_place(item.get("path"), folder))
            if isinstance(item.get("label"), str):
                entry["file"]["label"] = item["label"]
            found.append(entry)
        return found

    def get_entry(self, params: dict, folder: str) -> dict:
        return self._entry(_entry_place(params.get("path"), folder))

    def _entry(self, target: Place) -> dict:
        data = self.files.read(target)
        if data is None:
            return {"data": None, "file": {"path": target.repo_path, "id": None}}
        return {"data": data.decode("utf-8", "replace"), "file": {"path": target.repo_path, "id": _id(data)}}

    def get_media(self, params: dict, folder: str) -> list:
        where = place(params.get("mediaFolder"), folder, is_folder=True)
        if where.parts != (MEDIA,):
            raise Refused(400, f"the media folder is {MEDIA}/")
        return [self._medium(found) for found in self.files.listing(where, 1)]

    def get_media_file(self, params: dict, folder: str) -> dict:
        target = place(params.get("path"), folder)
        if target.kind != "media":
            raise Refused(400, f"'{target.repo_path}' is not a file under {MEDIA}/")
        return self._medium(target)

    def _medium(self, target: Place) -> dict:
        data = self.files.read(target)
        if data is None:
            raise Refused(404, f"'{target.repo_path}' does not exist")
        return {"id": _id(data), "content": base64.b64encode(data).decode("ascii"), "encoding": "base64",
                "path": target.repo_path, "name": target.parts[-1]}

    def deploy_preview(self, params: dict, folder: str) -> dict | None:
        """The page of an entry as `serve` shows it (Decap asks in its editorial workflow)."""
        collection, slug = params.get("collection"), params.get("slug")
        if not isinstance(collection, str) or not isinstance(slug, str):
            raise Refused(400, "'collection' and 'slug' must be text")
        target = _entry_place(f"{folder}/{collection}/{slug}.md" if folder else f"{collection}/{slug}.md", folder)
        url = self.page_url(target.rel)
        return {"url": url, "status": "SUCCESS"} if url else None

    # --- writing: everything checked first, then written -------------------------------------

    def persist_entry(self, params: dict, folder: str) -> dict:
        files = params.get("dataFiles")
        if files is None and isinstance(params.get("entry"), dict):
            files = [params["entry"]]
        if not isinstance(files, list) or not files or not all(isinstance(item, dict) for item in files):
            raise Refused(400, "'dataFiles' must be a list of {path, raw}")
        assets = params.get("assets", [])
        if not isinstance(assets, list):
            raise Refused(400, "'assets' must be a list")
        with self._writing:
            media = [self._asset(asset, folder) for asset in assets]
            entries = [self._data_file(item, folder) for item in files]
            for target, data in media:
                self.files.write(target, data)
            for target, data, old in entries:
                self.files.write(target, data)
                if old is not None and old != target:
                    self.files.delete(old)
        return {"message": "entry persisted"}

    def _data_file(self, item: dict, folder: str) -> tuple[Place, bytes, Place | None]:
        """(where to write, what, the old place when the entry moves)."""
        raw = item.get("raw")
        if not isinstance(raw, str):
            raise Refused(400, "an entry's 'raw' must be text")
        old = _entry_place(item.get("path"), folder)
        target = _entry_place(item["newPath"], folder) if item.get("newPath") else old
        if target.kind != old.kind:
            raise Refused(400, "an entry stays in its own folder")
        before = self.files.read(old)
        text = merged(unicodedata.normalize("NFC", raw), before.decode("utf-8", "replace") if before else None,
                      BY_NAME[target.kind], target.repo_path)
        data = text.encode("utf-8")
        if len(data) > MAX_ENTRY_BYTES:
            raise Refused(413, f"the entry is larger than {MAX_ENTRY_BYTES >> 20} MB")
        if target != old and self.files.read(target) is not None:
            raise Refused(409, f"'{target.repo_path}' exists already")
        return target, data, (old if target != old else None)

    def _asset(self, asset: Any, folder: str) -> tuple[Place, bytes]:
        if not isinstance(asset, dict) or asset.get("encoding") != "base64" or not isinstance(asset.get("content"), str):
            raise Refused(400, "a medium is {path, content, encoding: base64}")
        target = place(asset.get("path"), folder)
        if target.kind != "media":
            raise Refused(400, f"'{target.repo_path}' is not a file under {MEDIA}/")
        if len(asset["content"]) > (MAX_MEDIA_BYTES // 3 + 1) * 4:
            raise Refused(413, f"'{target.repo_path}' is larger than {MAX_MEDIA_BYTES >> 20} MB")
        try:
            data = base64.b64decode(asset["content"], validate=True)
        except (binascii.Error, ValueError):
            raise Refused(400, f"'{target.repo_path}': the content is not base64") from None
        _refuse_active(target, data)
        return target, data

    def persist_media(self, params: dict, folder: str) -> dict:
        with self._writing:
            target, data = self._asset(params.get("asset"), folder)
            self.files.write(target, data)
        return self._medium(target)

    def delete_file(self, params: dict, folder: str) -> dict:
        return self._delete([params.get("path")], folder)

    def delete_files(self, params: dict, folder: str) -> dict:
        paths = params.get("paths")
        if not isinstance(paths, list) or not paths:
            raise Refused(400, "'paths' must be a list of paths")
        return self._delete(paths, folder)

    def _delete(self, paths: list, folder: str) -> dict:
        with self._writing:
            targets = [place(path, folder) for path in paths]
            for target in targets:
                self.files.delete(target)
        return {"message": f"deleted {', '.join(target.repo_path for target in targets)}"}


def _entry_place(path: Any, folder: str) -> Place:
    target = place(path, folder)
    if target.kind == "media":
        raise Refused(400, f"'{target.repo_path}' is a medium, not an entry")
    return target


def _refuse_active(target: Place, data: bytes) -> None:
    """A picture that would run scripts when opened on its own is refused here, as the build refuses it."""
    name = target.parts[-1].lower()
    if not (name.endswith((".svg", ".svgz")) or looks_like_markup(data[:512])):
        return
    errors = [finding for finding in script_findings(data, xml_only=name.endswith(".svg"))
              if finding.severity == "error"]
    if errors:
        raise Refused(400, f"'{target.repo_path}' {errors[0].what}: opened on its own it would run on the "
                           "archive's origin; remove the scripts or upload a PNG")


def _id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_ACTIONS: dict[str, Callable[[LocalBackend, dict, str], Any]] = {
    "info": LocalBackend.info,
    "entriesByFolder": LocalBackend.entries_by_folder,
    "entriesByFiles": LocalBackend.entries_by_files,
    "getEntry": LocalBackend.get_entry,
    "persistEntry": LocalBackend.persist_entry,
    "getMedia": LocalBackend.get_media,
    "getMediaFile": LocalBackend.get_media_file,
    "persistMedia": LocalBackend.persist_media,
    "deleteFile": LocalBackend.delete_file,
    "deleteFiles": LocalBackend.delete_files,
    "getDeployPreview": LocalBackend.deploy_preview,
}

"""The browser editor's settings from site.yaml's `cms:`: which Git host, which repository and
branch, and where the editor's script comes from (cms/ makes admin/ from them).

    cms:
      backend: github            # local (default), github, gitlab or gitea
      repository: owner/name
      branch: main
      folder: content            # where the content folder lies in the repository

`cms:` alone (no keys) gives an editor for `kaffee-site serve` only: the local backend writes
into the content folder on this machine. The script is Decap CMS, by default from a pinned
address on a CDN with its subresource-integrity hash (a changed file is refused by the browser);
`script: static/decap-cms.js` names a copy the archive publishes itself (no third party at all).
Every value is checked here, each problem an error at its line, so a typo never becomes a
broken editor page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

from kaffee_site.errors import Diagnostics
from kaffee_site.text import closest

BACKENDS = ("local", "github", "gitlab", "gitea")
DECAP_VERSION = "3.16.3"
# The pinned release on unpkg (which serves the npm package's files unchanged) and the sha384 of
# its dist/decap-cms.js, as `npm pack decap-cms@3.16.3` holds it (tests/test_cms_config.py
# compares it with the copy `make test` installs).
DEFAULT_SCRIPT = f"https://unpkg.com/decap-cms@{DECAP_VERSION}/dist/decap-cms.js"
DEFAULT_INTEGRITY = "sha384-A/Gdn928CNLufmnGWGs9RM4Q9o8bSNLeJERqBFrBjwzL7FRpoLT3MPF8Tl0+Wd2p"

DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "backend": "local", "repository": None, "branch": "main", "folder": "content", "server": None,
    "app_id": None, "auth_url": None, "script": DEFAULT_SCRIPT, "integrity": None,
})
KEYS = tuple(DEFAULTS)

_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+")  # GitLab groups nest: group/sub/project
_BRANCH = re.compile(r"(?!-)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]+(?<![/.])")
_FOLDER = re.compile(r"(?:[A-Za-z0-9_-][A-Za-z0-9._-]*)(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_ADDRESS = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%-]+)*/?")
# A script's address may name a package version in its path (unpkg's and jsDelivr's 'decap-cms@3.16.3'):
# '@' after the first '/' is part of the path, never user information.
_SCRIPT_ADDRESS = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%@-]+)*")
_APP_ID = re.compile(r"[A-Za-z0-9_.-]{1,200}")
_LOCAL_SCRIPT = re.compile(r"(?:static|media)/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\.m?js")
_INTEGRITY = re.compile(r"(?:sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}")


@dataclass(frozen=True)
class CmsSettings:
    backend: str = DEFAULTS["backend"]
    repository: str | None = None  # 'owner/name' on the Git host
    branch: str = DEFAULTS["branch"]
    folder: str = DEFAULTS["folder"]  # the content folder's path in the repository; '' at its root
    server: str | None = None  # a self-hosted GitLab, Gitea or GitHub Enterprise: https://git.example.org
    app_id: str | None = None  # the OAuth application's id (GitLab, Gitea: PKCE, no server of our own)
    auth_url: str | None = None  # an OAuth client that signs in to GitHub (or GitLab without app_id)
    script: str = DEFAULT_SCRIPT  # https://… with `integrity`, or a path of the built archive
    integrity: str | None = DEFAULT_INTEGRITY
    place: tuple[str, int | None] = ("", None)  # site.yaml and the line of `script`, for a missing copy

    @property
    def local_script(self) -> bool:
        """Whether the script is a file of the archive itself (static/… or media/…)."""
        return not self.script.startswith("https://")

    def path(self, rel: str) -> str:
        """A path inside the content folder as the repository names it: 'content/sessions'."""
        return f"{self.folder}/{rel}" if self.folder else rel


def cms_settings_from(value: Any, lines: Mapping[tuple, int], path: str, diag: Diagnostics) -> CmsSettings | None:
    """Read and check site.yaml's `cms:`; None when it is unusable (an error is reported)."""
    if value is None:  # `cms:` with nothing below it: the defaults, an editor for `serve`
        return CmsSettings(place=(path, lines.get(("cms",))))
    if not isinstance(value, Mapping):
        diag.error(path, lines.get(("cms",)), "'cms' must be a mapping of settings",
                   "write 'cms:' and below it e.g. '  backend: github' and '  repository: owner/name'")
        return None
    line = lambda key: lines.get(("cms", key)) or lines.get(("cms",))  # noqa: E731
    for key in value:
        if key not in KEYS:
            near = closest(str(key), KEYS)
            diag.warning(path, line(key), f"unknown key '{key}' under 'cms'",
                         f"did you mean '{near}'?" if near else f"the keys are {', '.join(KEYS)}")
    values: dict[str, Any] = {}
    ok = True
    for key in KEYS:
        if key not in value or value[key] is None:
            continue
        given = value[key]
        problem = _problem(key, given)
        if problem:
            diag.error(path, line(key), f"'cms.{key}' {problem[0]}", problem[1])
            ok = False
        else:
            values[key] = given.strip().rstrip("/") if key in ("server", "auth_url") else given.strip()
    if "integrity" not in values:  # the pinned script's own hash; any other needs one written
        values["integrity"] = DEFAULT_INTEGRITY if values.get("script", DEFAULT_SCRIPT) == DEFAULT_SCRIPT else None
    ok = _check_together(values, line, path, diag) and ok
    if not ok:
        return None
    values.setdefault("folder", DEFAULTS["folder"])
    values["folder"] = "" if values["folder"] in ("", ".") else values["folder"].strip("/")
    return CmsSettings(**values, place=(path, line("script")))


def _problem(key: str, value: Any) -> tuple[str, str] | None:
    """(what is wrong, hint) with one value, or None."""
    if not isinstance(value, str) or (not value.strip() and key != "folder"):
        return "must be text", f"write e.g. '  {key}: {_EXAMPLES[key]}'"
    text = value.strip()
    if key == "backend" and text not in BACKENDS:
        return f"is '{text}', not one of {', '.join(BACKENDS)}", "local edits only with `kaffee-site serve`; " \
            "the others publish through that Git host"
    if key == "repository" and (not _REPOSITORY.fullmatch(text) or any(part in (".", "..") for part in text.split("/"))):
        return f"'{text}' is not 'owner/name'", "write the repository as its address names it, e.g. 'kreis-x/kaffee'"
    if key == "branch" and not _BRANCH.fullmatch(text):
        return f"'{text}' is not a branch name", "write e.g. 'main'"
    if key == "folder" and text not in ("", ".") and not _FOLDER.fullmatch(text.strip("/")):
        return f"'{text}' is not a folder inside the repository", \
            "write the content folder's path from the repository's top, e.g. 'content' (no '..')"
    if key in ("server", "auth_url") and not _ADDRESS.fullmatch(text):
        return f"'{text}' is not an https:// address", f"write e.g. '{_EXAMPLES[key]}'"
    if key == "app_id" and not _APP_ID.fullmatch(text):
        return "is not an application id", "copy the id of the OAuth application from the Git host's settings"
    if key == "script" and not (_SCRIPT_ADDRESS.fullmatch(text) or _LOCAL_SCRIPT.fullmatch(text)):
        return f"'{text}' is neither an https:// address nor a .js file under static/ or media/", \
            f"leave it out for the pinned Decap CMS {DECAP_VERSION}, or write e.g. 'static/decap-cms.js'"
    if key == "integrity" and not _INTEGRITY.fullmatch(text):
        return "is not a subresource-integrity hash", "write it as 'sha384-…' (base64), as the CDN's page shows it"
    return None


def _check_together(values: dict[str, Any], line, path: str, diag: Diagnostics) -> bool:
    backend = values.get("backend", DEFAULTS["backend"])
    ok = True
    if backend != "local" and "repository" not in values:
        diag.error(path, line("backend"), f"the {backend} backend needs 'cms.repository'",
                   "add '  repository: owner/name' below 'cms:'")
        ok = False
    if backend == "gitea":
        for key in ("server", "app_id"):
            if key not in values:
                diag.error(path, line("backend"), f"the gitea backend needs 'cms.{key}'",
                           f"add '  {key}: {_EXAMPLES[key]}' below 'cms:' (see the README's Gitea setup)")
                ok = False
    script = values.get("script", DEFAULT_SCRIPT)
    if not script.startswith("https://") and values.get("integrity"):
        diag.warning(path, line("integrity"), "'cms.integrity' is not used for a script of the archive itself",
                     "remove it: the archive's own file needs no hash")
        values["integrity"] = None
    elif script.startswith("https://") and not values.get("integrity"):
        diag.error(path, line("script"), "'cms.script' from another address needs 'cms.integrity'",
                   "add its sha384 hash, so a changed file is never run (or leave out 'script' for the pinned one)")
        ok = False
    return ok


_EXAMPLES = {
    "backend": "github", "repository": "owner/name", "branch": "main", "folder": "content",
    "server": "https://git.example.org", "app_id": "a1b2c3", "auth_url": "https://auth.example.org",
    "script": "static/decap-cms.js", "integrity": "sha384-…",
}

"""Where this kaffee-site came from, as a line of requirements.txt that installs the same tool in CI.

pip records how it installed a distribution from anything but an index in `direct_url.json`
(PEP 610) inside its .dist-info folder. From that:

- no record: installed from a package index, so the release exists there: `kaffee-site==0.1.0`;
- a version control URL: `kaffee-site @ git+https://…@<commit>`, pinned to the commit installed;
- a wheel or sdist at a web address: `kaffee-site @ https://…`, with its hash where pip kept one;
- a local wheel: copied into the archive (`vendor/`), and the requirement names that copy, so CI
  installs the very file installed here without a release;
- a local folder (`pip install ./kaffee-site`): a wheel is built from it into `vendor/` (pip
  wheel) and named the same way; an editable install (a developer's checkout) and a failed build
  get the version pin, with a warning that CI can install it only once it is released.

The caller (init.py) writes the line; this module never prints.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kaffee_site.errors import UsageError

NAME = "kaffee-site"
VENDOR = "vendor"  # inside the new archive


@dataclass(frozen=True)
class Requirement:
    line: str  # for requirements.txt
    how: str  # one line for the person running init: where CI will install the tool from
    vendored: tuple[Path, ...] = ()  # files to copy into the archive's vendor/ folder
    warning: str | None = None


def installed_requirement(build_folder: Path) -> Requirement:
    """The requirement for this installation; a wheel built from a source folder goes to `build_folder`."""
    try:
        dist = metadata.distribution(NAME)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        from kaffee_site import __version__
        return _pinned(__version__, f"{NAME} is not installed (run from its source): pinned to the version")
    return requirement_for(dist.version, dist.read_text("direct_url.json"), build_folder)


def requirement_for(version: str, direct_url: str | None, build_folder: Path) -> Requirement:
    """The requirement from PEP 610's direct_url.json (None: installed from an index)."""
    if not direct_url:
        return Requirement(f"{NAME}=={version}", f"CI installs the release {version} from the package index")
    try:
        record = json.loads(direct_url)
        url = record["url"]
    except (ValueError, KeyError, TypeError):
        return _pinned(version, "pip's record of this installation (direct_url.json) cannot be read")
    if isinstance(record.get("vcs_info"), dict):
        vcs = record["vcs_info"]
        commit = vcs.get("commit_id") or vcs.get("requested_revision")
        line = f"{NAME} @ {vcs.get('vcs', 'git')}+{url}" + (f"@{commit}" if commit else "")
        return Requirement(line, f"CI installs the same commit from {url}")
    parts = urlsplit(url)
    if isinstance(record.get("archive_info"), dict):
        if parts.scheme != "file":
            hashed = record["archive_info"].get("hash")
            return Requirement(f"{NAME} @ {url}" + (f"#{hashed}" if hashed else ""), f"CI installs it from {url}")
        wheel = Path(unquote(parts.path))
        if wheel.is_file() and wheel.name.endswith(".whl"):
            return Requirement(f"./{VENDOR}/{wheel.name}",
                               f"CI installs the wheel installed here, copied to {VENDOR}/{wheel.name}: commit it",
                               (wheel,))
        return _pinned(version, f"the file it was installed from is gone ({wheel})")
    if isinstance(record.get("dir_info"), dict) and parts.scheme == "file":
        if record["dir_info"].get("editable"):  # a developer's checkout, changing under their hands
            return _pinned(version, f"{NAME} is installed in editable mode from {unquote(parts.path)}")
        return _built_wheel(version, Path(unquote(parts.path)), build_folder)
    return _pinned(version, f"pip's record names no source CI could use ({url})")


def _built_wheel(version: str, source: Path, build_folder: Path) -> Requirement:
    """Installed from a folder on this machine, which CI cannot reach: a wheel of it goes with the archive."""
    build_folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
               "--disable-pip-version-check", "-w", str(build_folder), str(source)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as err:
        return _pinned(version, f"no wheel could be built from {source} ({err})")
    wheels = sorted(build_folder.glob("kaffee_site-*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        reason = (done.stderr.strip().splitlines() or ["pip wheel failed"])[-1]
        return _pinned(version, f"no wheel could be built from {source} ({reason})")
    return Requirement(f"./{VENDOR}/{wheels[0].name}",
                       f"CI installs a wheel built from {source}, in {VENDOR}/{wheels[0].name}: commit it",
                       (wheels[0],))


def _pinned(version: str, why: str) -> Requirement:
    return Requirement(f"{NAME}=={version}", f"requirements.txt pins {NAME}=={version}",
                       warning=f"{why}; CI can install {NAME}=={version} only once that release is on the "
                               "package index: write a wheel file or a git address into requirements.txt instead")


def vendor(requirement: Requirement, archive: Path) -> list[str]:
    """Copy the requirement's files into the archive; returns their paths inside it (kept when there)."""
    written = []
    for path in requirement.vendored:
        target = archive / VENDOR / path.name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                shutil.copyfile(path, target)
                written.append(f"{VENDOR}/{path.name}")
        except OSError as err:
            raise UsageError(f"{err.filename or target}: cannot write it: {err.strerror}") from None
    return written

"""The browser editor's script, when the archive publishes its own copy (`cms: script:
static/…js`): a name that no file of the build has would leave admin/ an empty page, so it is
a warning at its line in site.yaml (the readers' pages are not touched, the build goes on)."""

from __future__ import annotations

from kaffee_site.errors import Diagnostics
from kaffee_site.model import Site


def check_editor_script(site: Site, planned: set[str], found: Diagnostics) -> None:
    settings = site.config.cms
    if settings is None or not settings.local_script or settings.script in planned:
        return
    path, line = settings.place
    found.warning(path, line, f"'cms.script' names {settings.script}, which the build does not write: "
                              "the editor page would stay empty",
                  "copy Decap CMS's dist/*.js into templates/static/… as the README's 'Editing in the browser' "
                  "says, or leave out 'script' for the pinned copy")

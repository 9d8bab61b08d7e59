"""admin/index.html and admin/admin.js: the page that loads Decap CMS, and our part of it.

The CMS script is loaded by this page alone, never by a reader's page: from the pinned address
with its integrity hash (the browser refuses a changed file, and sends no referrer), or from the
archive's own copy. admin.js registers the `kaffee-name` widget and the archive's stylesheet and
colours for the preview, then starts the CMS; `kaffee-site serve` adds one script before it that
points the CMS at its local backend (serve/cms_backend.py), which is never written to a file.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files

from kaffee_site.cms.decap import form_rules
from kaffee_site.cms.words import word
from kaffee_site.i18n import catalogue
from kaffee_site.model import Site

SETTINGS_ID = "kaffee-cms"  # the <script type="application/json"> admin.js reads
# where `serve` puts its script (serve/cms_backend.py): before anything of the CMS runs
LOCAL_MARK = b"<!-- kaffee-site serve: local backend -->"


def admin_js() -> bytes:
    return files("kaffee_site.cms").joinpath("admin.js").read_bytes()


def admin_page(site: Site) -> bytes:
    config = site.config
    settings = config.cms
    assert settings is not None, "admin/ is made only for an archive with `cms:`"
    words = catalogue(config.language)
    if settings.local_script:
        script = f'<script src="{html.escape(config.url(settings.script))}"></script>'
    else:  # no referrer: the CDN learns of an editor's visit, not of the archive it edits
        script = (f'<script src="{html.escape(settings.script)}" integrity="{html.escape(settings.integrity or "")}" '
                  'crossorigin="anonymous" referrerpolicy="no-referrer"></script>')
    data = {"style": config.url("static/style.css"), "css": config.theme.css, **form_rules(site),
            "failed": word(words, "The editor could not be loaded: check the connection, or 'cms: script' "
                                  "in site.yaml.")}
    title = f"{word(words, 'Editor')} – {config.title}"
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(config.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex, nofollow">',
        f"<title>{html.escape(title)}</title>",
        '<link rel="cms-config-url" type="text/yaml" href="config.yml">',
        f'<link rel="icon" href="{html.escape(config.url("static/favicon.svg"))}" type="image/svg+xml">',
        LOCAL_MARK.decode(),
        "<script>window.CMS_MANUAL_INIT = true;</script>",
        f'<script type="application/json" id="{SETTINGS_ID}">{_json_for_script(data)}</script>',
        "</head>",
        "<body>",
        f"<noscript>{html.escape(word(words, 'This editor needs JavaScript.'))}</noscript>",
        script,
        '<script src="admin.js"></script>',
        "</body>",
        "</html>",
        "",
    ]).encode("utf-8")


def _json_for_script(value: object) -> str:
    """JSON safe inside <script>: no value can close the tag."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))

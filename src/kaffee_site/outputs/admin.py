"""admin/: the browser editor (Decap CMS) of an archive whose site.yaml has `cms:` (cms/).

Made on every build like any other output, so its forms never drift from the schema and the
names it offers are the archive's own. Not a reader's page: no link leads there, the sitemap
leaves it out, and the page asks search engines not to index it.
"""

from __future__ import annotations

from kaffee_site.cms.decap import config_text
from kaffee_site.cms.page import admin_js, admin_page
from kaffee_site.model import Site
from kaffee_site.outputs.kind import PageSpec

FOLDER = "admin"


def _script(site: Site) -> bytes:
    return admin_js()


def plan(site: Site, planned: list[PageSpec]) -> list[PageSpec]:
    if site.config.cms is None:
        return []
    return [PageSpec(f"{FOLDER}/", "", producer=admin_page),
            PageSpec(f"{FOLDER}/config.yml", "", producer=config_text),
            PageSpec(f"{FOLDER}/admin.js", "", producer=_script)]

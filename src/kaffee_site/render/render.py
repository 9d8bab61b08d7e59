"""Stage 4, render: the Site model -> output files, as pure functions of the model.

Templates come from the Theme (theme.py, which knows Jinja2) and are compiled once; each
page is rendered from the immutable Site plus a small per-page context. Nothing here
changes the model ("which page is active" is passed in, never flagged on shared records).
What there is to render comes from the output kinds (outputs/kind.py): each plans its own
outputs and offers its own template helpers, so this module names none of them.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from kaffee_site.model import Site
from kaffee_site.outputs.kind import Output, PageSpec, kinds
from kaffee_site.render.theme import STATIC_DIR, Theme


def plan_pages(site: Site) -> list[PageSpec]:
    """Every output of the archive that is rendered, in a fixed order: each output kind
    (outputs/kind.py) plans its own, seeing what the kinds before it planned."""
    specs: list[PageSpec] = []
    for kind in kinds():
        if hasattr(kind, "plan"):
            specs += kind.plan(site, specs)
    return specs


def render_page(site: Site, theme: Theme, spec: PageSpec) -> Output:
    if spec.producer is not None:
        return Output(spec.path, spec.producer(site, **dict(spec.context)))
    html = theme.render(spec.template, **_globals(site), page_url=spec.url_path, **dict(spec.context))
    return Output(spec.path, html.encode("utf-8"))


def static_outputs(theme: Theme) -> Iterator[Output]:
    for rel, path in theme.static_files():
        yield Output(f"{STATIC_DIR}/{rel}", source=path)


def support_outputs(site: Site, theme: Theme) -> Iterator[Output]:
    """Every output that is not rendered (theme files): copied as they are on every build."""
    yield from static_outputs(theme)


def nobreak(text: Any) -> str:
    """Typography: '5. September 2024', 'Nr. 4' and '10:00 Uhr' never break across lines."""
    return str(text).replace(" ", "\u00a0")


def nobreak_numbers(text: Any) -> str:
    """A number stays with the word after it ('4 Sitzungen'); the rest of the text may wrap."""
    return re.sub(r"(\d) ", "\\1\u00a0", str(text))


def _globals(site: Site) -> dict[str, Any]:
    config = site.config
    names: dict[str, Any] = {
        "site": site,
        "config": config,
        "url": config.url,
        "paths": config.urls,  # folder names: url(paths.sessions ~ '/')
        "absolute_url": config.absolute_url,
        "nobreak": nobreak,
        "nobreak_numbers": nobreak_numbers,
    }
    for kind in kinds():  # each kind's helpers ('feed_entries', 'preview', ...), bound to this site
        if hasattr(kind, "template_globals"):
            names.update(kind.template_globals(site))
    return names

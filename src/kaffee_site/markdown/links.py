"""Links and images the editor wrote: site paths get the archive's base path, a link to
'#ausblick' leads to the heading's prefixed id, and every link and image is recorded with its
line (env["links"]) for the checks of the link stage and `check`."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from kaffee_site.markdown.body import BodyLink
from kaffee_site.markdown.heading_ids import HEADING_ID_PREFIX
from kaffee_site.markdown.tokens import inline_tokens

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("kaffee_links", _link_rule)


def _link_rule(state: StateCore) -> None:
    env = state.env
    for inline, line, _ in inline_tokens(state):
        for child in inline.children or ():
            if child.type == "link_open":
                _rewrite_href(child, "href", line, env)
            elif child.type == "image":
                _rewrite_href(child, "src", line, env, alt=child.content)


def media_path(href: str) -> str:
    """'media/fotos/a%20b.jpg' or '/media/…' -> 'fotos/a b.jpg', the name media/ lists (NFC)."""
    path = unquote(href.lstrip("/").split("#")[0].split("?")[0])
    return unicodedata.normalize("NFC", path[len("media/"):])


def _rewrite_href(token: Token, attr: str, line: int, env: dict, alt: str = "") -> None:
    """Site paths ('/sitzungen/x/', 'media/a.png') get the base path; all are recorded for checks."""
    href = str(token.attrs.get(attr, ""))
    external = href.startswith("//") or bool(_SCHEME.match(href))
    if href.startswith("#") and attr == "href":
        # '[oben](#unterlagen)' names the heading as the editor sees it: point it at its prefixed id
        ids = env.get("heading_ids")
        if ids is None:  # once per body: the headings are all known when links run
            ids = env["heading_ids"] = {h.id for h in env["headings"]}
        if href[1:] not in ids and HEADING_ID_PREFIX + href[1:] in ids:
            token.attrs[attr] = "#" + HEADING_ID_PREFIX + href[1:]
        return
    if not href or href.startswith("#") or (external and attr != "src"):
        return
    env["links"].append(BodyLink(href, line, is_image=attr == "src", alt=alt, external=external))
    if external:
        return
    base = env["ctx"].base_path
    if attr == "src" and href.lstrip("/").startswith("media/"):  # a picture of the content (images.py)
        token.meta = {**(token.meta or {}), "media": media_path(href)}
    if href.startswith("/"):
        token.attrs[attr] = base + href.lstrip("/")
    elif href.startswith("media/"):
        token.attrs[attr] = base + href

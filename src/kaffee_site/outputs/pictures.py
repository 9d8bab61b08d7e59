"""How pages show pictures: `<picture>` with a `srcset` per format, `sizes` from the theme's
layout, `width` and `height` from the picture itself (so the text never jumps when it loads),
`loading="lazy"` below the fold and `decoding="async"` (the files: images/).

Template helpers (each returns HTML for `| safe`; everything from the content is escaped):

    picture(src, alt, role='body')   a picture of media/ ('lead': a session's image, at the top
                                     and loaded at once; 'body': lazily; 'logo': the header logo)
    body_html(body)                  a Markdown body with its images of media/ shown this way

A picture the build could not use is left out (its problem was reported); a path no picture
is known for (a missing file, reported by `check`) keeps the plain <img> the body has. `sizes`
describes the default theme's column (46rem, 1rem padding): a theme with another layout passes
its own (`picture(src, alt, sizes='...')`).
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import quote

from kaffee_site.images.plan import logo_width
from kaffee_site.markdown.body import Body
from kaffee_site.model import Picture, Rendition, Site

COLUMN_SIZES = "(min-width: 46rem) 44rem, calc(100vw - 2rem)"
FALLBACK_WIDTH = 960  # the fallback's `src`, for browsers that know no srcset (feed readers)


def template_globals(site: Site) -> dict[str, Any]:
    return {"picture": lambda src, alt, role="body", sizes=None: picture(site, src, alt, role, sizes),
            "body_html": lambda body: body_html(site, body)}


def picture(site: Site, src: str, alt: str, role: str = "body", sizes: str | None = None) -> str:
    """The markup that shows the picture at `src` (inside media/); '' when it cannot be shown."""
    found = site.image(src)
    if found is None:  # no picture known there: the file as it is (a missing one is check's to report)
        return _img(_link(site.config.url, f"media/{src}"), alt, role)
    return picture_html(site.config.url, found, alt, role, sizes=sizes)


def body_html(site: Site, body: Body | None) -> str:
    """The body's HTML with each image of media/ shown as picture() shows it."""
    if body is None:
        return ""
    if not body.images:
        return body.html
    out, done = [], 0
    for image in body.images:
        out.append(body.utf8[done:image.start])
        found = site.image(image.src)
        shown = picture_html(site.config.url, found, image.alt, "body", image.title) if found is not None \
            else body.utf8[image.start:image.end].decode("utf-8")
        out.append(shown.encode("utf-8"))
        done = image.end
    out.append(body.utf8[done:])
    return b"".join(out).decode("utf-8")


def picture_html(url: Callable[[str], str], found: Picture, alt: str, role: str, title: str = "", sizes: str | None = None) -> str:
    if not found.usable:
        return ""
    size = (found.width, found.height) if found.width and found.height else None
    if found.vector or not found.sources:
        return _img(_link(url, f"media/{found.src}"), alt, role, size, title)
    if sizes is None:
        sizes = f"{logo_width(found.width, found.height)}px" if role == "logo" else COLUMN_SIZES
    *modern, (_, fallback) = found.sources
    sources = "".join(f'<source type="{mime}" srcset="{_srcset(url, renditions)}" sizes="{escape(sizes)}">'
                      for mime, renditions in modern)
    shown = _fallback(fallback, role)
    img = _img(_link(url, shown.path), alt, role, size, title,
               extra=f' srcset="{_srcset(url, fallback)}" sizes="{escape(sizes)}"' if len(fallback) > 1 else "")
    return f"<picture>{sources}{img}</picture>"


def _img(src: str, alt: str, role: str, size: tuple[int, int] | None = None, title: str = "",
         extra: str = "") -> str:
    attrs = f'src="{escape(src)}"{extra}'
    if size:
        attrs += f' width="{size[0]}" height="{size[1]}"'
    attrs += f' alt="{escape(alt)}"'
    if title:
        attrs += f' title="{escape(title)}"'
    if role == "logo":
        attrs += ' class="site-logo"'
    # the session's image and the logo stand at the top: loaded at once; the rest as it comes near
    attrs += ' decoding="async"' if role in ("lead", "logo") else ' loading="lazy" decoding="async"'
    return f"<img {attrs}>"


def _srcset(url: Callable[[str], str], renditions: tuple[Rendition, ...]) -> str:
    return escape(", ".join(f"{_link(url, r.path)} {r.width}w" for r in renditions))


def escape(text: str) -> str:
    """Text for an attribute value, escaped as the templates escape it (Jinja's &#34; and &#39;)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def _link(url: Callable[[str], str], path: str) -> str:
    """The URL of an output file: a space or comma in a name would split a srcset entry."""
    return url(quote(path, safe="/"))


def _fallback(renditions: tuple[Rendition, ...], role: str) -> Rendition:
    """The fallback's own `src`: the logo's smallest, else the largest up to FALLBACK_WIDTH."""
    if role == "logo":
        return renditions[0]
    fitting = [r for r in renditions if r.width <= FALLBACK_WIDTH]
    return fitting[-1] if fitting else renditions[0]

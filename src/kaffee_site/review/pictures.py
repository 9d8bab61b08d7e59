"""Pictures shown larger than they are (images/ makes their files; this says when one will
look blurred), and links to pictures that are not published as files of their own."""

from __future__ import annotations

from typing import Mapping

from kaffee_site.content.load import SourceDoc
from kaffee_site.errors import Diagnostics
from kaffee_site.images.plan import LOGO_HEIGHT, TEXT_COLUMN
from kaffee_site.images.work import is_raster
from kaffee_site.model import Site


def check_picture_sizes(site: Site, docs: Mapping[str, SourceDoc], found: Diagnostics) -> None:
    """A session's picture spans the text column, the logo stands 36 px high: a smaller one is
    stretched to that."""
    for session in site.sessions:
        picture = site.image(session.image.src) if session.image else None
        if picture is not None and picture.usable and not picture.vector and picture.width < TEXT_COLUMN:
            doc = docs.get(session.rel)
            found.warning(session.source, doc.line_of("image", "src") if doc else None,
                          f"the picture 'media/{picture.src}' is {picture.width} px wide but shown "
                          f"{TEXT_COLUMN} px wide: it will look blurred",
                          f"use a picture at least {TEXT_COLUMN} px wide ({2 * TEXT_COLUMN} px for sharp screens)")
    theme = site.config.theme
    logo = site.image(theme.logo) if theme.logo else None
    if logo is not None and logo.usable and not logo.vector and logo.height < LOGO_HEIGHT:
        found.warning(*theme.logo_place, f"the logo 'media/{logo.src}' is {logo.height} px high but shown "
                      f"{LOGO_HEIGHT} px high: it will look blurred",
                      f"use a logo at least {LOGO_HEIGHT} px high ({2 * LOGO_HEIGHT} px for sharp screens), or an SVG")


def unpublished_pictures(site: Site) -> set[str]:
    """Output paths ('media/x.jpg') of raster pictures that are not published as they are."""
    return set() if site.config.images.originals else {f"media/{m}" for m in site.media if is_raster(m)}

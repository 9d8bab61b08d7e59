"""Theme settings from site.yaml's `theme:`: colours, a logo and footer links.

    theme:
      accent: "#0b5cad"        # links, buttons, borders; background and text likewise
      background: "#ffffff"
      accent_dark: "#8ab8ff"   # the same for readers whose system is set to dark
      logo: logo.svg           # a file in content/media/, shown before the title
      footer_links:
        - title: Kontakt
          url: https://example.org/kontakt

Colours reach the stylesheet as CSS custom properties (`--accent`, `--bg`, `--fg` and the
shades made from them), written into each page's <head>: the stylesheet itself is never
copied. Every colour is checked: something that is not `#rgb`/`#rrggbb` is an error at its
line, and so is a pair that falls below WCAG AA contrast (4.5:1 for text) in what the theme
shows: text, links and buttons on the background, and on the tinted header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

from kaffee_site.errors import Diagnostics

# The default theme's palette, as in templates/static/style.css (a test keeps them equal).
LIGHT = MappingProxyType({"bg": "#fdfbf7", "fg": "#1f1b16", "muted": "#5b5248", "accent": "#7a3e12",
                          "accent-bg": "#f3e6d8", "line": "#d9cfc3", "card": "#ffffff"})
DARK = MappingProxyType({"bg": "#1b1814", "fg": "#f1ebe3", "muted": "#c5b9ab", "accent": "#f0b27a",
                         "accent-bg": "#3a2d21", "line": "#4a4036", "card": "#24201b"})
SCHEMES = (("", LIGHT, "light"), ("_dark", DARK, "dark"))
SETTINGS = {"accent": "accent", "background": "bg", "text": "fg"}  # setting -> custom property
KEYS = (*(name + suffix for suffix, _, _ in SCHEMES for name in SETTINGS), "logo", "footer_links")
AA = 4.5  # WCAG 2.x AA, normal text

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_MEDIA_FILE = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*/)*[A-Za-z0-9_][A-Za-z0-9_.-]*\.(?:svg|png|jpe?g|webp|gif|avif)$")
_LINK = re.compile(r"^(?:https?://[^\s/]+\S*|mailto:\S+|/\S*)$")


@dataclass(frozen=True)
class FooterLink:
    title: str
    url: str  # http(s)://…, mailto:… or a path inside the archive ('/kontakt/')

    @property
    def internal(self) -> bool:
        return self.url.startswith("/")


@dataclass(frozen=True)
class Appearance:
    light: tuple[tuple[str, str], ...] = ()  # (custom property, colour) where they differ from the default
    dark: tuple[tuple[str, str], ...] = ()
    logo: str | None = None  # inside media/
    footer_links: tuple[FooterLink, ...] = ()
    logo_place: tuple[str, int | None] = ("", None)  # site.yaml and line, for a missing file

    @property
    def css(self) -> str:
        """The custom properties for a <style> element; empty when the default colours stay."""
        blocks = []
        for scheme, values in (("light", self.light), ("dark", self.dark)):
            if values:
                props = " ".join(f"--{name}: {value};" for name, value in values)
                blocks.append(f"@media (prefers-color-scheme: {scheme}) {{ :root {{ {props} }} }}")
        return "\n".join(blocks)


def appearance_from(value: Any, lines: Mapping[tuple, int], path: str, diag: Diagnostics) -> Appearance:
    """Read and check site.yaml's `theme:` mapping."""
    if value is None:
        return Appearance()
    if not isinstance(value, Mapping):
        diag.error(path, lines.get(("theme",)), "'theme' must be a mapping of settings",
                   "write 'theme:' and below it e.g. '  accent: \"#0b5cad\"'")
        return Appearance()
    for key in value:
        if key not in KEYS:
            diag.warning(path, lines.get(("theme", key)), f"unknown key '{key}' under 'theme'",
                         f"the keys are {', '.join(KEYS)}")
    light = _palette(value, "", LIGHT, lines, path, diag)
    dark = _palette({**value, **_dark_from_light(value)}, "_dark", DARK, lines, path, diag)
    return Appearance(light, dark, _logo(value, lines, path, diag),
                      _footer_links(value.get("footer_links"), lines, path, diag),
                      (path, lines.get(("theme", "logo"))))


def check_logo(appearance: Appearance, media: tuple[str, ...], diag: Diagnostics) -> None:
    """The logo must be one of the content's media files (checked once the files are known)."""
    if appearance.logo and appearance.logo not in media:
        diag.error(*appearance.logo_place, f"the logo 'media/{appearance.logo}' does not exist",
                   "put the file into the content's media/ folder or correct the name")


# --- colours ----------------------------------------------------------------------------------

def _palette(value: Mapping, suffix: str, default: Mapping[str, str], lines: Mapping[tuple, int],
             path: str, diag: Diagnostics) -> tuple[tuple[str, str], ...]:
    """The custom properties one scheme changes: those set, and the shades made from them."""
    given: dict[str, str] = {}
    for setting, prop in SETTINGS.items():
        key = setting + suffix
        if key in value:
            colour = value[key]
            if isinstance(colour, str) and _HEX.match(colour.strip()):
                given[prop] = _expand(colour.strip())
            else:
                diag.error(path, lines.get(("theme", key)), f"'theme.{key}' must be a colour like '#0b5cad', "
                           f"not {colour!r}", "write it as #rrggbb in quotes: the '#' starts a comment otherwise")
    if not given:
        return ()
    colours = {**default, **given}
    bg, fg, accent = colours["bg"], colours["fg"], colours["accent"]
    if {"accent", "bg"} & set(given):
        colours["accent-bg"] = mix(accent, bg, 0.14)
    if {"fg", "bg"} & set(given):
        colours["muted"] = mix(fg, bg, 0.72)
        colours["line"] = mix(fg, bg, 0.22)
        colours["card"] = mix("#ffffff", bg, 0.5) if suffix == "" else mix(fg, bg, 0.06)
    _check_contrast(colours, given, suffix, lines, path, diag)
    return tuple(sorted((name, colour) for name, colour in colours.items() if colour != default[name]))


DARK_ACCENT_CONTRAST = 7.0  # what a derived dark accent aims for: the default's is about 9:1


def _dark_from_light(value: Mapping) -> dict[str, str]:
    """The dark settings made from the light ones when site.yaml gives no dark one: without them
    the default theme's brown dark palette would show under an archive's own colours. The
    background keeps the light one's tint, made dark; the text is the light background; the
    accent keeps its hue, lightened until it reads well on the dark background."""
    if any(key.endswith("_dark") for key in value if key in KEYS):
        return {}
    light = {prop: _expand(value[setting].strip()) for setting, prop in SETTINGS.items()
             if isinstance(value.get(setting), str) and _HEX.match(value[setting].strip())}
    if not light:
        return {}
    derived: dict[str, str] = {}
    bg = DARK["bg"]
    if {"bg", "fg"} & set(light):
        light_bg = light.get("bg", LIGHT["bg"])
        bg = derived["background_dark"] = mix(light_bg, "#000000", 0.1)
        derived["text_dark"] = mix(light_bg, "#ffffff", 0.5)
    if "accent" in light:
        accent, share = light["accent"], 0.0
        while share < 1 and min(contrast(accent, bg), contrast(accent, mix(accent, bg, 0.14))) < DARK_ACCENT_CONTRAST:
            share += 0.05
            accent = mix("#ffffff", light["accent"], min(share, 1.0))
        derived["accent_dark"] = accent
    return derived


def _check_contrast(colours: Mapping[str, str], given: Mapping[str, str], suffix: str,
                    lines: Mapping[tuple, int], path: str, diag: Diagnostics) -> None:
    names = {"bg": "background", "fg": "text", "accent": "accent", "accent-bg": "tinted header (accent over background)",
             "muted": "secondary text (text over background)"}
    pairs = (("fg", "bg"), ("accent", "bg"), ("muted", "bg"), ("fg", "accent-bg"), ("accent", "accent-bg"))
    for front, back in pairs:
        ratio = contrast(colours[front], colours[back])
        if ratio >= AA:
            continue
        blamed = next((p for p in (front, back, "accent", "fg", "bg") if p in given), "bg")
        setting = {v: k for k, v in SETTINGS.items()}.get(blamed, "background") + suffix
        diag.error(path, lines.get(("theme", setting)),
                   f"the {names[front]} {colours[front]} on the {names[back]} {colours[back]} has a contrast of "
                   f"{ratio:.2f}:1; WCAG AA needs at least {AA}:1",
                   "make the colours differ more in lightness (a darker accent on a light background, or the reverse)")
        return  # one message per scheme: the next pair usually fails for the same reason


def _expand(colour: str) -> str:
    colour = colour.lower()
    return "#" + "".join(ch * 2 for ch in colour[1:]) if len(colour) == 4 else colour


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def mix(front: str, back: str, share: float) -> str:
    """`share` of `front` over `back`, in sRGB (as CSS color-mix in srgb does)."""
    return "#" + "".join(f"{round(f * share + b * (1 - share)):02x}" for f, b in zip(_rgb(front), _rgb(back)))


def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# --- logo and footer links ----------------------------------------------------------------------

def _logo(value: Mapping, lines: Mapping[tuple, int], path: str, diag: Diagnostics) -> str | None:
    logo = value.get("logo")
    if logo is None:
        return None
    if isinstance(logo, str) and _MEDIA_FILE.match(logo.strip().removeprefix("media/")) and ".." not in logo:
        return logo.strip().removeprefix("media/")
    diag.error(path, lines.get(("theme", "logo")), f"'theme.logo' must name an image in media/, not {logo!r}",
               "write the file name inside content/media/, e.g. 'logo: logo.svg'")
    return None


def _footer_links(value: Any, lines: Mapping[tuple, int], path: str, diag: Diagnostics) -> tuple[FooterLink, ...]:
    if value is None:
        return ()
    hint = "write a list of '- title: …' with 'url: https://…' (or a path in the archive, starting with /) below it"
    if not isinstance(value, list):
        diag.error(path, lines.get(("theme", "footer_links")), "'theme.footer_links' must be a list", hint)
        return ()
    links = []
    for index, item in enumerate(value):
        line = lines.get(("theme", "footer_links", index)) or lines.get(("theme", "footer_links"))
        title = item.get("title") if isinstance(item, Mapping) else None
        url = item.get("url") if isinstance(item, Mapping) else None
        if not (isinstance(title, str) and title.strip()):
            diag.error(path, line, f"'theme.footer_links' entry {index + 1} needs a 'title'", hint)
        elif not (isinstance(url, str) and _LINK.match(url.strip())):
            diag.error(path, lines.get(("theme", "footer_links", index, "url")) or line,
                       f"'theme.footer_links' entry {index + 1} needs a 'url' starting with https://, "
                       f"http://, mailto: or /, not {url!r}", hint)
        else:
            links.append(FooterLink(" ".join(title.split()), url.strip()))
    return tuple(links)

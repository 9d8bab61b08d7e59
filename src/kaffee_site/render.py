"""Stage 4, render: the Site model -> output files, as pure functions of the model.

This is the only module that knows Jinja2. Templates are compiled once per theme; each
page is rendered from the immutable Site plus a small per-page context. Nothing here
changes the model ("which page is active" is passed in, never flagged on shared records).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import jinja2

from kaffee_site.errors import KaffeeError
from kaffee_site.model import Site
from kaffee_site.text import german_date, german_month, german_weekday

STATIC_DIR = "static"


@dataclass(frozen=True)
class Output:
    """One file of the archive: its path inside the output folder and its bytes (or a file to copy)."""

    path: str
    data: bytes | None = None
    source: Path | None = None


class TemplateProblem(KaffeeError):
    """A template cannot be compiled or rendered; the message names template and line."""


class Theme:
    """The templates folder: Jinja environment with our filters, compiled once."""

    def __init__(self, folder: Path):
        if not folder.is_dir():
            raise TemplateProblem(f"{folder}: the templates folder does not exist")
        self.folder = folder
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=-1,
        )
        self.env.filters.update(
            german_date=german_date, german_month=german_month, weekday=german_weekday,
            isodate=lambda d: d.isoformat(), json=_json_for_script,
        )

    def render(self, template: str, **context: Any) -> str:
        try:
            return self.env.get_template(template).render(**context)
        except jinja2.TemplateSyntaxError as err:
            raise TemplateProblem(f"{err.filename or template}:{err.lineno}: {err.message}") from None
        except jinja2.TemplateNotFound as err:
            raise TemplateProblem(f"{self.folder}/{err.name}: template not found") from None
        except jinja2.TemplateError as err:
            raise TemplateProblem(f"{self.folder}/{template}: {err}") from None

    def static_files(self) -> list[Path]:
        folder = self.folder / STATIC_DIR
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _json_for_script(value: Any) -> str:
    """JSON safe inside <script>: '<', '>' and '&' escaped, so no value can close the tag."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=None)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def page_path(url_path: str) -> str:
    """'sitzungen/x/' -> 'sitzungen/x/index.html'; '' -> 'index.html'."""
    return url_path + "index.html" if url_path == "" or url_path.endswith("/") else url_path


def render_site(site: Site, theme: Theme) -> Iterator[Output]:
    """Every page of the archive, in a fixed order."""
    base = _globals(site)

    def page(url_path: str, template: str, **context: Any) -> Output:
        html = theme.render(template, **base, page_url=url_path, **context)
        return Output(page_path(url_path), html.encode("utf-8"))

    yield page("", "index.html")
    yield page("sitzungen/", "archive.html")
    for session in site.sessions:
        yield page(session.url_path, "session.html", session=session)
    yield page("themen/", "topics.html")
    for topic in site.topics:
        yield page(topic.url_path, "topic.html", topic=topic)
    yield page("personen/", "people.html")
    for person in site.people:
        yield page(person.url_path, "person.html", person=person)
    yield page("organisationen/", "organisations.html")
    for organisation in site.organisations:
        yield page(organisation.url_path, "organisation.html", organisation=organisation)
    for static_page in site.pages:
        yield page(static_page.url_path, "page.html", page=static_page)
    for old, new in site.redirects.items():
        yield page(old, "redirect.html", target=new)
    yield page("404.html", "404.html")
    for path in theme.static_files():
        yield Output(f"{STATIC_DIR}/{path.relative_to(theme.folder / STATIC_DIR).as_posix()}", source=path)


def _globals(site: Site) -> dict[str, Any]:
    config = site.config
    return {
        "site": site,
        "config": config,
        "url": config.url,
        "absolute_url": config.absolute_url,
    }

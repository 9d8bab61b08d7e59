"""Review: what an editor should look at beyond what the build rejects, for `check` and `serve` alike.

`Review(options)(checked, theme)` looks at a loaded and linked archive and returns what it
finds: links and images in bodies that lead nowhere (links.py), numbering within a series
(numbers.py), unknown and close topic names and the speaker placeholder (names.py), pictures
shown larger than they are and links to unpublished ones (pictures.py), what `new`
left behind (leftovers.py), the browser editor's own copy of its script (editor.py), the legal
pages every page must link (legal.py), addresses the last build published that are gone
(addresses.py), templates that do not compile and outputs that want one path
(media that run scripts are the loader's, content/active_media.py, so a build refuses them too).
`check` prints these problems with those of the load; `serve` runs the very same review after every save (the engine's `review` hook), so the two
never disagree. A Review may be kept across runs: it remembers only what is keyed by content
(the theme's digest).

The engine runs it through its `review` hook, never by name. May import engine.py, reuse/,
publish/ (the output folder's marker), render/, outputs/, content/, markdown/, images/, model.py,
skeleton.py and the base modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from kaffee_site.engine import LoadedSite
from kaffee_site.errors import Diagnostics, Problem
from kaffee_site.model import Site
from kaffee_site.options import BuildOptions
from kaffee_site.outputs.kind import PageSpec
from kaffee_site.publish.folders import OUTPUT_MARKER
from kaffee_site.render.render import plan_pages
from kaffee_site.render.template_errors import compile_problems
from kaffee_site.images.work import picture_paths
from kaffee_site.render.theme import STATIC_DIR, Theme
from kaffee_site.reuse.addresses import given_addresses, last_built
from kaffee_site.review.addresses import check_addresses
from kaffee_site.review.editor import check_editor_script
from kaffee_site.review.leftovers import check_editor_leftovers
from kaffee_site.review.legal import LegalLinks
from kaffee_site.review.links import check_image_alt, check_links
from kaffee_site.review.names import check_placeholder_speakers, check_topics
from kaffee_site.review.numbers import check_numbers
from kaffee_site.review.placeholders import check_placeholders
from kaffee_site.text import fold
from kaffee_site.review.pictures import check_picture_sizes, unpublished_pictures


class Review:
    """The checks of `check` for one archive (its options); callable once per run.

    The addresses the last build published come from the build cache's copy, read on every
    call (a `build` in another terminal while `serve` runs counts at once); `published` names
    more files of them (`check --published`), read now."""

    def __init__(self, options: BuildOptions, published: Iterable[Path] = ()):
        self.options = options
        self.given = given_addresses(published)
        self.published: dict = {}
        self._compiled: tuple[str, tuple[Problem, ...]] | None = None  # (theme digest, its syntax errors)
        self._legal = LegalLinks()

    def __call__(self, checked: LoadedSite, theme: Theme) -> Diagnostics:
        site, content, found = checked.site, checked.content, Diagnostics()
        self.published = {**last_built(self.options.output_dir), **self.given}
        # the registry already warns about names close to a topic file: one warning per place is enough
        taken = {(p.path, p.line) for p in checked.diagnostics.problems}
        for problem in self._compile_problems(theme):
            found.add(problem)
        specs = plan_pages(site)
        planned = self.planned(site, specs, theme, found)
        check_links(site, planned, found)
        self._legal(site, specs, theme, self.options.content_dir, found)
        check_addresses(site, content, planned, self.published, str(self.options.content_dir), found)
        docs = {doc.rel: doc for doc in content.docs} if content else {}
        if content:
            check_numbers(content, found)
            check_editor_leftovers(site, content, found)
            check_placeholders(content, found)
        check_topics(site, docs, found, taken, self._former_topics())
        check_placeholder_speakers(site, docs, found)
        check_image_alt(site, docs, found)
        check_editor_script(site, planned, found)
        check_picture_sizes(site, docs, found)
        return found

    def planned(self, site: Site, specs: list[PageSpec], theme: Theme, found: Diagnostics) -> set[str]:
        """Every path the build writes (pages, feeds, theme files, media), whether or not a
        template fails to render one of them; two outputs that want one path are an error."""
        paths: set[str] = set()
        for spec in specs:
            if spec.path in paths:
                found.error(spec.path, None, "two outputs want the same path",
                            "a page slug, topic slug or redirect collides with another")
            paths.add(spec.path)
        paths.update(f"{STATIC_DIR}/{rel}" for rel, _ in theme.static_files())
        paths.update(f"media/{rel}" for rel in site.media)
        paths -= unpublished_pictures(site)  # published in their sizes instead (images/)
        paths.update(path for picture in site.images.values() for path in picture_paths(picture))
        paths.add(OUTPUT_MARKER)
        return paths

    def _former_topics(self) -> dict[str, str]:
        """Folded title -> address of each topic a file defined in the last build."""
        return {fold(str(entry.get("name", ""))): path for path, entry in self.published.items()
                if entry.get("kind") == "topic" and entry.get("file")}

    def _compile_problems(self, theme: Theme) -> tuple[Problem, ...]:
        """Syntax errors of every template, also of those no page uses yet; compiled again
        only when a file of the theme changed."""
        digest = theme.digest()
        if self._compiled is None or self._compiled[0] != digest:
            self._compiled = (digest, tuple(compile_problems(theme.env, theme.template_names())))
        return self._compiled[1]

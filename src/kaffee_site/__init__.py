"""kaffee-site: turns Markdown reports of a meeting series into a static HTML archive.

The package reads as the pipeline, imports pointing one way:

    pipeline/  load (files -> SourceDoc) -> parse (typed drafts, Markdown bodies)
               -> link (immutable Site) -> render (pages) -> write (output/)
    outputs/   the output kinds beside the HTML pages (feeds, calendar, open data, ...)
    reuse/     the build cache and its store
    serve/     `serve`: watching, HTTP and live reload around the same build
    commands/  check, new

`build.py` runs the stages; `cli.py` is the only place that prints or picks exit codes.
"""

__version__ = "0.1.0"

"""kaffee-site: turns Markdown reports of a meeting series into a static HTML archive.

The build is a pipeline, one module per stage, imports pointing one way:

    load (files -> SourceDoc) -> parse (SourceDoc -> typed drafts, Markdown bodies)
    -> link (drafts -> immutable Site) -> render (Site -> pages) -> write (pages -> output/)

`build.py` runs the stages; `cli.py` is the only place that prints or picks exit codes.
"""

__version__ = "0.1.0"

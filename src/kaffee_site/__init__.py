"""kaffee-site: turns Markdown reports of a meeting series into a static HTML archive.

The folders are the pipeline, imports pointing one way (a later stage may import an earlier one):

    content/   scan the content folder, enforce limits, load files and front matter, parse records
    markdown/  the one configured Markdown parser and its rules (bodies, mentions, wikilinks)
    link/      link records into the immutable Site (topics, people, relations)
    outputs/   the output kinds: pages, feeds, calendar, open data, cards, ...
    render/    the theme (Jinja) and rendering a Site into outputs, in workers where it pays
    publish/   the output folder as a transaction: stage, lock, atomic exchange
    search/    the Pagefind index of the staged pages
    reuse/     the build cache: what a rebuild can keep, and the warm path of `serve`
    engine.py  the conductor of build, check and serve
    serve/     `serve`: watching, HTTP and live reload around the same engine
    commands/  check, new, init

Beneath them all: errors, text, config, model, urls, i18n, appearance, options.
`cli.py` is the only place that prints or picks exit codes.
"""

__version__ = "0.1.0"

"""kaffee-site: turns Markdown reports of a meeting series into a static HTML archive.

The package in layers, the lowest first. A module imports from its own layer and those above
it in this list, never from one below, and no imports run in a circle (tests/test_imports.py
holds the code to this map and to the "May import" sentence of each folder's `__init__.py`):

    errors.py text.py digest.py clock.py i18n.py urls.py appearance.py cms_settings.py image_settings.py config.py options.py forks.py themes/
                            the base modules: messages, words, digests, today, folder names, settings, worker processes
    markdown/               the one configured Markdown parser, its rules and the body types
    model.py                the immutable Site and its records (which hold bodies)
    content/                scan the content folder, enforce limits, load files, the schema, parse
    skeleton.py             what `new` writes and `check` recognises (placeholders, numbers used)
    cms/                    the browser editor: Decap CMS's admin/ from the schema, the local backend
    link/                   link records into the immutable Site (topics, people, relations)
    images/                 the pictures pages show: checked, made in their sizes, kept by content
    outputs/                the output kinds: pages, feeds, calendar, open data, cards, ...
    render/                 the theme (Jinja) and rendering a Site into outputs
    publish/                the output folder as a transaction: stage, lock, atomic exchange
    search/                 the Pagefind index of the staged pages
    reuse/                  the build cache: what a rebuild can keep, and the warm path of `serve`
    parallel.py engine.py   the conductor of build, check and serve, and its worker processes
    review/                 the checks beyond the build, which `check` and `serve` run alike
    importer/               `import`: existing reports (pages, text) into session files; uses the network
    serve/ commands/        `serve` (watching, HTTP, live reload) and the other commands
    cli.py __main__.py      the only module that prints or picks exit codes
"""

__version__ = "0.1.0"

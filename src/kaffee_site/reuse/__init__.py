"""Reuse: what lets a build reuse earlier work, kept by content (docs/cache.md): the memo table,
the graph of what every output read, the outputs' files by their bytes, the last link and the
warm path of `serve` (relink, quick pages), the addresses the last build published. May import
publish/, render/, link/, content/, outputs/, model.py, markdown/ and the base modules."""

"""Reuse: what lets a build reuse earlier work: the build cache and its store, the dependency
graph of the outputs, the warm path of `serve` (relink), the addresses the last build published.
May import link/, content/, outputs/, model.py, markdown/ and the base modules."""

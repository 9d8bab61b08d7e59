"""Reuse: what lets a build reuse earlier work: the build cache and its store, the dependency
graph of the outputs, the warm path of `serve` (relink). May import link/, content/, model.py,
markdown/ and the base modules."""

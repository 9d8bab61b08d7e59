"""Commands besides build and serve: check, new, init, import. May import engine.py, importer/,
review/, render/, content/, markdown/, model.py, skeleton.py and the base modules."""

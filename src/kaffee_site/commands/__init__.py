"""Commands besides build and serve: check, new, init. May import engine.py, render/, content/,
markdown/, model.py and the base modules."""

"""Commands besides build and serve: check, new, init. May import engine.py, review/, render/,
content/, markdown/, model.py, skeleton.py and the base modules."""

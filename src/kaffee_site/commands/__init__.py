"""Commands besides serve: build, check, new, init, import. May import engine.py, importer/,
review/, reuse/, publish/, render/, content/, markdown/, model.py, skeleton.py and the base modules."""

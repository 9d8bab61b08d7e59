"""The browser editor (issue 25): Decap CMS's `admin/` made from the one schema
(content/schema.py) on every build, and the rules of the local backend that `serve` offers it
(which files it may read and write, and how a saved form keeps the file's comments). May import
content/, skeleton.py, model.py and the base modules."""

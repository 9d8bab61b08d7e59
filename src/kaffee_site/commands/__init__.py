"""Commands besides build and serve: check, new."""

"""Themes that ship with kaffee-site: `default` is the repository's templates/ folder (see pyproject.toml)."""

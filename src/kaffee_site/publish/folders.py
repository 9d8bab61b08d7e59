"""Which folder a build may write: the output is ours (it holds our marker, or nothing) and
lies apart from the content and the templates, so a build never cleans up sources or someone
else's files."""

from __future__ import annotations

from kaffee_site.errors import UsageError
from kaffee_site.options import BuildOptions

# Marks a folder as ours, so a build never cleans a folder that holds someone else's files.
OUTPUT_MARKER = ".kaffee-site"


def check_folders(options: BuildOptions) -> None:
    """Never let a build clean up a folder that holds sources or someone else's files."""
    output = options.output_dir.resolve()
    for name, folder in (("content", options.content_dir), ("templates", options.templates_dir)):
        if name == "templates" and not folder.is_dir():  # no overrides: the default theme alone
            continue
        source = folder.resolve()
        if output == source or output in source.parents or source in output.parents:
            raise UsageError(f"{options.output_dir}: the output folder must be separate from the {name} folder")
    if output.is_file():
        raise UsageError(f"{options.output_dir}: the output path is a file, not a folder")
    blocking = next((p for p in output.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise UsageError(f"{options.output_dir}: the output path lies under {blocking}, which is a file, not a folder")
    if output.is_dir() and any(output.iterdir()) and not (output / OUTPUT_MARKER).is_file():
        raise UsageError(
            f"{options.output_dir}: refusing to write into a folder that kaffee-site did not create "
            f"(it has files but no {OUTPUT_MARKER}); empty it or choose another --output")

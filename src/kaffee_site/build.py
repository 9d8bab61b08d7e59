"""Kept importable while other branches move to `kaffee_site.engine`, where the build now lives."""

from kaffee_site.engine import (OUTPUT_MARKER, BuildOptions, BuildResult, Checked, build,  # noqa: F401
                                check_folders, few_gc_pauses, load_site, unrendered_outputs)

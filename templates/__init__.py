"""The default theme of kaffee-site: this folder ships in the package as kaffee_site.themes.default.

Only a marker for setuptools (a package needs this file to be found in an editable install);
the theme's files are the templates and static/ beside it. Never imported."""

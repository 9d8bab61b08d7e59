"""`python -m kaffee_site` is the same as the `kaffee-site` command."""

from kaffee_site.cli import main

raise SystemExit(main())

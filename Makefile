# Two commands on a fresh machine: `make build` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# STAMP: the tool and what building needs; TEST_STAMP: the test extras too (pytest, Playwright, ...)
# and the import extra (trafilatura, whose tests run like any other), installed only by `make test`.
STAMP  := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.test-stamp
NODE_STAMP := node_modules/.installed-stamp
# Two test processes: much of the suite waits (for servers, browsers, subprocesses), so two
# processes on two cores finish sooner than one. --dist loadfile keeps a file's tests (and its
# module fixtures, such as the browser tests' built archive) in one process; --no-loadscope-reorder
# hands the files out longest first, as tests/conftest.py orders them (not by their number of tests).
PYTEST_ARGS ?= -n 2 --dist loadfile --no-loadscope-reorder

.PHONY: build test check serve bench clean browser-deps bytecode

# An editable install: the package runs from src/ and finds its default theme in templates/
# (no build/ folder is left in the repository).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $(STAMP)

# The package's bytecode, written here once: an editable install has none, and where
# PYTHONDONTWRITEBYTECODE is set (as on our CI machines) every build process would compile the
# whole package again (about 0.1 s of CPU each). compileall rewrites only what changed.
COMPILE := $(BIN)/python -m compileall -q src/kaffee_site
bytecode: $(STAMP)
	$(COMPILE)

# The tool with its test extras in one pip run (one resolution, one build of the editable
# package), which makes $(STAMP) too; `make test` never needs the plain install first.
$(TEST_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,import]'
	touch $(STAMP) $(TEST_STAMP)

build: $(STAMP) bytecode
	$(BIN)/kaffee-site build

check: $(STAMP) bytecode
	$(BIN)/kaffee-site check --strict

serve: $(STAMP) bytecode
	$(BIN)/kaffee-site serve

# The speed benchmark of issue 6 (bench/run.py): peers go into bench/work/, never into .venv.
# BENCH_ARGS="--sizes 1000 --runs 1" for a quick run.
BENCH_ARGS ?=
# bench/images.py: what pictures cost in a clean and a cached build (issue 24), its own section.
IMAGES_BENCH_ARGS ?=
bench: $(STAMP) bytecode
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/images.py $(IMAGES_BENCH_ARGS)

# Its set-up steps are independent: the Python and the npm side install side by side (a make of
# their own with two jobs), then the package's bytecode, then the suite.
test: browser-deps
	$(MAKE) --no-print-directory -j2 $(TEST_STAMP) $(NODE_STAMP)
	$(COMPILE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests (tests/browser/, marker `browser`) need Debian's chromium, Java for the Nu HTML
# Checker and the pinned npm tools (axe-core, vnu-jar). apt-get runs only when something is missing
# (as root, like CI). Never `playwright install`: Playwright drives /usr/bin/chromium.
browser-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing with apt-get"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

# --ignore-scripts: vnu-jar's postinstall would download a Java runtime from outside npm; we use Debian's.
# Decap CMS (the bundle tests/browser/test_cms_browser.py loads): only its release tarball, whose dist/
# is the whole bundle, checked against the integrity the npm registry publishes for it. Installed as a
# package it brought about 630 dependencies (416 MB, half a minute) that no test uses.
# tests/test_cms_config.py checks the version against the one the tool pins (src/kaffee_site/cms/).
DECAP_VERSION   := 3.16.3
DECAP_INTEGRITY := sha512-hf+dPlCh7TJmWl8+6VRzHYOWhri5xgUknrZbDewaWe4s9B7xJ8PQugp2QHeSldMUKzav6+z0oIpwUYhUJDYtYw==
DECAP_TARBALL   := node_modules/.decap/decap-cms-$(DECAP_VERSION).tgz
$(NODE_STAMP): package.json package-lock.json | browser-deps
	npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p node_modules/.decap
	cd node_modules/.decap && npm pack --silent --no-audit --no-fund decap-cms@$(DECAP_VERSION) >/dev/null
	$(PYTHON) -c 'import base64, hashlib, sys; got = "sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode(); sys.exit(0 if got == sys.argv[2] else f"{sys.argv[1]}: integrity {got}, pinned {sys.argv[2]}")' $(DECAP_TARBALL) '$(DECAP_INTEGRITY)'
	mkdir -p node_modules/decap-cms
	tar -xzf $(DECAP_TARBALL) -C node_modules/decap-cms --strip-components=1 --no-same-owner
	rm -rf node_modules/.decap
	touch $(NODE_STAMP)

clean:
	rm -rf output test-artifacts .kaffee-cache

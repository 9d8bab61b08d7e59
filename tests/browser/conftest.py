"""Browser-test fixtures: the sample archive built once, served over real HTTP, read by real Chromium.

The archive is built from `content/` with its own base_url (https://example.org/kaffee/), so every
page is served under /kaffee/ by a tiny HTTP server on 127.0.0.1, the way a static host would.
One Chromium (Debian's /usr/bin/chromium, driven by Playwright) serves the whole test session;
each test gets a fresh context and page that records console messages and requests.
`make test` installs Chromium, Java and the npm tools (axe-core, vnu-jar) these tests need.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from browser_support import (ARTIFACTS, CHROMIUM, LAUNCH_ARGS, PAGE_SIZE, SAMPLE_CONTENT, TEMPLATES,
                             BuiltSite, Recorder, served_folder)

from kaffee_site.cli import main as kaffee_site


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The sample archive, built once with the real command and served on 127.0.0.1.

    A copy of content/ with a small page size, so that the pages of a long list are tested too."""
    root = tmp_path_factory.mktemp("browser-site")
    content, output = root / "content", root / "output"
    shutil.copytree(SAMPLE_CONTENT, content)
    settings = yaml.safe_load((content / "site.yaml").read_text(encoding="utf-8"))
    (content / "site.yaml").write_text(yaml.safe_dump({**settings, "page_size": PAGE_SIZE}, allow_unicode=True),
                                       encoding="utf-8")
    code = kaffee_site(["build", "--content", str(content), "--output", str(output), "--templates", str(TEMPLATES)])
    assert code == 0, "the sample archive does not build (see the captured stderr)"
    base_url = settings["base_url"]
    base_path = urlsplit(base_url).path.rstrip("/") + "/"
    with served_folder(output, base_path) as url:
        yield BuiltSite(output, base_path, url.removesuffix(base_path))


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def _reader(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
    context.set_default_timeout(10_000)
    return context, context.new_page()


def _record(page, current) -> None:
    """What the page does goes to current() (the recorder of the test that holds the page now)."""
    page.on("console", lambda msg: current().console_errors.append(f"{msg.text} ({msg.location.get('url')})")
            if msg.type == "error" else None)
    page.on("pageerror", lambda err: current().console_errors.append(f"uncaught: {err}"))
    page.on("request", lambda req: current().requests.append(req.url))
    page.on("requestfailed", lambda req: current().failed.append(f"{req.url}: {req.failure}"))
    page.on("response", lambda res: current().broken.append(f"{res.status} {res.url}") if res.status >= 400 else None)


@pytest.fixture
def page(browser, recorder: Recorder):
    """A fresh page (own context: no shared history, cache or color scheme) that records what it does."""
    context, page = _reader(browser)
    _record(page, lambda: recorder)
    yield page
    context.close()


@pytest.fixture(scope="module")
def _module_tab(browser):
    context, page = _reader(browser)
    holder = [Recorder()]
    _record(page, lambda: holder[0])
    yield page, holder
    context.close()


@pytest.fixture
def tab(_module_tab, recorder: Recorder):
    """One page for all tests of a module that only read a served archive (a new context costs
    Chromium about 0.5 s of CPU; a module has dozens of such tests). Each test starts it as the
    `page` fixture would: a blank document, 1280 x 800, light scheme, nothing emulated, its own
    recorder. The archive is served with no-store, so nothing of an earlier test is cached."""
    page, holder = _module_tab
    holder[0] = Recorder()  # what the reset does is nobody's
    page.goto("about:blank")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(media="screen", color_scheme="light", reduced_motion="no-preference",
                       forced_colors="none")
    holder[0] = recorder
    yield page
    holder[0] = Recorder()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ beside output/ (git-ignored): screenshots for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

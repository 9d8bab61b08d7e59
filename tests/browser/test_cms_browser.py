"""The browser editor for real: Debian's Chromium opens /admin/ of a running `kaffee-site serve`,
loads the pinned Decap CMS bundle (node_modules/decap-cms, installed by `make test`), and an
editor writes a new report and edits an old one through the forms. The files land in the
content folder, `check --strict` is clean, and the same serve shows the new page.

The admin page asks for the bundle at its pinned address (unpkg) with its integrity hash: the
browser is handed the npm copy for that address, so the hash is checked by the browser itself,
and every other request off this machine is refused (and would fail the test).
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from browser_support import ARTIFACTS, NODE_MODULES, TEMPLATES, ArchiveHandler
from playwright.sync_api import Page, expect
from support import IMPORTED_REPORT as REPORT
from support import ServeProcess, wait_until, write_legal_pages

from kaffee_site.cli import main as kaffee_site
from kaffee_site.cms_settings import DEFAULT_SCRIPT

pytestmark = pytest.mark.browser

DIST = NODE_MODULES / "decap-cms" / "dist"
PINNED = DEFAULT_SCRIPT.rsplit("/", 1)[0] + "/"  # https://unpkg.com/decap-cms@X/dist/
SITE = "title: Testarchiv\nbase_url: https://example.org/kaffee/\nsearch: false\n"
TOPICS = {"verstetigung": "Verstetigung", "open-data": "Open Data", "breitband": "Breitband"}
NEW_PATH = "sessions/2025/2025-03-13-neue-sitzung-aus-dem-browser.md"


def _archive(root: Path, cms: str = "cms:\n") -> Path:
    content = root / "content"
    (content / "sessions" / "2025").mkdir(parents=True)
    (content / "topics").mkdir()
    (content / "media").mkdir()
    (content / "site.yaml").write_text(SITE + cms, encoding="utf-8")
    (content / "sessions/2025/2025-01-16-erste.md").write_text(REPORT, encoding="utf-8")
    for slug, title in TOPICS.items():
        (content / "topics" / f"{slug}.md").write_text(f"---\ntitle: {title}\n---\nWorum es geht.\n", encoding="utf-8")
    return content


def _png(path: Path, colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    Image.new("RGB", (704, 470), colour).save(path)  # as wide as the column shows it
    return path.read_bytes()


def _offline(page: Page, current: list[Admin]) -> None:
    """The pinned bundle from node_modules; this machine as it is; anything else refused (and
    written down in the current test's list)."""
    if not (DIST / "decap-cms.js").is_file():
        pytest.fail(f"{DIST} is missing: `make test` installs the pinned Decap CMS (npm ci)")

    def answer(route) -> None:
        url = route.request.url
        if url.startswith(PINNED) and re.fullmatch(r"[\w.-]+\.js", url[len(PINNED):]):
            route.fulfill(path=DIST / url[len(PINNED):], content_type="text/javascript",
                          headers={"Access-Control-Allow-Origin": "*"})  # as unpkg answers: SRI needs CORS
        elif urlsplit(url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            current[0].refused.append(url)
            route.abort()

    page.route("**/*", answer)


class Admin:
    """The module's one page for the admin (see the `admin` fixture) and what it did in this test."""

    def __init__(self, page: Page):
        self.page = page
        self.refused: list[str] = []  # requests off this machine, refused
        self.errors: list[str] = []  # uncaught errors in the page
        self.offsite: list[str] = []  # every request to a host but this machine


@pytest.fixture(scope="module")
def _admin_tab(browser):
    """One context and page for the module's tests: Chromium compiles the 5 MB bundle once and
    reuses the code for every later load in the same page (about 2 s of CPU a load: 21.6 s -> 11.3 s
    for five loads of the admin). Every test serves its archive on a port of its own, an origin of
    its own, whose storage `admin` empties before the test; the refusal route and the listeners are
    set once and write to the current test's lists."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    current = [Admin(page)]
    _offline(page, current)
    page.on("pageerror", lambda error: current[0].errors.append(str(error)))
    page.on("request", lambda request: current[0].offsite.append(request.url)
            if urlsplit(request.url).hostname not in ("127.0.0.1", "localhost") else None)
    yield page, current, context.new_cdp_session(page)
    context.close()


@pytest.fixture
def admin(_admin_tab):
    """The module's page, as a fresh context would start it: blank, 1280 x 800, light, no cookies,
    empty lists; `admin.clean(origin)` empties that origin's storage (a port the system hands out
    again must not bring back an earlier test's login or drafts)."""
    page, current, cdp = _admin_tab
    page.goto("about:blank")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(color_scheme="light")
    page.context.clear_cookies()
    current[0] = test = Admin(page)
    test.clean = lambda origin: cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
    yield test
    current[0] = Admin(page)


@pytest.fixture
def editor(tmp_path: Path):
    """`kaffee-site serve` in a real process on a small archive with `cms:`."""
    content = _archive(tmp_path)
    serve = ServeProcess(tmp_path, "--content", "content", "--output", "output", "--templates", str(TEMPLATES))
    try:
        wait_until(lambda: serve.get("/kaffee/admin/")[0] == 200, "serve built the admin page", timeout=60)
        yield serve, content
    finally:
        serve.stop()


def _open(admin: Admin, url: str) -> Page:
    page = admin.page
    admin.clean(url.split("/kaffee/")[0])
    page.goto(url, timeout=60_000)  # 5 MB of script, handed over by Playwright on a busy machine
    page.get_by_role("button", name="Login").click()  # the local backend: no account, one click
    expect(page.get_by_text("Sitzungen").first).to_be_visible(timeout=30_000)
    return page


def _publish(page: Page) -> None:
    page.get_by_role("button", name="Veröffentlichen").click()
    page.get_by_text("Jetzt veröffentlichen").click()
    expect(page.get_by_text("Beitrag gespeichert")).to_be_visible(timeout=20_000)


def test_a_new_report_written_in_the_browser_is_a_file_a_clean_check_and_a_served_page(
        editor, admin: Admin, tmp_path: Path):
    serve, content = editor
    page = _open(admin, f"http://127.0.0.1:{serve.port}/kaffee/admin/#/collections/sessions/new")
    picture = _png(tmp_path / "kaffeerunde.png", (20, 100, 150))

    page.locator('input[id^="title-field-"]').first.fill("Neue Sitzung aus dem Browser")
    page.locator('input[id^="date-field-"]').first.fill("2025-03-13")
    topics = page.locator('input[id^="topics-field-"]')  # the relation field: the archive's topic files
    for typed, title in (("Verst", "Verstetigung"), ("Open", "Open Data")):
        topics.click()
        topics.press_sequentially(typed)
        page.get_by_role("option", name=title).click()
    page.get_by_role("button", name=re.compile("hinzufügen")).first.click()  # a speaker
    page.locator('input[id^="name-field-"]').first.fill("Bea Neu")
    page.get_by_role("button", name="Wähle ein Bild").click()  # the picture: uploaded in the media library
    page.locator('input[type="file"]').set_input_files(tmp_path / "kaffeerunde.png")
    page.get_by_role("button", name="Ausgewähltes Element verwenden").click()
    # a picture without its alternative text is not saved: the form says what is missing
    page.get_by_role("button", name="Veröffentlichen").click()
    page.get_by_text("Jetzt veröffentlichen").click()
    expect(page.get_by_text(re.compile("Bild: Alternativtext ausfüllen"))).to_be_visible(timeout=20_000)
    assert not (content / NEW_PATH).exists() and not (content / "media" / "kaffeerunde.png").exists()
    admin.errors.clear()  # Decap reports the refused save as an uncaught error too
    page.locator('input[id^="alt-field-"]').first.fill("Eine Tasse Kaffee auf einem Tisch")
    page.locator('input[id^="date-field-"]').nth(1).fill("2030-01-10")  # the next one, ahead of the suite's today and of the browser's clock
    page.locator('input[id^="title-field-"]').nth(1).fill("Die nächste Runde")
    page.locator('.cms-editor-raw [role="textbox"]').click()
    page.keyboard.type("Wir sprachen über [[Verstetigung]] und offene Daten.")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("- erstens")
    page.keyboard.press("Enter")
    page.keyboard.type("- zweitens")
    # the preview beside the form wears the archive's own stylesheet
    expect(page.frame_locator("iframe").first.locator('link[href="/kaffee/static/style.css"]')).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cms-new-session-1280.png"))
    _publish(page)

    written = wait_until(lambda: (content / NEW_PATH).is_file() and (content / NEW_PATH).read_text(encoding="utf-8"),
                         "the report is in the content folder")
    front, body = written.removeprefix("---\n").split("\n---\n", 1)
    assert yaml.load(front, Loader=yaml.BaseLoader) == {  # every value as the text written
        "title": "Neue Sitzung aus dem Browser", "date": "2025-03-13", "topics": ["Verstetigung", "Open Data"],
        "speakers": [{"name": "Bea Neu"}], "image": {"src": "media/kaffeerunde.png",
                                                    "alt": "Eine Tasse Kaffee auf einem Tisch"},
        "next": {"date": "2030-01-10", "title": "Die nächste Runde"},
    }, written
    assert front.startswith("title: Neue Sitzung aus dem Browser\ndate: 2025-03-13\n"), "the schema's key order"
    assert body == "\nWir sprachen über [[Verstetigung]] und offene Daten.\n\n- erstens\n- zweitens\n"
    assert (content / "media" / "kaffeerunde.png").read_bytes() == picture
    assert sorted(path.relative_to(content).as_posix() for path in content.rglob("*") if path.is_file()) == sorted(
        ["site.yaml", "sessions/2025/2025-01-16-erste.md", NEW_PATH, "media/kaffeerunde.png",
         *(f"topics/{slug}.md" for slug in TOPICS)]), "nothing else written"

    write_legal_pages(content)  # as every German archive has them (not the editor's work here)
    check = subprocess.run([sys.executable, "-m", "kaffee_site", "check", "--strict", "--content", str(content)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    # the same serve rebuilt: the new page, with its picture and its announcement
    address = "/kaffee/sitzungen/2025-03-13-neue-sitzung-aus-dem-browser/"
    wait_until(lambda: serve.get(address)[0] == 200, "serve shows the new page", timeout=30)
    page.goto(f"http://127.0.0.1:{serve.port}{address}")  # still through the route: nothing fetched elsewhere
    expect(page.get_by_role("heading", level=1)).to_have_text("Neue Sitzung aus dem Browser")
    expect(page.get_by_role("img", name="Eine Tasse Kaffee auf einem Tisch")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Die nächste Runde")
    assert admin.refused == [] and admin.errors == [], (admin.refused, admin.errors)


def test_editing_an_old_report_keeps_its_comments_order_and_body(editor, admin: Admin):
    serve, content = editor
    page = _open(admin, f"http://127.0.0.1:{serve.port}/kaffee/admin/#/collections/sessions/entries/2025/2025-01-16-erste")
    number = page.locator('input[id^="number-field-"]')
    expect(number).to_have_value("1")
    number.fill("2")
    _publish(page)
    wanted = REPORT.replace("number: 1\n", "number: 2\n")
    path = content / "sessions/2025/2025-01-16-erste.md"
    wait_until(lambda: path.read_text(encoding="utf-8") == wanted, "the report saved with its comments and body")
    wait_until(lambda: "Nr.\u00a02".encode() in serve.get("/kaffee/sitzungen/2025-01-16-erste/")[1],
               "serve rebuilt the page with the new number", timeout=30)
    assert admin.refused == [] and admin.errors == [], (admin.refused, admin.errors)


OWN_COPY = "cms:\n  script: static/decap-cms/decap-cms.js\n"


@pytest.mark.parametrize("cms, button", [
    ("cms:\n", "Login"),
    ("cms:\n  backend: github\n  repository: kreis-x/kaffee\n", "Mit GitHub einloggen"),
    ("cms:\n  backend: gitlab\n  repository: kreis-x/kaffee\n  app_id: a1b2c3\n", "Mit GitLab einloggen"),
    ("cms:\n  backend: gitea\n  repository: kreis-x/kaffee\n  server: https://git.example.org\n  app_id: a1\n",
     "Mit Gitea einloggen"),
    (OWN_COPY, "Login"),
], ids=["local", "github", "gitlab", "gitea", "own-copy"])
def test_the_built_configuration_loads_for_each_git_host(tmp_path: Path, admin: Admin, cms: str, button: str):
    """The published admin/ (a static host, no serve): Decap reads config.yml without a
    configuration error and offers to sign in to that host. With the archive's own copy of the
    script (the README's recipe: dist/*.js under templates/static/), nothing is fetched elsewhere."""
    content = _archive(tmp_path, cms)
    templates = TEMPLATES
    if cms == OWN_COPY:
        templates = tmp_path / "templates"
        (templates / "static" / "decap-cms").mkdir(parents=True)
        for script in DIST.glob("*.js"):
            (templates / "static" / "decap-cms" / script.name).write_bytes(script.read_bytes())
    assert kaffee_site(["build", "--content", str(content), "--output", str(tmp_path / "output"),
                        "--templates", str(templates)]) == 0
    handler = functools.partial(ArchiveHandler, directory=str(tmp_path / "output"), base_path="/kaffee/")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page = admin.page
    try:
        admin.clean(f"http://127.0.0.1:{server.server_address[1]}")
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/kaffee/admin/", timeout=60_000)
        expect(page.get_by_role("button", name=button)).to_be_visible(timeout=30_000)
        trouble = re.compile("Konfigurationsfehler|Config Errors|Error loading|Fehler beim Laden")
        assert page.get_by_text(trouble).count() == 0
        if "github" in cms:  # what an editor meets first, at a phone's width and a desk's
            for width in (375, 1280):
                page.set_viewport_size({"width": width, "height": 800})
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"cms-login-{width}.png"))
    finally:
        server.shutdown()
        server.server_close()
    assert admin.refused == [] and admin.errors == [], (admin.refused, admin.errors)
    if cms == OWN_COPY:
        assert admin.offsite == [], admin.offsite
    else:
        assert admin.offsite and all(url.startswith(PINNED) for url in admin.offsite), admin.offsite

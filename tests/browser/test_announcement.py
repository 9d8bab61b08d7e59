"""A page is read long after its build: an announcement whose day has passed where the reader is
goes from the page (a few lines of script), and the page says the same without script.

The archive is built on 9 October 2024 (SOURCE_DATE_EPOCH), announcing 10 October; Chromium's
clock and time zone are then set to the reader's moment."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone

import pytest
from browser_support import ARTIFACTS, SCHEMES, TEMPLATES, WIDTHS, axe_violations, served_folder

from kaffee_site.cli import main

pytestmark = pytest.mark.browser

PAGES = ("", "sitzungen/a/")


def _built_and_served(content, output, monkeypatch_module):
    """Built on 9 October 2024 and served on 127.0.0.1: yields the address."""
    monkeypatch_module.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2024, 10, 9, 10, tzinfo=timezone.utc).timestamp())))
    assert main(["build", "--content", str(content), "--output", str(output), "--templates", str(TEMPLATES)]) == 0
    with served_folder(output, "/") as url:
        yield url


@pytest.fixture(scope="module")
def served(tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("announcement")
    content, output = root / "content", root / "output"
    (content / "sessions").mkdir(parents=True)
    (content / "site.yaml").write_text("title: Test\nsearch: false\n", encoding="utf-8")
    (content / "sessions/a.md").write_text(
        '---\ntitle: September\ndate: 2024-09-05\nnext:\n  date: 2024-10-10\n  title: Oktober\n  time: "16:00"\n---\n'
        "Der Bericht.\n", encoding="utf-8")
    yield from _built_and_served(content, output, monkeypatch_module)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def reader(browser):
    """reader(zone, script=True, width=1280): a reader's page in that time zone, with or without
    script, blank, light and `width` wide, and the list its uncaught errors go to from now on.
    One context per time zone and script setting for the module (a new context costs Chromium
    about 0.5 s of CPU; the zone and script are a context's, the clock, size and scheme a page's)."""
    tabs: dict[tuple[str, bool], tuple] = {}

    def open_page(zone: str, script: bool = True, width: int = 1280):
        if (zone, script) not in tabs:
            context = browser.new_context(timezone_id=zone, java_script_enabled=script, locale="de-DE")
            page = context.new_page()
            errors: list[list[str]] = [[]]
            page.on("pageerror", lambda err: errors[0].append(str(err)))
            tabs[zone, script] = context, page, errors
        _, page, errors = tabs[zone, script]
        page.goto("about:blank")
        page.set_viewport_size({"width": width, "height": 800})
        page.emulate_media(color_scheme="light")
        errors[0] = []
        return page, errors[0]

    yield open_page
    for context, _, _ in tabs.values():
        context.close()


def _boxes(reader, url: str, moment: datetime, zone: str, script: bool = True) -> int:
    page, errors = reader(zone, script)
    page.clock.set_fixed_time(moment)
    page.goto(url)
    page.wait_for_load_state("load")
    if script:  # the page reused from an earlier moment runs on this one
        assert page.evaluate("Date.now()") == moment.timestamp() * 1000, "the reader's clock"
    count = page.locator("section.announcement").count()
    if count == 0 and script:
        assert "Nächster Termin" not in page.inner_text("main")
    name = f"announcement-{zone.replace('/', '-')}-{moment:%Y%m%dT%H%M}{'' if script else '-noscript'}"
    ARTIFACTS.mkdir(exist_ok=True)
    kind = "session" if url.endswith("/sitzungen/a/") else "index"
    page.screenshot(path=str(ARTIFACTS / f"{name}-{kind}.png"))
    assert errors == []
    return count


@pytest.mark.parametrize("path", PAGES)
def test_the_announcement_shows_until_its_day_has_passed_for_the_reader(reader, served, path):
    url = served + path
    berlin = "Europe/Berlin"
    assert _boxes(reader, url, datetime(2024, 10, 9, 18, tzinfo=timezone.utc), berlin) == 1
    assert _boxes(reader, url, datetime(2024, 10, 10, 21, 59, tzinfo=timezone.utc), berlin) == 1  # 23:59 there
    assert _boxes(reader, url, datetime(2024, 10, 10, 22, 1, tzinfo=timezone.utc), berlin) == 0  # 00:01 there
    # the same moment in Honolulu is still 10 October: the day has not passed for that reader
    assert _boxes(reader, url, datetime(2024, 10, 10, 22, 1, tzinfo=timezone.utc), "Pacific/Honolulu") == 1
    assert _boxes(reader, url, datetime(2026, 12, 7, 9, tzinfo=timezone.utc), "Pacific/Honolulu") == 0


def test_without_script_the_page_shows_what_the_build_knew(reader, served):
    late = datetime(2026, 12, 7, 9, tzinfo=timezone.utc)
    assert _boxes(reader, served, late, "Europe/Berlin", script=False) == 1


# --- every new part of a report page, on a phone and on a desktop --------------------------------

GIT = {"GIT_AUTHOR_NAME": "Redaktion", "GIT_AUTHOR_EMAIL": "r@example.org", "GIT_COMMITTER_NAME": "Redaktion",
       "GIT_COMMITTER_EMAIL": "r@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
       "GIT_AUTHOR_DATE": "2024-09-06T10:00:00+02:00", "GIT_COMMITTER_DATE": "2024-09-06T10:00:00+02:00"}


@pytest.fixture(scope="module")
def full(tmp_path_factory, monkeypatch_module):
    """An archive in git, with its repository named: an invented report that announces a session
    with time and end (the box, its calendar link), last changed and an edit link."""
    root = tmp_path_factory.mktemp("full")
    content, output = root / "content", root / "output"
    (content / "sessions").mkdir(parents=True)
    (content / "site.yaml").write_text("title: Beispielarchiv\nrepository: https://github.com/beispiel/archiv\n"
                                       "search: false\n", encoding="utf-8")
    (content / "sessions/2024-09-05-beispiel.md").write_text(
        "---\ntitle: Verstetigung im Landkreis Musterau\ndate: 2024-09-05\nnumber: 4\nexample: true\n"
        "speakers:\n  - {name: Jana Beispiel, org: Landkreis Musterau}\n"
        'next:\n  date: 2024-10-10\n  title: Nach dem Vernetzungstreffen im Kreis Beispielfeld\n'
        '  time: "16:00"\n  end: "17:30"\n---\n'
        "Jana Beispiel berichtete, wie der Landkreis Musterau Wissen hält, wenn ein Projekt endet.\n",
        encoding="utf-8")
    env = {**os.environ, **GIT}
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "Bericht"]):
        subprocess.run(["git", *command], cwd=root, env=env, check=True, capture_output=True)
    yield from _built_and_served(content, output, monkeypatch_module)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ["index", "session"])
def test_announcement_notice_and_page_source_at_phone_and_desktop_width(reader, full, kind, width):
    page, _ = reader("Europe/Berlin", width=width)
    page.clock.set_fixed_time(datetime(2024, 10, 9, 18, tzinfo=timezone.utc))
    page.goto(full + ("" if kind == "index" else "sitzungen/2024-09-05-beispiel/"))
    box = page.locator("section.announcement")
    assert box.count() == 1
    assert box.locator("time").first.inner_text() == "10.\u00a0Oktober\u00a02024, 16:00"
    assert box.get_by_role("link", name="In den Kalender").is_visible()
    if kind == "session":
        assert page.get_by_role("note").inner_text().startswith("Erfundenes Beispiel.")
        assert page.locator(".page-source").inner_text() == "Zuletzt geändert: 6.\u00a0September\u00a02024 · Diese Seite bearbeiten"
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(ARTIFACTS / f"announcement-{kind}-{width}-{scheme}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert axe_violations(page) == "", f"{kind} at {width} px, {scheme}"

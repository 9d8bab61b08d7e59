"""Pictures in a real browser (issue 24): on a 375 px phone Chromium picks the 480-wide file (no
wider than twice the width it shows), on a 1280 px screen the 960-wide one, and nothing on the
page shifts when a picture arrives (CLS 0). Screenshots of both go to test-artifacts/.

The server holds every picture back for a moment, so the page is painted before any picture
arrives: without width and height the text below would move then, and Chromium records that
as a `layout-shift` entry naming the moved elements.
"""

from __future__ import annotations

import io
import time

import pytest
from browser_support import ARTIFACTS, TEMPLATES, ArchiveHandler, nu_html_checker, served_folder
from PIL import Image, ImageDraw

from kaffee_site.cli import main as kaffee_site
from support import Archive, session_md

pytestmark = pytest.mark.browser

DELAY = 0.4  # seconds every picture is held back


class SlowPictures(ArchiveHandler):
    def do_GET(self):
        if "/media/" in self.path:
            time.sleep(DELAY)
        super().do_GET()


def _photo(size: tuple[int, int]) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    ImageDraw.Draw(image).ellipse((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(200, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # held upright: shown 1800 x 2400
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture(scope="module")
def photo_site(tmp_path_factory):
    archive = Archive(tmp_path_factory.mktemp("photo-site"))
    archive.write("site.yaml", "title: Fotos\nbase_url: /kaffee/\nsearch: false\n")
    archive.write("media/runde.jpg", _photo((2400, 1800)))
    archive.write("media/tafel.jpg", _photo((1600, 1200)))
    text = "\n\n".join(f"Absatz {n}: Die Runde sprach über Förderprogramme, Datenräume und Verstetigung."
                       for n in range(12))
    archive.write("sessions/foto.md", session_md(
        "Eine Runde mit Foto", "2024-09-05", image="{src: media/runde.jpg, alt: Die Runde am Bildschirm}",
        body=f"{text}\n\n![Die Tafel nach der Sitzung](media/tafel.jpg)\n\nNach dem Bild geht es weiter.\n"))
    assert kaffee_site(["build", "--content", str(archive.content), "--output", str(archive.output),
                        "--templates", str(TEMPLATES)]) == 0
    with served_folder(archive.output, "/kaffee/", SlowPictures) as url:
        yield url, archive.output


# Every layout shift, with the elements it moved, from before the first paint on. The score is
# what Lighthouse and web-vitals call CLS: the shifts not caused by the reader's own input, added
# up (one page load, no session windows needed: everything here happens within a second or two).
SHIFTS = """
window.__shifts = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    window.__shifts.push({value: entry.value, input: entry.hadRecentInput,
      sources: (entry.sources || []).map(s => s.node ? (s.node.nodeName + ' ' + (s.node.textContent || '').slice(0, 40)) : '?')});
  }
}).observe({type: 'layout-shift', buffered: true});
"""
CLS = "window.__shifts.filter(s => !s.input).reduce((sum, s) => sum + s.value, 0)"

# naturalWidth of an <img> with a srcset is divided by the chosen file's density (it is the
# shown width again, whatever file was chosen): the file's own pixels come from decoding it alone.
CHOSEN = """async (selector) => {
  const img = document.querySelector(selector);
  const alone = new Image();
  alone.src = img.currentSrc;
  await alone.decode();
  return {complete: img.complete, current: img.currentSrc, pixels: alone.naturalWidth, shown: img.clientWidth,
          height: img.clientHeight, attr: [img.getAttribute('width'), img.getAttribute('height')]};
}"""
# the picture files the page loaded, with their bytes on the wire
LOADED = """performance.getEntriesByType('resource').filter(e => e.name.includes('/media/'))
  .map(e => [e.name.split('/media/')[1], e.encodedBodySize])"""

# viewport width -> (the lead picture's shown CSS width, the file Chromium should choose at 1 device
# pixel per CSS pixel: the smallest of 480/960/1600 that covers the shown width)
VIEWPORTS = {375: (343, 480), 1280: (704, 960)}  # 343: 375 less the column's padding; 704: the 44rem column


def _visit(browser, url: str, width: int) -> tuple[dict, dict, list, list, float]:
    """The session page at `width`, scrolled down to the report's picture and back: (the lead
    picture, the report's picture, the files loaded, the layout shifts, CLS); a full-page
    screenshot saved."""
    context = browser.new_context(viewport={"width": width, "height": 700}, device_scale_factor=1)
    try:
        page = context.new_page()
        page.add_init_script(SHIFTS)
        page.goto(url)
        page.wait_for_function("document.querySelector('figure.lead img').complete", timeout=10_000)
        page.wait_for_timeout(200)
        lead = page.evaluate(CHOSEN, "figure.lead img")
        # the picture in the report loads as it comes near, and is chosen the same way
        page.locator(".report img").scroll_into_view_if_needed()
        page.wait_for_function("document.querySelector('.report img').complete "
                               "&& document.querySelector('.report img').naturalWidth > 0", timeout=10_000)
        page.wait_for_timeout(DELAY * 1000 + 300)
        body = page.evaluate(CHOSEN, ".report img")
        page.evaluate("window.scrollTo(0, 0)")
        # read before the screenshot: a full-page screenshot resizes the page for a moment, which
        # Chromium reports as a layout shift (marked as after input; seen once in a fresh-clone run)
        measured = page.evaluate(LOADED), page.evaluate("window.__shifts"), page.evaluate(CLS)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"images-session-{width}.png", full_page=True)
        return lead, body, *measured
    finally:
        context.close()


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_the_browser_chooses_a_file_for_the_width_and_nothing_shifts(browser, photo_site, width):
    shown, chosen = VIEWPORTS[width]
    lead, body, loaded, shifts, cls = _visit(browser, photo_site[0] + "sitzungen/foto/", width)
    assert lead["complete"] and lead["current"].endswith(".webp"), lead
    assert lead["shown"] == shown, lead
    assert lead["pixels"] == chosen and f"runde-{chosen}." in lead["current"], lead  # not the 1800-wide photo
    assert shown <= lead["pixels"] <= 2 * shown, lead  # sharp, and no more than twice what is shown
    assert abs(lead["height"] - lead["shown"] * 2400 / 1800) <= 1, lead  # upright, in proportion
    assert shown <= body["pixels"] <= 2 * shown and body["current"].endswith(".webp"), body
    # what arrived of each picture is the chosen file alone (the decoding above fetched it again); a
    # smaller one may have been asked for and dropped (a page laid out before its viewport was set,
    # as a loaded machine shows at times: nothing of it arrives), a larger one never
    chosen_files = {lead["current"].split("/media/")[1], body["current"].split("/media/")[1]}
    assert {name for name, size in loaded if size > 0} == chosen_files, loaded
    assert all(int(name.split("-")[1].split(".")[0]) <= chosen for name, _ in loaded), loaded
    assert shifts == [] and cls == 0, f"the page shifted when pictures arrived (CLS {cls}): {shifts}"


def test_without_width_and_height_the_same_page_would_shift(browser, photo_site, tmp_path):
    """The measurement above can see a shift: the same page with the picture's size attributes
    taken out shifts when the picture arrives."""
    context = browser.new_context(viewport={"width": 375, "height": 700}, device_scale_factor=1)
    try:
        page = context.new_page()
        page.add_init_script(SHIFTS)
        page.add_init_script("""document.addEventListener('DOMContentLoaded', () => {
            for (const img of document.querySelectorAll('figure.lead img')) {
              img.removeAttribute('width'); img.removeAttribute('height'); }});""")
        page.goto(photo_site[0] + "sitzungen/foto/")
        page.wait_for_function("document.querySelector('figure.lead img').complete", timeout=10_000)
        page.wait_for_timeout(300)
        assert page.evaluate("window.__shifts") and page.evaluate(CLS) > 0.1
    finally:
        context.close()


def test_the_picture_markup_is_valid_html(photo_site):
    """<picture>, <source> with srcset and sizes, <img> with width and height: the Nu HTML Checker."""
    page = photo_site[1] / "sitzungen" / "foto" / "index.html"
    assert page.read_text(encoding="utf-8").count("<picture>") == 2
    found, run = nu_html_checker(str(page))
    messages = [f"{m.get('lastLine', '?')}: {m['message']}" for m in found]
    assert messages == [] and run.returncode == 0, messages

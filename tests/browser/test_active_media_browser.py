"""Issue 18 in a real browser: a picture that runs a script on the archive's origin never gets there.

The attacker's files (an SVG asking for an XSLT stylesheet that builds a script, an SVG with a
plain script) are first served as they are, outside any archive, to show that this Chromium runs
them (the probe works); then the archive that holds them is built and served, and opening them
there runs nothing: the build refuses them and the previous output stays.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import TEMPLATES, served_folder

from kaffee_site.cli import main as kaffee_site

pytestmark = pytest.mark.browser

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle r="4"/></svg>'
# The case: the picture asks for a stylesheet; the stylesheet builds a script element.
XSLT_SVG = '<?xml-stylesheet type="text/xml" href="t.xml"?>\n' + SVG
XSLT = """<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:template match="/">
<svg xmlns="http://www.w3.org/2000/svg"><xsl:element name="script" namespace="http://www.w3.org/2000/svg">
fetch('ran-xslt')</xsl:element></svg>
</xsl:template>
</xsl:stylesheet>
"""
SCRIPT_SVG = SVG.replace("</svg>", "<script>fetch('ran-script')</script></svg>")
ATTACK = {"pic.svg": XSLT_SVG, "t.xml": XSLT, "skript.svg": SCRIPT_SVG}


def _ran(page, recorder, url: str) -> list[str]:
    """Open `url` as a reader would (a link to the picture), and say which probes its scripts fetched."""
    before = len(recorder.requests)
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # the XSLT is fetched and applied after the picture itself
    return [u.rsplit("/", 1)[-1] for u in recorder.requests[before:] if "/ran-" in u]


def test_a_picture_that_would_run_a_script_is_not_published(tmp_path: Path, page, recorder):
    attacker = tmp_path / "attacker"
    attacker.mkdir()
    for name, text in ATTACK.items():
        (attacker / name).write_text(text, encoding="utf-8")
    with served_folder(attacker, "/media/") as url:  # the probe: these files run scripts in this Chromium
        assert _ran(page, recorder, url + "pic.svg") == ["ran-xslt"]
        assert _ran(page, recorder, url + "skript.svg") == ["ran-script"]

    content, output = tmp_path / "content", tmp_path / "output"
    (content / "sessions").mkdir(parents=True)
    (content / "site.yaml").write_text("title: Test\nbase_url: /kaffee/\nsearch: false\n", encoding="utf-8")
    (content / "sessions/a.md").write_text("---\ntitle: A\ndate: 2024-09-05\n---\nText.\n", encoding="utf-8")
    build = ["build", "--content", str(content), "--output", str(output), "--templates", str(TEMPLATES)]
    assert kaffee_site(build) == 0
    (content / "media").mkdir()
    for name, text in ATTACK.items():
        (content / "media" / name).write_text(text, encoding="utf-8")
    code = kaffee_site(build)
    with served_folder(output, "/kaffee/") as url:
        for name in ATTACK:
            assert _ran(page, recorder, url + "media/" + name) == [], name
    assert code == 1  # refused: the previous output stays, without the files
    assert not (output / "media").exists()
    assert recorder.console_errors == [] or all("404" in e for e in recorder.console_errors)

"""Media a browser would run as a document (issue 18): refused in `check` and `build`.

A file under media/ that, opened on its own, would run a script on the archive's origin is an
error at its line, whatever it is called and however its bytes are encoded; an HTML page and a
`<foreignObject>` are warnings. The browser test (tests/browser/test_active_media_browser.py)
opens the issue's SVG in Chromium.
"""

from __future__ import annotations

import gzip

import pytest

from kaffee_site.cli import main
from kaffee_site.content.active_media import looks_like_markup, script_findings
from support import TEMPLATES, Archive, session_md, tree_snapshot

SVG_HEAD = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n'
ORIGIN = "opened on its own in a browser, it would run on the archive's own origin"
HARMLESS = SVG_HEAD + '<circle r="4" fill="#0a0"/><a href="/x/"><text>ok</text></a>\n</svg>'
XSLT = ('<?xml version="1.0"?>\n<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">\n'
        '<xsl:template match="/"><xsl:element name="script">fetch(1)</xsl:element></xsl:template>\n</xsl:stylesheet>\n')


def _shift_jis(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="Shift_JIS"?>\n<svg xmlns="http://www.w3.org/2000/svg">\n'
            + body + "\n</svg>\n").encode("shift_jis")


# (file, bytes, the problems reported for it: line, severity, message)
MEDIA = [
    # the case: a picture asking for a stylesheet whose XSLT builds a script
    ("pic.svg", '<?xml-stylesheet type="text/xml" href="t.xml"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
     [(1, "the picture asks for a stylesheet (<?xml-stylesheet?>), whose XSLT can build scripts")]),
    ("t.xml", XSLT, [(2, "the file is an XSLT stylesheet, which can build scripts")]),
    ("skript.svg", SVG_HEAD + '<circle r="4"/>\n<script>alert(document.cookie)</script>\n</svg>',
     [(4, "the picture has a <script> element")]),
    ("handler.svg", SVG_HEAD + '<rect width="1"\n  onload="alert(1)"/>\n</svg>',
     [(3, "the picture has the event handler attribute 'onload'")]),
    ("link.svg", SVG_HEAD + '<a xlink:href="java\tscript:alert(1)"><text>x</text></a>\n</svg>',
     [(3, "the picture has a javascript: URL in 'href'")]),
    ("referenz.svg", SVG_HEAD + '<a href="&#106;ava&#x73;cript:alert(1)"><text>x</text></a>\n</svg>',
     [(3, "the picture has a javascript: URL in 'href'")]),
    ("fremd.svg", SVG_HEAD + '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>\n</svg>',
     [(3, "warning: the picture has a <foreignObject> element (HTML inside)")]),
    ("entity.svg", '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY s "&#60;script&#62;">]>\n'
                   '<svg xmlns="http://www.w3.org/2000/svg">&s;\n<g onclick="x()"/></svg>',
     [(2, "the picture declares an XML entity that holds markup or other entities, which can spell out a "
          "script or expand without end"),
      (2, "the picture has a <script> element"),
      (4, "the picture has an event handler attribute (on…=)")]),
    ("kaputt.svg", '<svg xmlns="http://www.w3.org/2000/svg">\n<script>alert(1)</script>\n<g>',
     [(2, "the picture has a <script> element")]),
    # not well-formed, the script spelt in references: found in the text with references decoded
    ("kaputt-referenz.svg", '<svg xmlns="http://www.w3.org/2000/svg">\n<g>\n&#60;script>alert(1)&#60;/script>',
     [(3, "the picture has a <script> element")]),
    # any declared encoding: the Shift_JIS file was a traceback; UTF-16 hid the script
    ("sjis.svg", _shift_jis('<text>日本語</text>\n<script>alert(1)</script>'),
     [(4, "the picture has a <script> element")]),
    ("utf16.svg", (SVG_HEAD.replace('"1.0"', '"1.0" encoding="UTF-16"') + "<script>alert(1)</script></svg>")
     .encode("utf-16"), [(3, "the picture has a <script> element")]),
    ("utf16be-ohne-bom.svg", (SVG_HEAD + "<g/>\n<script>alert(1)</script></svg>").encode("utf-16-be"),
     [(4, "the picture has a <script> element")]),
    ("utf7.svg", b'<?xml version="1.0" encoding="UTF-7"?>\n<svg xmlns="http://www.w3.org/2000/svg">\n'
                 b'+ADw-script+AD4-alert(1)+ADw-/script+AD4-</svg>',
     [(3, "the picture has a <script> element")]),
    ("gepackt.svgz", gzip.compress((SVG_HEAD + "<script>alert(1)</script></svg>").encode(), mtime=0),
     [(3, "the picture has a <script> element")]),
    # the name says image, the bytes say XML (a host that sniffs, or a server without a type for it)
    ("foto.png", b'\xef\xbb\xbf<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
     [(1, "the file (its name says .png, its bytes are markup) has the event handler attribute 'onload'")]),
    ("seite.xhtml", '<html xmlns="http://www.w3.org/1999/xhtml"><body>\n<iframe srcdoc="&lt;b&gt;"/></body></html>',
     [(None, "warning: an HTML page under media/ runs its scripts on the archive's own origin"),
      (2, "the file has an iframe srcdoc (a page on the archive's origin)")]),
    ("seite.html", "<!doctype html><p>Hallo</p>",
     [(None, "warning: an HTML page under media/ runs its scripts on the archive's own origin")]),
    # harmless: nothing to say, whatever the encoding
    ("harmlos.svg", HARMLESS, []),
    ("harmlos-sjis.svg", _shift_jis("<text>日本語のテキスト</text>"), []),
    ("illustrator.svg", '<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY ns_ai "http://ns.adobe.com/AI/10.0/">\n]>\n'
                        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:i="&ns_ai;"><circle r="1"/></svg>', []),
    ("unbekannt.svg", b'<?xml version="1.0" encoding="x-klingon"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', []),
    ("bild.png", b"\x89PNG\r\n\x1a\n" + bytes(64), []),
    ("notiz.txt", b"Kein <script> hier: der Text beginnt nicht mit Markup.", []),
]


def _expected(archive: Archive) -> list[str]:
    """The lines `check` prints for MEDIA (an error says why it matters: the origin)."""
    return sorted(f"{archive.content}/media/{name}" + (f":{line}" if line else "") + f": {message}"
                  + ("" if message.startswith("warning: ") else f": {ORIGIN}")
                  for name, _, problems in MEDIA for line, message in problems)


def test_media_that_would_run_scripts_are_errors_in_check_and_build(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A"))
    assert archive.build() == 0
    before = tree_snapshot(archive.output)
    for name, data, _ in MEDIA:
        archive.write(f"media/{name}", data)
    capsys.readouterr()
    assert main(archive.args("check", "--templates", str(TEMPLATES))) == 1
    checked = capsys.readouterr()
    assert archive.build() == 1
    built = capsys.readouterr()
    for text in (*checked, *built):
        assert "Traceback" not in text
    want = _expected(archive)
    assert sorted(line for line in checked.out.splitlines() if "/media/" in line and not line.startswith(" ")) == want
    errors = [line for line in want if ": warning: " not in line]
    assert sorted(line for line in built.err.splitlines() if "/media/" in line and ": warning: " not in line
                  and not line.startswith(" ")) == errors
    assert tree_snapshot(archive.output) == before  # refused: nothing of it published


def test_harmless_media_build_and_warnings_alone_do_not_stop_it(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A"))
    for name, data, problems in MEDIA:
        if all(message.startswith("warning: ") for _, message in problems):
            archive.write(f"media/{name}", data)
    assert archive.build() == 0
    assert (archive.output / "media/harmlos-sjis.svg").read_bytes() == _shift_jis("<text>日本語のテキスト</text>")
    capsys.readouterr()
    assert main(archive.args("check", "--templates", str(TEMPLATES), "--strict")) == 1  # the warnings


def test_a_saved_medium_is_checked_again_by_a_warm_engine(archive: Archive):
    """serve's engine reads a medium again when it changes: a script added later is refused."""
    from kaffee_site.engine import Engine  # serve's engine
    from kaffee_site.options import BuildOptions
    from kaffee_site.errors import BuildFailed

    archive.write("sessions/a.md", session_md("A"))
    archive.write("media/bild.svg", HARMLESS)
    options = BuildOptions(archive.content, archive.output, TEMPLATES)
    engine = Engine(options, warm=True)
    engine.run()
    archive.write("media/bild.svg", HARMLESS.replace("</svg>", "<script>alert(1)</script>\n</svg>"))
    with pytest.raises(BuildFailed) as failed:
        engine.run(changed=[archive.content / "media/bild.svg"])
    assert [p.message.split(":")[0] for p in failed.value.problems] == ["the picture has a <script> element"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32",
                                      "shift_jis", "euc-jp", "iso-2022-jp", "gb18030", "big5", "cp1252", "koi8-r"])
def test_a_script_is_found_in_any_encoding_the_file_declares(encoding: str):
    declared = encoding.replace("-sig", "")
    text = (f'<?xml version="1.0" encoding="{declared}"?>\n<svg xmlns="http://www.w3.org/2000/svg">\n'
            "<text>Ölförderung 日本</text>\n<script>alert(1)</script>\n</svg>\n")
    data = text.encode(encoding, "replace")
    assert looks_like_markup(data[:512])
    found = script_findings(data)
    assert [(f.line, f.kind) for f in found] == [(4, "script")], found
    assert script_findings(text.replace("<script>alert(1)</script>", "").encode(encoding, "replace")) == []


def test_bytes_that_read_as_a_script_in_utf8_but_not_as_declared_are_found():
    """A server's charset (or a browser's fallback) may read the file as UTF-8 whatever it declares."""
    data = b'<?xml version="1.0" encoding="utf-16"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'
    assert [f.kind for f in script_findings(data)] == ["script"]


def test_entities_that_expand_without_end_are_refused_quickly():
    levels = "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a0 "lol">{levels}]><svg>&a9;</svg>'.encode()
    assert [f.kind for f in script_findings(bomb)] == ["entity"]

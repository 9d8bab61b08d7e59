"""What editors do every month (issue 22), as an editor does it: `new` for a report that is
there already or for a back-filled one, its skeleton, an English archive's hints in English,
and the smaller mistakes (comma-separated topics, an unclosed quote, the second speaker, only
light colours, a template error). Real files, the real command, exit codes and messages."""

from __future__ import annotations

import re

import yaml

from kaffee_site.appearance import AA, contrast
from kaffee_site.cli import main
from kaffee_site.content.schema import SESSION
from support import TEMPLATES, Archive, session_md, with_legal_pages


def new(archive: Archive, capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["new", *args, "--content", str(archive.content)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def check(archive: Archive, capsys, *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(archive.args("check", "--templates", str(TEMPLATES), *extra))
    return code, capsys.readouterr().out


def numbers(archive: Archive) -> dict[str, int]:
    found = {}
    for path in sorted(archive.content.glob("sessions/**/*.md")):
        match = re.search(r"\bnumber: (\d+)", path.read_text(encoding="utf-8"))
        found[path.stem] = int(match.group(1))
    return found


# --- new -----------------------------------------------------------------------------------------

def test_new_refuses_a_second_report_of_the_series_on_the_same_day(archive: Archive, capsys):
    other = archive.write("sessions/2024/auftakt.md", session_md("Auftakt der Reihe", "2024-05-16", number=1))
    before = other.read_bytes()
    code, out, err = new(archive, capsys, "Auftakt", "--date", "2024-05-16")
    assert (code, out) == (1, "")
    assert (f"kaffee-site: {other}: the series 'Smarter Kaffee' has a report on 2024-05-16 already "
            "('Auftakt der Reihe'); edit that file, or give another --series") in err
    assert sorted(p.name for p in archive.content.rglob("*.md")) == ["auftakt.md"]
    assert other.read_bytes() == before
    # another series may meet on that day
    assert new(archive, capsys, "Werkstatt", "--date", "2024-05-16", "--series", "Werkstatt")[0] == 0


def test_a_back_filled_report_is_numbered_by_its_date_and_the_later_ones_move_up(archive: Archive, capsys):
    with_legal_pages(archive)
    archive.write("sessions/2024/a.md", session_md("A", "2024-01-11", number=1, topics="[Open Data]"))
    archive.write("sessions/2024/b.md", session_md("B", "2024-02-08", number=2, topics="[Open Data]"))
    later = archive.write("sessions/2024/c.md", "---\r\ntitle: C\r\ndate: 2024-04-11\r\nnumber: 3  # im April\r\n"
                                                "topics: [Open Data]\r\n---\r\nText.\r\n")
    archive.write("sessions/2024/d.md", session_md("D", "2024-05-16", number=4, draft="true"))
    archive.write("sessions/2024/f.md", session_md("F", "2024-09-12", number=7, topics="[Open Data]"))
    archive.write("topics/open-data.md", "---\ntitle: Open Data\n---\nOffen.\n")
    code, out, err = new(archive, capsys, "Rückblick März", "--date", "2024-03-14")
    created = archive.content / "sessions/2024/2024-03-14-rueckblick-maerz.md"
    assert (code, out) == (0, f"{created}\n")
    assert err.splitlines()[1:] == [
        "dated before reports of the series, so these are numbered one up:",
        f"{archive.content / 'sessions/2024/c.md'}: number 3 → 4",
        f"{archive.content / 'sessions/2024/d.md'}: number 4 → 5",
    ]
    assert numbers(archive) == {"a": 1, "b": 2, "2024-03-14-rueckblick-maerz": 3, "c": 4, "d": 5, "f": 7}
    # only the number changed: the comment, the line ends and the rest of the file stay
    assert later.read_bytes() == (b"---\r\ntitle: C\r\ndate: 2024-04-11\r\nnumber: 4  # im April\r\n"
                                  b"topics: [Open Data]\r\n---\r\nText.\r\n")
    code, out = check(archive, capsys)
    assert "number 3 of the series" not in out and "is also used by" not in out
    # the gap before 7 was there before and is still reported; a new report after all takes the next
    assert "jumps from 5 to 7 (missing: 6)" in out
    assert new(archive, capsys, "Herbst", "--date", "2024-10-10")[0] == 0
    assert numbers(archive)["2024-10-10-herbst"] == 8


def test_a_later_report_new_cannot_renumber_leaves_every_file_alone(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-01-11", number=1))
    flow = archive.write("sessions/b.md", "---\n{title: B, date: 2024-03-14, number: 2}\n---\nText.\n")
    third = archive.write("sessions/c.md", session_md("C", "2024-04-11", number=3))
    before = flow.read_bytes(), third.read_bytes()
    code, _, err = new(archive, capsys, "Februar", "--date", "2024-02-08")
    assert code == 0
    assert (f"number the later reports one up by hand: {flow}, {third} (check shows how)") in err
    assert (flow.read_bytes(), third.read_bytes()) == before
    assert numbers(archive)["2024-02-08-februar"] == 2
    assert "give each session its own number: by its date this one is number 3" in check(archive, capsys)[1]


def test_the_skeleton_names_every_key_of_the_format_with_what_it_is_for(archive: Archive, capsys):
    archive.write("site.yaml", 'language: en\nseries: Coffee\nevent_start: "10:00"\nevent_end: "11:30"\n')
    code, out, err = new(archive, capsys, "Village shops", "--date", "2026-09-15")
    assert code == 0
    text = (archive.content / "sessions/2026/2026-09-15-village-shops.md").read_text(encoding="utf-8")
    front = text.split("---\n")[1]
    written = [re.match(r"(?:# )?(\w+):", line).group(1) for line in front.splitlines() if not line.startswith(" ")]
    assert written == list(SESSION.keys)  # every key, in the schema's order
    for key in ("summary", "image", "next"):
        field = next(f for f in SESSION.fields if f.key == key)
        assert re.search(rf"(?m)^# {key}: .*  # {re.escape(field.hint)}$", front), key
    assert '# image: {src: media/picture.png, alt: "Description"}' in front
    assert '# time: "10:00"' in front and '# end: "11:30"' in front
    assert "# slug: village-shops  #" in front
    # uncommented, every example is YAML of the key's kind
    example = yaml.safe_load(re.sub(r"(?m)^# (\w+: .*?)  # .*$", r"\1", front))
    assert example["image"] == {"src": "media/picture.png", "alt": "Description"}
    assert example["next"]["date"] == "YYYY-MM-DD"  # an error until the editor writes the day
    # an English archive speaks English: the skeleton, the placeholder, the message
    assert "First Last" in text and "Vorname" not in text and "Beschreibung" not in text
    assert err == "Coffee, no. 1, on 2026-09-15: fill in topics, speakers and the report\n"


# --- an English archive's hints are in its words --------------------------------------------------

ENGLISH_MISTAKES = """---
title: Village shops
date: 2024-05-16
number: 1
topics: Village shops, Broadband
image: media/shop.png
speakers: Jane Doe
---
Text ![](media/shop.png).
"""


def test_an_english_archive_gets_english_examples_in_every_hint(archive: Archive, capsys):
    archive.write("site.yaml", "language: en\nlegal_pages: false\n")
    archive.write("sessions/a.md", ENGLISH_MISTAKES)
    archive.write("sessions/b.md", session_md("Second", "2024-06-13", number=2, topics="[]"))
    archive.write("sessions/c.md", session_md("Third", "2024-07-11", number=3,
                                              speakers="[{name: Jane Doe, org: Acme}, {nam: X}]"))
    archive.write("media/shop.png", b"\x89PNG")
    code, out = check(archive, capsys)
    assert code == 1
    a, b, c = (archive.content / f"sessions/{name}.md" for name in "abc")
    assert (f"{a}:5: 'topics' must be a list\n    hint: write each entry on its own line below 'topics:', "
            "'  - Village shops' and '  - Broadband'") in out
    assert "hint: write '  src: media/picture.png' and '  alt: Description' below 'image:'" in out
    assert "hint: write each speaker as '  - name: First Last' with '    org: Organisation' below" in out
    assert "hint: write what the picture shows between the brackets: ![Description](media/picture.png)" in out
    assert f"{c}:5: 'speakers.2.name' is missing" in out  # the second speaker, as the editor counts
    assert f"{c}:5: warning: unknown key 'speakers.2.nam'" in out
    assert "e.g. '  - Topic name', so topic pages find it" in out
    for german in ("bild", "Beschreibung", "Vorname", "Verstetigung", "sitzungen", "Thema"):
        assert german not in out, german
    # with a topic of its own, the example is that topic
    archive.write("topics/broadband.md", "---\ntitle: Broadband\n---\nFast.\n")
    assert f"{b}:5: warning: the session lists no topics\n    hint: name what it was about below 'topics:', " \
           "e.g. '  - Broadband', so topic pages find it" in check(archive, capsys)[1]


def test_an_unclosed_quote_is_reported_at_its_own_line(archive: Archive, capsys):
    lines = ["---", "title: Dorfläden", "date: 2024-05-16", "number: 1", "topics:", "  - Nahversorgung",
             "speakers:", "  - name: Anna Beispiel", "    org: Landkreis Beispiel", "time: \"10:00\"",
             "end: \"11:00\"", "image:", "  src: media/laden.png", '  alt: "Ein Dorfladen', "next:",
             "  date: 2024-06-13", "  title: Breitband", "draft: false", "---", "Text."]
    path = archive.write("sessions/a.md", "\n".join(lines) + "\n")
    assert lines[13].startswith('  alt: "')  # line 14 of the file
    code, out = check(archive, capsys)
    assert code == 1
    assert (f"{path}:14: invalid YAML in the front matter: the quote that opens on this line is never closed\n"
            "    hint: end the value with the same quote mark on this line") in out
    assert f"{path}:19:" not in out


# --- light colours only --------------------------------------------------------------------------

def _dark_block(html: str) -> dict[str, str]:
    block = re.search(r"@media \(prefers-color-scheme: dark\) \{ :root \{ (.*?) \} \}", html).group(1)
    return dict(re.findall(r"--([\w-]+): (#[0-9a-f]{6});", block))


def test_light_colours_alone_make_a_dark_palette_of_their_own(archive: Archive, capsys):
    with_legal_pages(archive)
    archive.write("sessions/a.md", session_md("A", "2024-05-16", number=1))
    archive.write("site.yaml", 'theme:\n  accent: "#0b5cad"\n')
    assert archive.build() == 0
    dark = _dark_block(archive.page(""))
    assert dark["accent"] != "#f0b27a" and dark["accent-bg"] != "#3a2d21"  # not the default brown
    red, green, blue = (int(dark["accent"][i:i + 2], 16) for i in (1, 3, 5))
    assert blue > red and blue > green  # still the archive's blue, lightened
    assert contrast(dark["accent"], "#1b1814") >= AA and contrast(dark["accent"], dark["accent-bg"]) >= AA
    # with a background and text of its own, the dark background takes its tint
    archive.write("site.yaml", 'theme:\n  accent: "#0b5cad"\n  background: "#f4f0ff"\n  text: "#111111"\n')
    assert archive.build() == 0
    dark = _dark_block(archive.page(""))
    assert dark["bg"] != "#1b1814" and contrast(dark["fg"], dark["bg"]) >= AA
    assert all(contrast(dark[front], dark[back]) >= AA for front, back in
               (("accent", "bg"), ("muted", "bg"), ("fg", "accent-bg"), ("accent", "accent-bg")))
    assert check(archive, capsys, "--strict")[0] == 0
    # a dark colour of its own: nothing is made up
    archive.write("site.yaml", 'theme:\n  accent: "#0b5cad"\n  accent_dark: "#8ab8ff"\n')
    assert archive.build() == 0
    assert _dark_block(archive.page(""))["accent"] == "#8ab8ff"


# --- a template error is the only problem reported ------------------------------------------------

def test_a_template_error_in_the_session_template_reports_no_false_link(archive: Archive, capsys):
    archive.write("site.yaml", "language: en\n")
    for slug, title in (("legal-notice", "Legal notice"), ("privacy", "Privacy"), ("accessibility", "Accessibility")):
        archive.write(f"pages/{slug}.md", f"---\ntitle: {title}\n---\nText.\n")
    archive.write("sessions/a.md", session_md("A", "2024-05-16", number=1, body="See [the notice](/legal-notice/)."))
    templates = archive.root / "templates"
    templates.mkdir()
    (templates / "session.html").write_text('{% extends "default/session.html" %}\n'
                                            "{% block main %}{{ session.speaker.name }}{% endblock %}\n",
                                            encoding="utf-8")
    capsys.readouterr()
    code = main(["check", "--content", str(archive.content), "--templates", str(templates)])
    out = capsys.readouterr().out
    assert code == 1
    assert [line for line in out.splitlines() if not line.startswith(" ")] == [
        f"{templates / 'session.html'}:2: 'session' has no attribute 'speaker'"]


def test_the_summaries_say_1_error_and_2_warnings(archive: Archive, capsys):
    with_legal_pages(archive)
    archive.write("sessions/a.md", session_md("A", "2024-05-16", number=1, sumary="Kurz."))
    archive.write("sessions/b.md", session_md("B", "2024-09-12", number=3))
    archive.write("sessions/c.md", session_md("C", "2024-02-30"))
    capsys.readouterr()
    assert main(archive.args("check", "--templates", str(TEMPLATES))) == 1
    assert capsys.readouterr().err == "check failed: 1 error, 2 warnings\n"
    assert archive.build() == 1
    assert capsys.readouterr().err.splitlines()[-1] == "build failed: 1 error; the output folder was not changed"


def test_a_gap_left_by_a_deleted_report_says_which_reports_to_number_down(archive: Archive, capsys):
    with_legal_pages(archive)
    for number, (stem, day) in enumerate((("a", "2024-01-11"), ("b", "2024-02-08"), ("c", "2024-03-14"),
                                          ("d", "2024-04-11"), ("e", "2024-05-16")), start=1):
        archive.write(f"sessions/{stem}.md", session_md(stem.upper(), day, number=number + (number == 5)))
    (archive.content / "sessions/b.md").unlink()
    code, out = check(archive, capsys, "--strict")
    assert code == 1
    assert (f"{archive.content / 'sessions/c.md'}:4: warning: the numbering of the series 'Smarter Kaffee' jumps "
            "from 1 to 3 (missing: 2)\n    hint: add the missing report, or number the later reports of the "
            "series down (3–4 → 2–3)") in out
    assert "jumps from 4 to 6 (missing: 5)\n    hint: add the missing report, or number the later reports of the " \
           "series down (6 → 5)" in out

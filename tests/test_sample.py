"""The sample archive (content/) tells no lies: the one real report is its source word for word,
with the session it announces; every other report says on its page that it is invented, and
names only invented people and organisations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from support import ROOT, SAMPLE_CONTENT, Archive

from kaffee_site.cli import main

SEED = ROOT / "tests/fixtures/import/seed_000_37e7d88c3d2fade7.txt"  # shared/seed/'s real report, as it reached us
REAL = "sessions/2024/2024-09-05-verstetigung.md"
# Named in the real report besides its speakers: the study's authors and supporters, the
# Digitalagentur, the programme's process support, the district of the network meeting.
NAMED_IN_THE_REAL_REPORT = ("Prognos", "Behördenspiegel", "Städtetag", "Landkreistag", "Coesfeld",
                            "IT-Prozessbegleitung", "Potsdam-Mittelmark")
# Real districts and the names the invented reports once gave their people there.
ONCE_USED = ("Hameln-Pyrmont", "Mansfeld-Südharz", "Göppingen", "Vulkaneifel", "Müller-Weiß", "Katrin Albers",
             "Henrike Brandt", "Björn Schäfer", "Malte Großkopf", "Lea Schütte")


def _split(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def _sessions() -> dict[str, tuple[dict, str]]:
    return {p.relative_to(SAMPLE_CONTENT).as_posix(): _split(p) for p in sorted(SAMPLE_CONTENT.glob("sessions/**/*.md"))}


def _seed() -> str:
    return SEED.read_text(encoding="utf-8")


def test_the_real_report_is_its_source_word_for_word():
    meta, body = _sessions()[REAL]
    source = [" ".join(line.split()) for line in _seed().splitlines()[3:] if line.strip()]
    paragraphs = [" ".join(p.split()) for p in body.split("\n\n") if p.strip()]
    assert paragraphs == source
    assert "example" not in meta
    assert str(meta["date"]) == "2024-09-05" and meta["number"] == 4  # "am 5. September 2024 ... des vierten"
    names = {(s["name"], s["org"]) for s in meta["speakers"]}
    assert names == {("Franziska Stader", "Prognos AG"), ("Joanna Hüffelmann", "Prognos AG"),
                     ("Frederik Ludwig", "Kreis Coesfeld")}
    # "Am 10. Oktober 2024 steht der fünfte »Smarte Kaffee« an": the announcement stays, with its session
    assert str(meta["next"]["date"]) == "2024-10-10"
    announced = [m for m, _ in _sessions().values() if str(m["date"]) == "2024-10-10"]
    assert len(announced) == 1 and announced[0]["number"] == 5 and announced[0]["title"] == meta["next"]["title"]


def test_every_other_report_is_an_invented_example_naming_no_one_real():
    sessions = _sessions()
    real_meta, _ = sessions.pop(REAL)
    real_people = {s["name"] for s in real_meta["speakers"]}
    real_orgs = {s["org"] for s in real_meta["speakers"]}
    assert len(sessions) == 8
    people, orgs = set(), set()
    for rel, (meta, body) in sessions.items():
        assert meta.get("example") is True, rel
        people |= {s["name"] for s in meta.get("speakers", [])}
        orgs |= {s["org"] for s in meta.get("speakers", [])}
        text = yaml.safe_dump(meta, allow_unicode=True) + body
        for name in (*real_people, *NAMED_IN_THE_REAL_REPORT, *ONCE_USED):
            assert name not in text, f"{rel} names {name}"
    assert len(people) >= 5 and len(orgs) >= 5
    assert not people & real_people and not orgs & real_orgs
    # the people and organisations pages come from the sessions: none of them is real but the real report's
    assert all(re.search(r"Muster|Beispiel|Probe|Exempel|Vorlage", name) for name in people | orgs), people | orgs


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("sample"))
    shutil.copytree(SAMPLE_CONTENT, archive.content)
    assert main(archive.args("build")) == 0
    return archive


def test_each_invented_report_says_so_on_its_page_and_the_start_page_says_what_the_sample_is(built: Archive):
    notice = '<p class="notice example" role="note"><strong>Erfundenes Beispiel.</strong>'
    for rel, (meta, _) in _sessions().items():
        if meta.get("draft"):
            continue
        page = built.page(f"sitzungen/{Path(rel).stem}/")
        assert (notice in page) == (rel != REAL), rel
    home = built.page("")
    lead = home.split('<p class="lead">', 1)[1].split("</p>", 1)[0]
    assert "Beispielarchiv" in lead and "erfunden" in lead and "5.9.2024" in lead
    assert home.count("erfundenes Beispiel</span>") == 7  # every invented report in the list, not the real one
    assert built.page("sitzungen/").count('<span class="meta example-tag">erfundenes\u00a0Beispiel</span>') == 7
    about = built.page("ueber-uns/")
    assert "Echt" in about and "Erfunden" in about


def test_the_notice_speaks_english_in_an_english_archive(tmp_path: Path):
    archive = Archive(tmp_path)
    archive.write("site.yaml", "language: en\nsearch: false\n")
    archive.write("sessions/a.md", "---\ntitle: A sample\ndate: 2024-09-05\nexample: true\n---\nMade up.\n")
    archive.write("sessions/b.md", "---\ntitle: A real one\ndate: 2024-10-10\n---\nTrue.\n")
    assert main(archive.args("build")) == 0
    assert ('<strong>Invented example.</strong> This report was made up to show how an archive looks: the people '
            'and organisations in it do not exist, and what it reports did not happen.') in archive.page("sessions/a/")
    assert "Invented example" not in archive.page("sessions/b/")
    archive.write("sessions/a.md", "---\ntitle: A sample\ndate: 2024-09-05\nexample: yes please\n---\nMade up.\n")
    assert main(archive.args("build")) == 1


def test_the_sample_passes_check_strict(capsys):
    assert main(["check", "--content", str(SAMPLE_CONTENT), "--strict"]) == 0, capsys.readouterr().out

"""Two builds of the same content are byte-identical, whatever the machine around them.

Time zone, locale, hash seed, the order files were created in, their modification times
and the folder the content lives in must not change a single byte of the output.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from support import SAMPLE_CONTENT, Archive, epoch, session_md, tree_snapshot

KIRITIMATI = {"TZ": "Pacific/Kiritimati", "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8",
              "PYTHONHASHSEED": "1"}
UTC_C = {"TZ": "UTC", "LANG": "C", "LC_ALL": "C", "PYTHONHASHSEED": "2"}


def _build_in_subprocess(archive: Archive, env: dict) -> dict[str, bytes]:
    shutil.rmtree(archive.output, ignore_errors=True)
    # a fresh build each time: pages from the build cache would hide what this environment renders
    shutil.rmtree(archive.root / ".kaffee-cache", ignore_errors=True)
    result = archive.run("build", env=env)
    assert result.returncode == 0, result.stderr
    return tree_snapshot(archive.output)


def test_sample_archive_is_identical_across_time_zones_locales_and_hash_seeds(archive: Archive):
    shutil.copytree(SAMPLE_CONTENT, archive.content, dirs_exist_ok=True)
    # Today is SOURCE_DATE_EPOCH's day in Germany, wherever the build runs: half an hour before
    # 10 October there (already 10 October in Kiritimati, still 9 October in UTC-10), the
    # announcement of 10 October is still coming, and the later reports are still to be written.
    day = {"SOURCE_DATE_EPOCH": epoch("2024-10-09", "23:30")}
    first = _build_in_subprocess(archive, {**KIRITIMATI, **day})
    second = _build_in_subprocess(archive, {**UTC_C, **day, "TZ": "America/Adak"})
    assert len(first) > 30
    assert first.keys() == second.keys()
    differing = [path for path in first if first[path] != second[path]]
    assert differing == []
    home = first["index.html"].decode()
    assert 'data-until="2024-10-10"' in home and "sitzungen/2024-10-10" not in home


def test_a_session_near_midnight_keeps_its_date_in_every_time_zone(archive: Archive):
    archive.write("sessions/x.md", session_md("Silvester", "2024-12-31"))
    for env in (KIRITIMATI, UTC_C, {**UTC_C, "TZ": "America/Adak"}):
        _build_in_subprocess(archive, env)
        html = archive.page("sitzungen/x/")
        assert "31.\u00a0Dezember\u00a02024" in html and 'datetime="2024-12-31"' in html
        assert "2024</a></h2>" in archive.page("sitzungen/")


FILES = {
    "site.yaml": "title: Test\nbase_url: https://example.org/kaffee/\n",
    "topics/open-data.md": "---\ntitle: Open Data\naliases: [Offene Daten]\n---\nDaten für alle.\n",
    "topics/verstetigung.md": "---\ntitle: Verstetigung\n---\nWas bleibt.\n",
    "pages/impressum.md": "---\ntitle: Impressum\n---\nNiemand.\n",
    "pages/ueber-uns.md": "---\ntitle: Über uns\n---\nWir.\n",
    "media/a.png": "A", "media/sub/b.png": "B",
}
# Sessions with equal dates, equal speakers and shared topics: every tie an unstable sort could break.
for index, (day, series) in enumerate([("2024-09-05", "Kaffee"), ("2024-09-05", "Tee"), ("2024-10-10", "Kaffee"),
                                       ("2024-10-10", "Tee"), ("2024-11-14", "Kaffee"), ("2025-01-16", "Kaffee")]):
    FILES[f"sessions/{day[:4]}/s{index}.md"] = session_md(
        f"Sitzung {index}", day, series=series, topics="[Open Data, Verstetigung, Offene Daten Plus]",
        speakers="[{name: Anna Schmidt, org: Kreis A}, {name: Bernd Maier, org: Kreis B}]",
        next="{date: 2025-02-13, title: Später}", body="Über Open Data und Verstetigung. Mehr in [[Impressum]].")


def _write_archive(root: Path, order: list[str], mtime_of) -> Archive:
    archive = Archive(root)
    archive.content.mkdir(parents=True)
    for rel in order:
        path = archive.write(rel, FILES[rel])
        stamp = mtime_of(rel)
        os.utime(path, (stamp, stamp))
    return archive


def test_file_order_mtimes_and_content_location_do_not_matter(tmp_path: Path):
    names = sorted(FILES)
    forward = _write_archive(tmp_path / "one", names, lambda rel: 1_600_000_000 + names.index(rel))
    backward = _write_archive(tmp_path / "zwei" / "tiefer", names[::-1],
                              lambda rel: 1_700_000_000 - 977 * names.index(rel))
    assert forward.build() == 0
    assert backward.build() == 0
    first, second = tree_snapshot(forward.output), tree_snapshot(backward.output)
    assert first.keys() == second.keys()
    assert [path for path in first if first[path] != second[path]] == []


def test_the_output_does_not_leak_the_content_location(archive: Archive):
    for rel, text in FILES.items():
        archive.write(rel, text)
    assert archive.build() == 0
    for rel, data in tree_snapshot(archive.output).items():
        assert str(archive.root).encode() not in data, rel

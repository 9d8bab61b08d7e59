from conftest import Archive, session_md


def test_a_session_becomes_a_page_with_a_german_date(archive: Archive, capsys):
    archive.write("sessions/treffen.md", session_md("Über Fördermittel", "2024-09-05", number=4))
    assert archive.build() == 0
    html = archive.page("sitzungen/treffen/")
    assert "<h1>Über Fördermittel</h1>" in html
    assert "5. September 2024" in html
    assert 'lang="de"' in html
    out = capsys.readouterr().out
    assert "built" in out

"""admin/ made from the one schema (cms/decap.py, cms/page.py, outputs/admin.py): every key of
every kind is a field of the editor with the widget its type asks for, each Git host gets the
backend it needs, site.yaml's `cms:` mistakes are errors at their lines, and no reader's page
loads or links the editor.

The widget each type must get is written out here, not read from decap.py: a field that drifts
from the schema, or a new key without a field, fails the test.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml
from support import ROOT, Archive, session_md, with_legal_pages

from kaffee_site.cli import main
from kaffee_site.cms_settings import DECAP_VERSION, DEFAULT_INTEGRITY, DEFAULT_SCRIPT
from kaffee_site.content.schema import (BOOLEAN, DATE, IMAGE, KINDS, NUMBER, OBJECT, OBJECTS, STRING, STRINGS, TEXT,
                                        TIME, Field, Kind)

SITE = "title: Testarchiv\nbase_url: https://example.org/kaffee/\nsearch: false\n"
WIDGETS = {STRING: "string", TEXT: "text", DATE: "datetime", TIME: "string", NUMBER: "number",
           BOOLEAN: "boolean", IMAGE: "image", STRINGS: "list", OBJECT: "object", OBJECTS: "list"}
# keys whose values are the archive's own records: chosen from them, not typed blind
RECORDS = {("session", "topics"): "relation", ("session", "speakers", "name"): "kaffee-name",
           ("session", "speakers", "org"): "kaffee-name", ("session", "series"): "kaffee-name"}
DECAP_BUNDLE = ROOT / "node_modules" / "decap-cms" / "dist" / "decap-cms.js"


def _archive(archive: Archive, cms: str = "cms:\n", language: str = "de") -> Archive:
    archive.write("site.yaml", SITE + f"language: {language}\n" + cms)
    archive.write("sessions/2025/2025-01-16-erste.md", session_md(
        "Erste Sitzung", "2025-01-16", topics="[Verstetigung]",
        speakers="\n  - name: Jana Beispiel\n    org: Kreis Beispiel\n  - name: Ali Muster"))
    archive.write("sessions/2025/2025-02-13-zweite.md", session_md("Zweite", "2025-02-13", series="Kaffee extra",
                                                                   speakers="\n  - name: Bea Test\n    org: Amt Z"))
    archive.write("topics/verstetigung.md", "---\ntitle: Verstetigung\naliases: [Nachhaltigkeit]\n---\nText.\n")
    archive.write("people/jana-beispiel.md", "---\nname: Jana Beispiel\n---\n")
    archive.write("pages/impressum.md", "---\ntitle: Impressum\n---\nText.\n")
    return archive


def _config(archive: Archive) -> dict:
    assert archive.build() == 0
    text = (archive.output / "admin" / "config.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _walk(kind: Kind, fields: tuple[Field, ...], found: list[dict], path: tuple[str, ...] = ()):
    """Every schema field beside the config's field of the same place, depth first."""
    assert [item["name"] for item in found] == [field.key for field in fields], \
        f"{kind.name}.{'.'.join(path) or '*'}: the fields in the schema's order"
    for field, item in zip(fields, found):
        yield (*path, field.key), field, item
        if field.type in (OBJECT, OBJECTS):
            yield from _walk(kind, field.fields, item["fields"], (*path, field.key))


def test_every_schema_key_is_a_field_with_the_widget_of_its_type(archive: Archive):
    config = _config(_archive(archive))
    collections = {collection["name"]: collection for collection in config["collections"]}
    assert list(collections) == [kind.folder for kind in KINDS]
    checked = 0
    for kind in KINDS:
        collection = collections[kind.folder]
        assert collection["folder"] == f"content/{kind.folder}" and collection["format"] == "frontmatter"
        fields = collection["fields"]
        body = fields[-1]
        assert (body["name"], body["widget"]) == ("body", "markdown"), f"{kind.name}: the Markdown body last"
        for path, field, item in _walk(kind, kind.fields, fields[:-1]):
            where = f"{kind.name}.{'.'.join(path)}"
            assert item["widget"] == RECORDS.get((kind.name, *path), WIDGETS[field.type]), where
            in_optional_object = len(path) == 2 and kind.field(path[:1]).type == OBJECT \
                and not kind.field(path[:1]).required
            assert item["required"] is (field.required and not in_optional_object), where
            assert item["label"] and (item.get("hint") or not field.hint), where
            if field.type == DATE:
                assert item["format"] == "YYYY-MM-DD" and item["time_format"] is False, where
            if field.type == TIME:
                assert re.fullmatch(item["pattern"][0].strip("^$"), "14:00") and \
                    not re.fullmatch(item["pattern"][0].strip("^$"), "25:00"), where
            if field.type == STRINGS and item["widget"] == "list":
                assert item["field"]["widget"] == "string", where
            if field.format == "slug":
                pattern = (item.get("pattern") or item["field"]["pattern"])[0]
                assert re.search(pattern, "verstetigung-2025") and not re.search(pattern, "Ver stetigung"), where
            checked += 1
    assert checked == sum(1 for kind in KINDS for _ in _walk(kind, kind.fields, collections[kind.folder]["fields"][:-1]))
    assert checked > 40


def test_relation_fields_offer_the_archives_records(archive: Archive):
    config = _config(_archive(archive))
    sessions = next(c for c in config["collections"] if c["name"] == "sessions")
    fields = {field["name"]: field for field in sessions["fields"]}
    topics = fields["topics"]
    assert (topics["collection"], topics["value_field"], topics["multiple"]) == ("topics", "title", True)
    assert "aliases" in topics["search_fields"]
    speaker = {field["name"]: field for field in fields["speakers"]["fields"]}
    assert speaker["name"]["options"] == ["Ali Muster", "Bea Test", "Jana Beispiel"]
    assert speaker["org"]["options"] == ["Amt Z", "Kreis Beispiel"]
    assert fields["series"]["options"] == ["Kaffee extra", "Smarter Kaffee"]
    # the archive's folder layout and file names, its language, its stylesheet in the preview
    assert (sessions["path"], sessions["slug"]) == ("{{year}}/{{slug}}", "{{fields.date}}-{{slug}}")
    assert sessions["media_folder"] == "/content/media" and config["media_folder"] == "content/media"
    assert config["locale"] == "de" and sessions["label"] == "Sitzungen"
    assert sessions["preview_path"] == "sitzungen/{{filename}}/"
    page = (archive.output / "admin" / "index.html").read_text(encoding="utf-8")
    settings = json.loads(re.search(r'<script type="application/json" id="kaffee-cms">(.*?)</script>', page).group(1))
    assert settings["style"] == "/kaffee/static/style.css"
    # a picture needs its alternative text, an announcement its date, once either is filled in
    together = {rule["key"]: [need[0] for need in rule["needs"]] for rule in settings["rules"]["sessions"]["together"]}
    assert together == {"image": ["src", "alt"], "next": ["date"]}


def test_an_english_archive_gets_english_forms(archive: Archive):
    config = _config(_archive(archive, language="en"))
    sessions = config["collections"][0]
    assert config["locale"] == "en" and sessions["label"] == "Sessions"
    assert sessions["preview_path"] == "sessions/{{filename}}/"
    assert {field["name"]: field["label"] for field in sessions["fields"]}["speakers"] == "Speakers"


@pytest.mark.parametrize("cms, backend", [
    ("cms:\n", {"name": "proxy", "proxy_url": "http://localhost:8081/api/v1", "branch": "main"}),
    ("cms:\n  backend: github\n  repository: kreis-x/kaffee\n  branch: redaktion\n",
     {"name": "github", "repo": "kreis-x/kaffee", "branch": "redaktion"}),
    ("cms:\n  backend: github\n  repository: kreis-x/kaffee\n  auth_url: https://auth.example.org\n",
     {"name": "github", "repo": "kreis-x/kaffee", "branch": "main", "base_url": "https://auth.example.org"}),
    ("cms:\n  backend: gitlab\n  repository: kreis/sub/kaffee\n  app_id: a1b2\n",
     {"name": "gitlab", "repo": "kreis/sub/kaffee", "branch": "main", "auth_type": "pkce", "app_id": "a1b2",
      "base_url": "https://gitlab.com"}),
    ("cms:\n  backend: gitlab\n  repository: kreis/kaffee\n  server: https://git.example.org\n  app_id: a1\n",
     {"name": "gitlab", "repo": "kreis/kaffee", "branch": "main", "api_root": "https://git.example.org/api/v4",
      "auth_type": "pkce", "app_id": "a1", "base_url": "https://git.example.org"}),
    ("cms:\n  backend: gitea\n  repository: kreis/kaffee\n  server: https://git.example.org/\n  app_id: x-1\n",
     {"name": "gitea", "repo": "kreis/kaffee", "branch": "main", "api_root": "https://git.example.org/api/v1",
      "base_url": "https://git.example.org", "app_id": "x-1"}),
], ids=["local", "github", "github-oauth", "gitlab-pkce", "gitlab-self-hosted", "gitea"])
def test_each_git_host_gets_the_backend_it_needs(archive: Archive, cms: str, backend: dict):
    config = _config(_archive(archive, cms=cms + "  folder: site/content\n"))
    assert config["backend"] == backend
    assert config["collections"][0]["folder"] == "site/content/sessions"
    assert config["media_folder"] == "site/content/media"


@pytest.mark.parametrize("cms, line, message", [
    ("cms:\n  backend: githb\n", 6, "'cms.backend' is 'githb', not one of local, github, gitlab, gitea"),
    ("cms:\n  backend: github\n", 6, "the github backend needs 'cms.repository'"),
    ("cms:\n  backend: gitea\n  repository: a/b\n", 6, "the gitea backend needs 'cms.server'"),
    ("cms:\n  repository: ../etc\n", 6, "'cms.repository' '../etc' is not 'owner/name'"),
    ("cms:\n  folder: ../secret\n", 6, "'cms.folder' '../secret' is not a folder inside the repository"),
    ("cms:\n  script: http://cdn.example.org/decap.js\n", 6,
     "'cms.script' 'http://cdn.example.org/decap.js' is neither an https:// address nor a .js file"),
    ("cms:\n  script: https://cdn.example.org/decap.js\n", 6, "'cms.script' from another address needs "
                                                              "'cms.integrity'"),
    ("cms: [github]\n", 5, "'cms' must be a mapping of settings"),
], ids=["typo", "no-repository", "gitea-no-server", "repository", "folder", "http-script", "no-integrity",
        "not-a-mapping"])
def test_cms_mistakes_are_errors_at_their_line(archive: Archive, capsys, cms: str, line: int, message: str):
    _archive(archive, cms=cms)
    assert main(archive.args("check")) == 1
    out = capsys.readouterr().out
    assert f"site.yaml:{line}: {message}" in out, out
    assert not (archive.output / "admin").exists()


def test_the_pinned_scripts_address_written_out_is_the_default(archive: Archive, capsys):
    # an editor who copies the default from the docs gets what leaving it out gives
    _archive(archive, cms=f"cms:\n  script: {DEFAULT_SCRIPT}\n  integrity: {DEFAULT_INTEGRITY}\n")
    assert main(archive.args("check")) == 0, capsys.readouterr().out
    written = _config(archive)
    _archive(archive, cms="cms:\n  backend: local\n")
    assert written == _config(archive)
    for hostile in ("https://user@evil.example/x.js", "https://unpkg.com@evil.example/x.js"):
        _archive(archive, cms=f"cms:\n  script: {hostile}\n  integrity: {DEFAULT_INTEGRITY}\n")
        assert main(archive.args("check")) == 1
        assert f"'cms.script' '{hostile}' is neither" in capsys.readouterr().out


def test_the_pinned_script_is_the_npm_release_and_its_hash_matches(archive: Archive):
    assert DECAP_BUNDLE.is_file(), f"{DECAP_BUNDLE} is missing: `make test` installs it (the Makefile's DECAP_VERSION)"
    package = json.loads((DECAP_BUNDLE.parents[1] / "package.json").read_text(encoding="utf-8"))
    assert package["version"] == DECAP_VERSION and f"decap-cms@{DECAP_VERSION}/dist/decap-cms.js" in DEFAULT_SCRIPT
    digest = base64.b64encode(hashlib.sha384(DECAP_BUNDLE.read_bytes()).digest()).decode()
    assert DEFAULT_INTEGRITY == f"sha384-{digest}"
    _archive(archive)
    assert archive.build() == 0
    page = (archive.output / "admin" / "index.html").read_text(encoding="utf-8")
    assert f'<script src="{DEFAULT_SCRIPT}" integrity="{DEFAULT_INTEGRITY}" crossorigin="anonymous" ' \
           'referrerpolicy="no-referrer"></script>' in page
    assert '<meta name="robots" content="noindex, nofollow">' in page


def test_an_archives_own_copy_of_the_script_needs_no_third_party(archive: Archive):
    _archive(archive, cms="cms:\n  script: static/decap-cms.js\n")
    assert archive.build() == 0
    page = (archive.output / "admin" / "index.html").read_text(encoding="utf-8")
    assert '<script src="/kaffee/static/decap-cms.js"></script>' in page and "https://" not in page


def test_no_readers_page_loads_or_links_the_editor(archive: Archive):
    _archive(archive)
    archive.write("organisations/kreis-beispiel.md", "---\nname: Kreis Beispiel\n---\n")
    assert archive.build() == 0
    files = [path for path in archive.output.rglob("*") if path.is_file() and path.parts[-2:][0] != "admin"
             and "admin" not in path.relative_to(archive.output).parts]
    assert len([path for path in files if path.suffix == ".html"]) > 8
    for path in files:
        if path.suffix in (".html", ".xml", ".json", ".txt", ".js", ".css", ".ics"):
            text = path.read_text(encoding="utf-8", errors="replace")
            where = path.relative_to(archive.output).as_posix()
            assert "decap" not in text.lower() and "unpkg" not in text, where
            assert "/admin/" not in text and "admin.js" not in text and "config.yml" not in text, where
    assert sorted(path.name for path in (archive.output / "admin").iterdir()) == ["admin.js", "config.yml",
                                                                                   "index.html"]


def test_without_cms_there_is_no_admin_folder(archive: Archive):
    _archive(archive, cms="")
    assert archive.build() == 0
    assert not (archive.output / "admin").exists()


def test_the_editor_is_the_same_bytes_for_the_same_archive(archive: Archive, tmp_path: Path):
    _archive(archive)
    assert archive.build() == 0
    first = {path.name: path.read_bytes() for path in (archive.output / "admin").iterdir()}
    other = Archive(tmp_path / "again")
    other.content.mkdir(parents=True)
    for path in sorted(archive.content.rglob("*"), reverse=True):  # another order of writing
        if path.is_file():
            other.write(path.relative_to(archive.content).as_posix(), path.read_bytes())
    assert other.build() == 0
    assert {path.name: path.read_bytes() for path in (other.output / "admin").iterdir()} == first


def test_an_own_copy_of_the_script_that_is_not_there_is_a_warning_at_its_line(archive: Archive, capsys):
    with_legal_pages(_archive(archive, cms="cms:\n  script: static/decap/decap-cms.js\n"))
    assert main(archive.args("check", "--strict")) == 1
    out = capsys.readouterr().out
    assert "site.yaml:6: warning: 'cms.script' names static/decap/decap-cms.js, which the build does not write" \
        in out, out
    templates = archive.root / "templates"
    (templates / "static" / "decap").mkdir(parents=True)
    (templates / "static" / "decap" / "decap-cms.js").write_text("/* the archive's copy */\n", encoding="utf-8")
    assert main(archive.args("check", "--strict", "--templates", str(templates))) == 0, capsys.readouterr().out

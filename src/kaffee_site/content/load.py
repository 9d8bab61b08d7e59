"""Stage 1, load: find the content files, decode them, split and read their YAML front matter.

This is the only module that knows YAML. Every value comes with the line it stands on
(`SourceDoc.lines`), so later stages can report `path:line` for a bad key.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from kaffee_site.config import CONFIG_FILE, SiteConfig, config_from_mapping
from kaffee_site.digest import digest as content_digest
from kaffee_site.errors import ContentError, Diagnostics, Problem
from kaffee_site.content.active_media import media_problems
from kaffee_site.content.limits import check_nodes, check_text
from kaffee_site.content.scan import Walk, display_path, read_inside
from kaffee_site.content.schema import KINDS

SECTIONS = {kind.folder: kind.name for kind in KINDS}  # folder -> kind of record
FENCE = "---"


@dataclass(frozen=True)
class SourceDoc:
    """One Markdown file, read and split, nothing interpreted yet."""

    kind: str  # "session", "topic", "page", "person" or "organisation"
    rel: str  # path inside the content folder, with forward slashes
    display: str  # path as the editor should see it in messages
    meta: Mapping[str, Any]
    lines: Mapping[tuple, int]  # ("speakers", 0, "name") -> line in the file
    body: str
    body_line: int  # file line of the body's first line
    digest: str  # of the raw bytes (digest.py), for caches

    @property
    def stem(self) -> str:
        return Path(self.rel).stem

    def line_of(self, *key: Any) -> int | None:
        """Line of a front-matter key (or of its parent when the key is missing)."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), 1)  # empty front matter: point at its opening '---'


@dataclass(frozen=True)
class Content:
    config: SiteConfig
    config_digest: str
    docs: tuple[SourceDoc, ...]
    media: tuple[str, ...]  # files under media/, relative to it

    def of_kind(self, kind: str) -> tuple[SourceDoc, ...]:
        return tuple(doc for doc in self.docs if doc.kind == kind)


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML, but dates stay text: we validate them ourselves and can name the line."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)


class _FormLoader(yaml.SafeLoader):
    """YAML 1.2's core schema, as form editors write it (Decap CMS's `yaml` library): only true and
    false are booleans, only plain decimal numbers are numbers; 'yes', 'on', '14:00', '1_000' and
    '0755' stay text, and dates are text as they are for the build."""


_FormLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("int", r"^[-+]?[0-9]+$", "-+0123456789"),
        ("float", r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$", "-+0123456789."),
        ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])):
    _FormLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))
_FormLoader.add_constructor("tag:yaml.org,2002:int", lambda loader, node: int(loader.construct_scalar(node), 10))
_FormLoader.add_constructor("tag:yaml.org,2002:timestamp", _FormLoader.construct_yaml_str)


def read_form_yaml(text: str, display: str) -> Any:
    """Front matter as a form editor meant it (YAML 1.2, see _FormLoader), within the same limits
    as every front matter; raises ContentError when it cannot be read."""
    what = "the front matter"
    check_text(text, display, 1, what)
    loader = _FormLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_nodes(node, display, 1, what, text)
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        raise _yaml_problem(err, display, 1, text.rstrip("\n").count("\n") + 1, what) from None
    except (RecursionError, ValueError, TypeError) as err:
        raise ContentError(display, 1, f"{what} cannot be read: {err}") from None
    finally:
        loader.dispose()


def load_content(content_dir: Path, display_root: str, diag: Diagnostics, cache: Any = None) -> Content:
    """Read everything under `content_dir`; problems go to `diag`, unreadable files are skipped.

    `cache` (a cache.BuildCache) keeps parsed front matter by the file's content hash."""
    found = scan_content(content_dir, display_root)
    for problem in found.problems:
        diag.add(problem)
    config, config_digest = load_config(content_dir, display_root, diag)
    docs, real_root = [], os.path.realpath(content_dir)
    for path, kind, rel in found.sources:
        try:
            docs.append(read_source(read_inside(path, real_root), kind, rel, display_path(display_root, rel), cache))
        except ContentError as err:
            diag.add(err.problem)
        except OSError as err:
            diag.error(display_path(display_root, rel), None, f"cannot read the file: {err.strerror}")
    for rel in found.media:
        for problem in media_problems(display_path(display_root, f"media/{rel}"), rel,
                                      media_source(content_dir, rel), real_root):
            diag.add(problem)
    return Content(config, config_digest, tuple(docs), found.media)


@dataclass(frozen=True)
class Found:
    """What `scan_content` found: the files a build reads, and why others were refused."""

    sources: tuple[tuple[Path, str, str], ...]  # (path to read, kind, NFC path inside the content folder)
    media: tuple[str, ...]  # files under media/, relative to it
    problems: tuple[Problem, ...]


def scan_content(content_dir: Path, display_root: str) -> Found:
    """List the content folder without leaving it (scan.py): links, unreadable folders, NFC names."""
    walk = Walk(content_dir, display_root, [])
    sources = tuple((entry.path, kind, entry.rel) for kind_dir, kind in SECTIONS.items()
                    for entry in walk.files(kind_dir, ".md", recursive=kind == "session"))
    media = tuple(entry.rel.removeprefix("media/") for entry in walk.files("media", None, recursive=True))
    return Found(sources, media, tuple(walk.problems))


def media_source(content_dir: Path, rel: str) -> Path:
    """The file on disk for a media path as `scan_content` listed it (its name may be NFD there)."""
    folder = content_dir / "media"
    path = folder / rel
    if os.path.lexists(path):
        return path
    for part in rel.split("/"):  # seldom: a name saved decomposed, e.g. from macOS
        names = sorted(os.listdir(folder)) if folder.is_dir() else []
        folder = folder / next((n for n in names if unicodedata.normalize("NFC", n) == part), part)
    return folder


def load_config(content_dir: Path, display_root: str, diag: Diagnostics) -> tuple[SiteConfig, str]:
    """site.yaml (all defaults when there is none) and the digest of its bytes."""
    walk = Walk(content_dir, display_root, [])
    path = walk.file(CONFIG_FILE)  # a link that leaves the folder is refused like any other
    for problem in walk.problems:
        diag.add(problem)
    display = display_path(display_root, CONFIG_FILE)
    if not path:
        return SiteConfig(), ""
    try:
        raw = read_inside(path, os.path.realpath(content_dir))
    except OSError as err:
        diag.error(display, None, f"cannot read the file: {err.strerror}", "make it readable (chmod a+r)")
        return SiteConfig(), ""
    try:
        text = decode(raw, display)
        data, lines = parse_yaml(text, display, first_line=1, what=CONFIG_FILE)
    except ContentError as err:
        diag.add(err.problem)
        return SiteConfig(), ""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        diag.error(display, 1, "site.yaml must hold 'key: value' lines")
        return SiteConfig(), ""
    return config_from_mapping(data, lines, display, diag), content_digest(raw)


def decode(raw: bytes, display: str) -> str:
    """UTF-8 (a BOM is allowed), newlines normalised to \\n."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ContentError(
            display, line, f"the file is not UTF-8 (byte 0x{raw[err.start]:02x} cannot be read)",
            "save the file with the encoding UTF-8",
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # one form for every text, before anything reads it: 'ö' typed on macOS is 'o' + U+0308
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def read_source(raw: bytes, kind: str, rel: str, display: str, cache: Any = None) -> SourceDoc:
    """Decode and split one Markdown file; raises ContentError when that is impossible."""
    text = decode(raw, display)
    digest = content_digest(raw)
    known = cache.front_matter(digest) if cache is not None else None
    if known is not None:  # (meta, key lines, index of the closing fence), from an earlier build
        meta, key_lines, closing = known
        parts = text.split("\n", closing + 1)
        return SourceDoc(kind=kind, rel=rel, display=display, meta=MappingProxyType(meta),
                         lines=MappingProxyType(key_lines), body=parts[closing + 1] if len(parts) > closing + 1 else "",
                         body_line=closing + 2, digest=digest)
    if not text.strip():
        raise ContentError(display, 1, "the file is empty",
                           "start with front matter between two '---' lines, e.g. 'title:' and 'date:'")
    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        raise ContentError(display, 1, "the file does not start with front matter",
                           "the first line must be '---', followed by 'title: …' and a closing '---'")
    closing = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() in (FENCE, "...")), None)
    if closing is None:
        raise ContentError(display, 1, "the front matter is not closed",
                           "did you forget the closing '---' line after the front matter?")
    front = "\n".join(lines[1:closing])
    meta, key_lines = parse_yaml(front, display, first_line=2)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ContentError(display, 2, "the front matter must be 'key: value' lines",
                           "write each key on its own line, e.g. 'title: …'")
    body = "\n".join(lines[closing + 1:])
    if cache is not None:
        cache.store_front_matter(digest, (meta, key_lines, closing))
    return SourceDoc(
        kind=kind, rel=rel, display=display,
        meta=MappingProxyType(meta), lines=MappingProxyType(key_lines),
        body=body, body_line=closing + 2, digest=digest,
    )


def parse_yaml(text: str, display: str, first_line: int,
               what: str = "the front matter") -> tuple[Any, dict[tuple, int]]:
    """YAML text -> (data, {key path: file line}); `first_line` is the file line of text's line 1."""
    check_text(text, display, first_line, what)  # before libyaml, whose own message names no line
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_nodes(node, display, first_line, what, text)  # aliases, depth, duplicate keys, escapes
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        raise _yaml_problem(err, display, first_line, text.rstrip("\n").count("\n") + 1, what,
                            _tab_indented(text, err)) from None
    except (RecursionError, ValueError, TypeError) as err:
        raise ContentError(display, first_line, f"{what} cannot be read: {err}") from None
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}
    if node is not None:
        _record_lines(node, (), first_line, lines, set())
    return data, lines


def _yaml_problem(err: yaml.YAMLError, display: str, first_line: int, n_lines: int, what: str,
                  tab_indented: bool = False) -> ContentError:
    # libyaml often puts the problem on the line after the text (the closing '---' or beyond);
    # then the context mark (where the open bracket or quote began) is the line to show.
    # A quote or bracket left open swallows the lines after it (valid YAML) until libyaml gives
    # up at the end, far below the mistake: then the line where it opened is the one to show.
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    context = getattr(err, "context", None) or ""
    unclosed_quote = context.startswith("while scanning a quoted scalar") and "end of stream" in problem
    opened = unclosed_quote or context.startswith("while parsing a flow")
    marks = [getattr(err, "problem_mark", None), getattr(err, "context_mark", None)]
    inside = [m.line for m in (marks[::-1] if opened else marks) if m is not None and 0 <= m.line < n_lines]
    line = first_line + (inside[0] if inside else n_lines - 1)
    message = f"invalid YAML in {what}: {problem}" + (f" ({context})" if context else "")
    hint = "check the indentation and put values that contain ': ' or start with a special character in quotes"
    if unclosed_quote:
        message = f"invalid YAML in {what}: the quote that opens on this line is never closed"
        hint = "end the value with the same quote mark on this line"
    if "\\t" in str(problem) or "tab" in str(problem) or tab_indented:
        hint = "indent with spaces, not tabs"
    return ContentError(display, line, message, hint)


def _tab_indented(text: str, err: yaml.YAMLError) -> bool:
    """Whether the line libyaml stumbled on is indented with a tab: it often says only that a
    character 'cannot start any token', without naming the tab."""
    mark = getattr(err, "problem_mark", None)
    lines = text.split("\n")
    if mark is None or not 0 <= mark.line < len(lines):
        return False
    line = lines[mark.line]
    return "\t" in line[: len(line) - len(line.lstrip())]


def _record_lines(node: yaml.Node, path: tuple, first_line: int, out: dict, seen: set) -> None:
    if id(node) in seen:  # aliases share nodes: visit each once, however often it is referenced
        return
    seen.add(id(node))
    out.setdefault(path, first_line + node.start_mark.line)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                child = path + (key_node.value,)
                out.setdefault(child, first_line + key_node.start_mark.line)
                _record_lines(value_node, child, first_line, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, path + (index,), first_line, out, seen)

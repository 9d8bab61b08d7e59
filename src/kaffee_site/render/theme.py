"""The theme: templates and static files found on a search path.

An archive's templates folder holds only the files it changes; every other file comes from
the default theme that ships inside the package (`kaffee_site.themes.default`, mapped by
setuptools onto the repository's top-level `templates/`). A template can reach the default
one it replaces through the prefix `default/`, so an override of `base.html` may be just

    {% extends "default/base.html" %}
    {% block main %}…{% endblock %}

Static files are looked up the same way, file by file. The theme knows which file every name
resolved to, and `source_digest` / `template_digest` let the engine tell which outputs an added,
changed or removed override touches. This is the only module besides render.py that knows Jinja2.
"""

from __future__ import annotations

import json
import types
from pathlib import Path, PurePath
from typing import Any, Callable, Iterable

import jinja2
import jinja2.bccache
import jinja2.meta
import jinja2.runtime
import jinja2.sandbox

from kaffee_site.digest import digest
from kaffee_site.errors import KaffeeError, TemplateProblem
from kaffee_site.i18n import DEFAULT_LANGUAGE, catalogue
from kaffee_site.render.template_errors import Undefined, template_problem
from kaffee_site.text import german_date, plain_excerpt
from kaffee_site.themes import default_theme_folder

STATIC_DIR = "static"
DEFAULT_PREFIX = "default/"  # names under it always come from the packaged default theme
# Files of a theme folder that are not part of the theme (the package marker, caches).
_NOT_THEME = frozenset({"__init__.py", "__pycache__"})




def _theme_file(rel: Path) -> bool:
    return not any(part in _NOT_THEME or part.startswith(".") or part.endswith("~") for part in rel.parts)


class Theme:
    """The archive's templates folder (if there is one) over the default theme, compiled once.

    `folder` may be missing: the archive then uses the default theme alone."""

    def __init__(self, folder: Path | None = None, language: str = DEFAULT_LANGUAGE,
                 filters: dict[str, Callable] | None = None, store: Any = None, sandboxed: bool = True):
        # `store`: a store (reuse/cache.Section) that keeps each template's references by its source's
        # digest, so a build does not parse every template again only to learn what it includes
        self.store = store
        self.default = default_theme_folder().resolve()
        self.words = catalogue(language)
        own = [folder] if folder is not None and folder.is_dir() else []
        # the repository's own templates/ is the default theme: look there once
        self.folders: tuple[Path, ...] = tuple(dict.fromkeys(p.resolve() for p in (*own, self.default)))
        self._digests: dict[str, str | None] = {}
        self._closures: dict[str, frozenset[str]] = {}
        self.sandboxed = sandboxed
        self.env = (_Sandbox if sandboxed else jinja2.Environment)(
            loader=_SearchPathLoader(self),
            autoescape=True,
            undefined=Undefined,  # StrictUndefined that can name the missing attribute's neighbours
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=-1,
            extensions=["jinja2.ext.i18n"],
            bytecode_cache=_StoredBytecode(store, sandboxed),
        )
        # {% trans %} blocks may span lines: their text is joined the way gettext's tools extract it
        self.env.policies["ext.i18n.trimmed"] = True
        words = self.words
        self.env.install_gettext_callables(  # type: ignore[attr-defined]
            words.gettext, words.ngettext, newstyle=True, pgettext=words.pgettext, npgettext=words.npgettext)
        ours = dict(
            long_date=words.date, month_name=words.month, weekday=words.weekday,
            time_range=words.time_range, german_date=german_date,
            isodate=lambda d: d.isoformat(), json=_json_for_script, excerpt=plain_excerpt,
        )
        ours.update(filters or {})
        self.env.filters.update({name: _at_render_time(func) for name, func in ours.items()})

    # --- where names come from -----------------------------------------------------------

    def resolve(self, name: str) -> Path | None:
        """The file a template or static name ('base.html', 'static/style.css',
        'default/base.html') comes from, or None if no folder on the search path has it."""
        try:
            parts = jinja2.loaders.split_template_path(name)  # refuses '..' and absolute names
        except jinja2.TemplateNotFound:
            return None
        folders: Iterable[Path] = self.folders
        if name.startswith(DEFAULT_PREFIX):
            parts, folders = parts[1:], (self.default,)
        if not parts or not _theme_file(Path(*parts)):
            return None
        for folder in folders:
            path = folder.joinpath(*parts)
            if path.is_file():
                return path
        return None

    def source_digest(self, name: str) -> str | None:
        """Digest of the file `name` resolves to (the archive's override or the default theme's,
        and its bytes, not where either lies: a clone elsewhere keeps its cache); None if there
        is none. Adding or removing an override changes it, so does editing the file."""
        if name not in self._digests:
            path = self.resolve(name)
            if path is None:
                self._digests[name] = None
            else:
                layer = "default" if path.is_relative_to(self.default) else "override"
                self._digests[name] = digest(layer, name, path.read_bytes())
        return self._digests[name]

    def template_closure(self, name: str) -> frozenset[str]:
        """`name` and every template it extends, includes or imports, followed through.

        A template that picks a name at run time (`{% include var %}`) may reach any template,
        so then every template of the theme counts."""
        if name not in self._closures:
            seen: set[str] = set()
            todo = [name]
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                seen.add(current)
                refs = self._references(current)
                if refs is None:
                    seen |= set(self.template_names())
                    break
                todo.extend(refs)
            self._closures[name] = frozenset(seen)
        return self._closures[name]

    def template_digest(self, name: str) -> str:
        """Digest of every file that rendering `name` reads: what a page's output depends on
        in the theme. Unchanged as long as none of those files is added, removed or edited."""
        pairs = sorted((n, self.source_digest(n) or "-") for n in self.template_closure(name))
        pairs.append(("words", self.words.digest))  # every template shows words of the catalogue
        return digest(json.dumps(pairs))

    def digest(self) -> str:
        """Digest of every file of the theme as resolved (templates and static files)."""
        names = [*self.template_names(), *(f"{STATIC_DIR}/{rel}" for rel, _ in self.static_files())]
        pairs = [(n, self.source_digest(n)) for n in sorted(names)] + [("words", self.words.digest)]
        return digest(json.dumps(pairs))

    def template_names(self) -> list[str]:
        """Every template name the search path offers (not the static files)."""
        return sorted({rel for rel, _ in self._files(lambda rel: rel.parts[0] != STATIC_DIR)})

    def static_files(self) -> list[tuple[str, Path]]:
        """(path inside static/, file) for every static file; an archive's file wins over the default's."""
        found: dict[str, Path] = {}
        for rel, path in self._files(lambda rel: rel.parts[0] == STATIC_DIR and len(rel.parts) > 1):
            found.setdefault(rel.split("/", 1)[1], path)
        return sorted(found.items())

    def _files(self, wanted: Callable[[Path], bool]) -> list[tuple[str, Path]]:
        """(name, file) of every theme file in search order: earlier folders first."""
        files = []
        for folder in self.folders:
            for path in sorted(folder.rglob("*")):
                rel = path.relative_to(folder)
                if path.is_file() and _theme_file(rel) and wanted(rel):
                    files.append((rel.as_posix(), path))
        return files

    def stored_names(self) -> list[str]:
        """The names under which `store` holds this theme as it is now (each template's
        references and compiled code, the `default/` layer of an overridden one too), so a store
        that drops what a run did not ask for keeps the templates this run did not render."""
        names = []
        for name in self.template_names():
            for layered in (name, DEFAULT_PREFIX + name):
                path = self.resolve(layered)
                if path is None or (layered != name and path == self.resolve(name)):
                    continue
                source = path.read_text(encoding="utf-8")
                cache = self.env.bytecode_cache
                names.append(f"template-references\x1f{self.source_digest(layered)}")
                if isinstance(cache, _StoredBytecode):
                    names.append(cache.name(cache.get_cache_key(layered, str(path)),
                                            cache.get_source_checksum(source)))
        return names

    def _references(self, name: str) -> list[str] | None:
        """Names `name` refers to; None if one of them is only known at run time."""
        digest = self.source_digest(name)
        key = f"template-references\x1f{digest}"
        if digest is not None and self.store is not None:
            found = self.store.get(key)
            if found is not None:
                dynamic, refs = found
                return None if dynamic else list(refs)
        try:
            source, _, _ = self.env.loader.get_source(self.env, name)
            refs = list(jinja2.meta.find_referenced_templates(self.env.parse(source)))
        except jinja2.TemplateError:  # not found or broken: rendering reports it properly
            return []
        dynamic = any(ref is None for ref in refs)
        if digest is not None and self.store is not None:
            self.store.put(key, (dynamic, [] if dynamic else refs))
        return None if dynamic else refs

    # --- rendering -------------------------------------------------------------------------

    def render(self, template: str, **context: Any) -> str:
        try:
            return self.env.get_template(template).render(**context)
        except jinja2.TemplateNotFound as err:
            raise TemplateProblem(str(err.name), None, "template not found (looked in "
                                  f"{', '.join(str(f) for f in self.folders)})") from None
        except KaffeeError:
            raise
        except Exception as err:  # a template fails however its expressions can: report file and line
            problem = template_problem(err, str(self.resolve(template) or template))
            raise TemplateProblem(problem.path, problem.line, problem.message, problem.hint) from None


class _Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """Jinja's sandbox, where a theme's templates run unless site.yaml says `template_sandbox: false`.

    Jinja refuses attributes that lead into Python (`__globals__`, `__class__`, `mro`, a function's
    code, frames), calls it marks unsafe, format strings that reach attributes, and changing
    lists, dicts and sets that the site hands in. On top of that nothing a template reaches may be
    a module or a file path: the Site holds neither, and a later change that let one in would hand
    a theme the file system."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._verdicts: dict[tuple[type, str, type], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Jinja's verdict depends on the attribute's name and on the types alone (isinstance tests
        # and ABCs of mutable containers), so it is asked once per (type, name, type of value):
        # asked on every attribute read, it made rendering 60% slower, with it a few percent
        key = (type(obj), attr, type(value))
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = (super().is_safe_attribute(obj, attr, value)
                                             and not isinstance(value, _NEVER) and not isinstance(obj, _NEVER))
        return verdict

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `a.b` in a template: Jinja's own steps (the attribute, else the item; str.format wrapped,
        # the verdict asked), with the verdict's cache read here and Jinja's format check only for
        # methods named like str.format, the only values it wraps: every page reads hundreds of
        # attributes
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        if isinstance(value, _METHODS) and value.__name__ in ("format", "format_map"):
            return super().getattr(obj, attribute)
        verdict = self._verdicts.get((type(obj), attribute, type(value)))
        if verdict or (verdict is None and self.is_safe_attribute(obj, attribute, value)):
            return value
        return self.unsafe_undefined(obj, attribute)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's
        # Jinja refuses a callable marked `unsafe_callable` or `alters_data`; on a function, a macro
        # or a bound method (whose attributes are its function's) such a mark can only be in the
        # object's own __dict__, read here without two attribute lookups and a call per call
        # (the url(), _() and macro calls of every page: a tenth of the rendering time)
        kind = type(__obj)
        own = (__obj.__func__.__dict__ if kind is types.MethodType and type(__obj.__func__) is types.FunctionType
               else __obj.__dict__ if kind is types.FunctionType or kind is jinja2.runtime.Macro else None)
        if own is not None and "unsafe_callable" not in own and "alters_data" not in own:
            return __context.call(__obj, *args, **kwargs)
        return super().call(__context, __obj, *args, **kwargs)


_NEVER = (types.ModuleType, PurePath)
_METHODS = (types.MethodType, types.BuiltinMethodType)  # where str.format hides (wrap_str_format)


def _at_render_time(func: Callable) -> Callable:
    """`func` as a filter Jinja calls only while rendering.

    Jinja calls a filter on a constant while compiling (`{{ 3|month_name }}` becomes 'März' in the
    code), which would put a setting (the language) into code that is kept by the template's
    source alone (`_StoredBytecode`): a filter that takes the template's context is never called
    then. Jinja's own filters depend on their arguments only and are left as they are."""

    @jinja2.pass_context
    def at_render_time(context: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return at_render_time


# Compiled templates for the builds of one process (serve's rebuilds, a `--no-cache` build after
# another, a test suite), by the same names the build cache keeps them under.
_COMPILED: dict[str, types.CodeType] = {}
_COMPILED_AT_MOST = 512  # the default theme has 20 templates


class _StoredBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in the build cache, so a cached build does not compile the theme
    again (about 0.23 s for the default theme, before any page renders), and in `_COMPILED` for
    the next build of the same process, with or without a cache.

    An entry is found by the template's name, its file and the digest of its source (Jinja's
    bucket), so an edited or newly overriding template is compiled afresh; the store's salt holds
    Jinja's and Python's versions and this package's source, which decide how a template compiles.
    The code is run when a page renders: the cache folder is as trusted as the theme it came
    from (the README says so); its checksum guards against damage, not against a writer."""

    def __init__(self, store: Any | None, sandboxed: bool):
        self.store = store
        # Jinja compiles a sandbox's calls through its check (environment.call): code compiled for
        # a trusted theme is never taken for a sandboxed one, nor the reverse
        self.flavour = "sandboxed" if sandboxed else "trusted"

    def name(self, key: str, checksum: str) -> str:
        return f"template-code\x1f{self.flavour}\x1f{key}\x1f{checksum}"

    def _key(self, bucket: jinja2.bccache.Bucket) -> str:
        return self.name(bucket.key, bucket.checksum)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        key = self._key(bucket)
        if self.store is not None:
            stored = self.store.get(key)
            if isinstance(stored, bytes):
                bucket.bytecode_from_string(stored)  # a wrong magic or checksum leaves the bucket empty
                if bucket.code is not None:
                    return
        code = _COMPILED.get(key)
        if code is not None:
            bucket.code = code
            if self.store is not None:  # compiled in this process before: the cache keeps it too
                self.store.put(key, bucket.bytecode_to_string())

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if len(_COMPILED) >= _COMPILED_AT_MOST:  # a long serve session of template edits: the oldest go
            del _COMPILED[next(iter(_COMPILED))]
        key = self._key(bucket)
        _COMPILED[key] = bucket.code
        if self.store is not None:
            self.store.put(key, bucket.bytecode_to_string())


class _SearchPathLoader(jinja2.BaseLoader):
    """Loads a name from the first folder of the theme's search path that has it."""

    def __init__(self, theme: Theme):
        self.theme = theme

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = self.theme.resolve(template)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        return path.read_text(encoding="utf-8"), str(path), lambda: True  # compiled once per theme

    def list_templates(self) -> list[str]:
        return self.theme.template_names()


def _json_for_script(value: Any) -> str:
    """JSON safe inside <script>: '<', '>' and '&' escaped, so no value can close the tag."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=None)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))

"""Template errors as the theme's author should read them: file, line, and the template's words.

Jinja knows the template and line of a syntax error; for an error while rendering, its
rewritten traceback has a frame per template, so the innermost one names the file and line
(a mistake in base.html is reported there, not at the page that extends it). Jinja describes
a missing attribute by the Python object ('RecordingSite object' has no attribute 'titel': the
Site as the build cache lets a page read it); here it is described by the expression in the template ('site' has no
attribute 'titel'), with the nearest attribute as hint. `template_problem` is the one place
that turns such an exception into a Problem, for every caller that renders.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import SecurityError

from kaffee_site.errors import Problem
from kaffee_site.text import closest


SANDBOX_HINT = ("templates run in Jinja's sandbox: they cannot reach Python's internals, the environment, "
                "files or other programs ('template_sandbox: false' in site.yaml lifts it, for a theme "
                "you trust like kaffee-site itself)")


class MissingAttribute(jinja2.UndefinedError):
    """An attribute a template asked for does not exist; keeps the object to suggest a name."""

    def __init__(self, message: str, obj: Any, name: str):
        super().__init__(message)
        self.obj, self.name = obj, name


class Undefined(jinja2.StrictUndefined):
    """StrictUndefined that remembers which object lacked which attribute."""

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        obj, name = self._undefined_obj, self._undefined_name
        if obj is not jinja2.utils.missing and isinstance(name, str) and self._undefined_hint is None:
            raise MissingAttribute(self._undefined_message, obj, name)
        return super()._fail_with_undefined_error(*args, **kwargs)



# jinja2 binds its operators (__str__, __iter__, __add__, …) to the failing method when its classes
# are made: bind the same names to ours, so every use of a missing attribute reaches it
for _name, _value in [*vars(jinja2.Undefined).items(), *vars(jinja2.StrictUndefined).items()]:
    if _value is jinja2.Undefined._fail_with_undefined_error and _name != "_fail_with_undefined_error":
        setattr(Undefined, _name, Undefined._fail_with_undefined_error)


def template_problem(err: BaseException, template: str) -> Problem:
    """The Problem of an exception raised while compiling or rendering `template`."""
    if isinstance(err, jinja2.TemplateSyntaxError):
        return Problem(display_template(err.filename) if err.filename else template, err.lineno, err.message or str(err))
    if isinstance(err, jinja2.TemplateNotFound):
        return Problem(template, None, f"the template '{err.name}' was not found",
                       "check the name in {% extends %}, {% include %} or {% import %}")
    filename, line = _innermost_template_frame(err.__traceback__)
    path = display_template(filename) if filename else template
    if isinstance(err, MissingAttribute):
        return _missing_attribute(err, path, line, filename)
    if isinstance(err, SecurityError):
        return Problem(path, line, str(err), SANDBOX_HINT)
    message = str(err) if isinstance(err, jinja2.TemplateError) else f"{type(err).__name__}: {err}"
    return Problem(path, line, message)


def _missing_attribute(err: MissingAttribute, path: str, line: int | None, filename: str | None) -> Problem:
    expression = _expression_before(err.name, _source_line(filename, line))
    where = f"'{expression}'" if expression else "the value"
    near = closest(err.name, _attribute_names(err.obj))
    return Problem(path, line, f"{where} has no attribute '{err.name}'", f"did you mean '{near}'?" if near else None)


def _innermost_template_frame(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """Jinja rewrites tracebacks so each template has a frame under its own file name."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and os.path.isfile(filename):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def display_template(filename: str) -> str:
    """A template file as the editor knows it: relative to the working directory when below it."""
    try:
        return Path(filename).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return filename


def _source_line(filename: str | None, line: int | None) -> str:
    if not filename or not line:
        return ""
    try:
        lines = Path(filename).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _expression_before(name: str, source: str) -> str | None:
    """'site' for name 'titel' in a line with '{{ site.titel }}' (also 'site.config' in 'site.config.titel')."""
    match = re.search(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^\]\n]*\])*)\s*(?:\.\s*" + re.escape(name)
                      + r"\b|\[\s*['\"]" + re.escape(name) + r"['\"]\s*\])", source)
    return match.group(1) if match else None


def _attribute_names(obj: Any) -> list[str]:
    if dataclasses.is_dataclass(obj):
        names = [f.name for f in dataclasses.fields(obj)]
        names += [n for n in dir(type(obj)) if not n.startswith("_") and n not in names]
        return names
    if isinstance(obj, dict):
        return [k for k in obj if isinstance(k, str)]
    return [n for n in dir(obj) if not n.startswith("_")]


def compile_problems(env: jinja2.Environment, names: list[str]) -> list[Problem]:
    """Syntax errors of every template, also of those no page of this archive uses yet."""
    problems = []
    for name in names:
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as err:
            problems.append(template_problem(err, name))
    return problems

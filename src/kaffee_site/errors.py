"""The one exception family of kaffee-site and the problem records it carries.

Every content problem knows where it comes from (`path:line`) and may carry a hint.
Stages collect problems instead of stopping at the first one, so an editor sees all of
them at once; only the CLI decides how to print them and which exit code to use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]

# What a terminal (or a CI log viewer) would act on or that could hide text: C0 controls, DEL,
# C1 controls (U+009B is CSI), the bidirectional overrides and isolates ("Trojan Source"),
# and lone surrogates (bytes of a file name that are not UTF-8, PEP 383).
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str, keep_newlines: bool = True) -> str:
    """`text` with every character a terminal would interpret written as an escape: ESC -> \\x1b.

    Tabs stay, and newlines too unless `keep_newlines` is false."""
    def escape(match: re.Match) -> str:
        code = ord(match.group())
        if 0xDC80 <= code <= 0xDCFF:
            return f"\\x{code - 0xDC00:02x}"  # the undecodable byte itself
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    text = _UNPRINTABLE.sub(escape, text)
    return text if keep_newlines else text.replace("\n", "\\n")


def _indented(text: str) -> str:
    """Continuation lines indented, so no line of a message can pass for a 'path:line:' of its own."""
    return printable(text).replace("\n", "\n    ")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or suspicious) in the content, with its place in the source."""

    path: str
    line: int | None
    message: str
    hint: str | None = None
    severity: Severity = "error"

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def format(self) -> str:
        """Lines for a terminal: nothing from the content can move the cursor or fake a line."""
        prefix = "warning: " if self.severity == "warning" else ""
        location = printable(self.location, keep_newlines=False)
        text = f"{location}: {prefix}{_indented(self.message)}"
        if self.hint:
            text += f"\n    hint: {_indented(self.hint)}"
        return text


class KaffeeError(Exception):
    """Root of every error kaffee-site raises on purpose."""


class ContentError(KaffeeError):
    """A single problem that stops one file from being read."""

    def __init__(self, path: str, line: int | None, message: str, hint: str | None = None):
        self.problem = Problem(path, line, message, hint)
        super().__init__(self.problem.format())

    def __reduce__(self):  # pickled with its problem, as it comes back from a worker process
        return type(self), (self.problem.path, self.problem.line, self.problem.message, self.problem.hint)


class TemplateProblem(ContentError):
    """A template cannot be found, compiled or rendered; its `problem` names template and line."""


class BuildFailed(KaffeeError):
    """The content has errors; `problems` lists all of them (warnings included)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error{'' if len(errors) == 1 else 's'} in the content")


class FaultError(KaffeeError):
    """The machine failed the build (a full disk, a read-only folder, a folder gone, a lock that
    cannot be made); the message is one line and says what became of the output folder."""


class UsageError(KaffeeError):
    """The command was called with something that cannot work (missing folder, bad option)."""


class Diagnostics:
    """Collects the problems of one run, in the order they were found."""

    def __init__(self) -> None:
        self._problems: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self._problems.append(problem)

    def error(self, path: str, line: int | None, message: str, hint: str | None = None) -> None:
        self.add(Problem(path, line, message, hint, "error"))

    def warning(self, path: str, line: int | None, message: str, hint: str | None = None) -> None:
        self.add(Problem(path, line, message, hint, "warning"))

    @property
    def problems(self) -> tuple[Problem, ...]:
        """All problems, sorted by file and line so the report reads top to bottom."""
        return tuple(sorted(set(self._problems), key=_problem_order))

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def raise_if_errors(self) -> None:
        if self.errors:
            raise BuildFailed(self.problems)


def _problem_order(problem: Problem) -> tuple:
    return (problem.path, problem.line or 0, problem.severity, problem.message)

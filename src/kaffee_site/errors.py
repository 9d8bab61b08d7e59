"""The one exception family of kaffee-site and the problem records it carries.

Every content problem knows where it comes from (`path:line`) and may carry a hint.
Stages collect problems instead of stopping at the first one, so an editor sees all of
them at once; only the CLI decides how to print them and which exit code to use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


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
        prefix = "warning: " if self.severity == "warning" else ""
        text = f"{self.location}: {prefix}{self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class KaffeeError(Exception):
    """Root of every error kaffee-site raises on purpose."""


class ContentError(KaffeeError):
    """A single problem that stops one file from being read."""

    def __init__(self, path: str, line: int | None, message: str, hint: str | None = None):
        self.problem = Problem(path, line, message, hint)
        super().__init__(self.problem.format())


class BuildFailed(KaffeeError):
    """The content has errors; `problems` lists all of them (warnings included)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the content")


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

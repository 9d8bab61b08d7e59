"""The `kaffee-site` command. The only module that prints or chooses exit codes.

Exit codes: 0 success, 1 content problems (or warnings with --strict), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from kaffee_site import __version__
from kaffee_site.errors import BuildFailed, KaffeeError, Problem, UsageError

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kaffee-site", description="Static archive of »Smarter Kaffee« reports.")
    parser.add_argument("--version", action="version", version=f"kaffee-site {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the archive into the output folder")
    _content_options(build)
    build.add_argument("--output", type=Path, default=Path("output"), help="output folder (default: ./output)")
    build.add_argument("--templates", type=Path, default=Path("templates"), help="theme folder (default: ./templates)")
    build.add_argument("--drafts", action="store_true", help="include sessions marked 'draft: true'")
    return parser


def _content_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: ./content)")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"build": _build}[args.command](args)
    except UsageError as err:
        print(f"kaffee-site: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BuildFailed as err:
        _print_problems(err.problems)
        errors = sum(1 for p in err.problems if p.severity == "error")
        print(f"build failed: {errors} error(s); the output folder was not changed", file=sys.stderr)
        return EXIT_CONTENT
    except KaffeeError as err:
        print(f"{err}", file=sys.stderr)
        print("build failed; the output folder was not changed", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        return 130


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(problem.format(), file=sys.stderr)


def _build(args: argparse.Namespace) -> int:
    from kaffee_site.build import BuildOptions, build

    result = build(BuildOptions(args.content, args.output, args.templates, args.drafts))
    _print_problems(result.warnings)
    report = result.report
    print(f"built {report.total} files into {args.output} ({report.written} written, {report.unchanged} unchanged, "
          f"{report.removed} removed) in {result.seconds:.2f} s")
    return EXIT_OK

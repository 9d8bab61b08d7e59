"""The `kaffee-site` command. The only module that prints or chooses exit codes.

Exit codes: 0 success, 1 content problems (or warnings with --strict), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Sequence

from kaffee_site import __version__, clock
from kaffee_site.errors import BuildFailed, FaultError, KaffeeError, Problem, UsageError, printable
from kaffee_site.text import impossible_day

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def _say(text: object, file=None, flush: bool = False) -> None:
    """Every line the command prints: content (file names too) may hold ESC or other controls
    that a terminal or a CI log viewer would act on, so they are written as escapes."""
    print(printable(str(text)), file=file if file is not None else sys.stdout, flush=flush)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kaffee-site", description="A static website from the reports of a recurring meeting series.",
        epilog="'kaffee-site COMMAND --help' tells more about each command.")
    parser.add_argument("--version", action="version", version=f"kaffee-site {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the archive into the output folder")
    _content_options(build)
    build.add_argument("--output", type=Path, default=Path("output"), help="output folder (default: ./output)")
    _templates_option(build)
    build.add_argument("--drafts", action="store_true", help="include sessions marked 'draft: true'")
    _future_option(build)
    build.add_argument("--no-cache", action="store_true",
                       help="neither read nor write the build cache (.kaffee-cache/ next to the output)")
    build.add_argument("--strict", action="store_true",
                       help="fail on warnings too (a picture that cannot be used, ...); the output stays as it was")

    check = commands.add_parser("check", help="report every problem in the content; writes nothing")
    _content_options(check)
    _templates_option(check)
    check.add_argument("--drafts", action="store_true", help="check as if sessions marked 'draft: true' were published")
    _future_option(check)
    check.add_argument("--strict", action="store_true", help="fail on warnings too (for CI)")
    check.add_argument("--format", choices=("text", "github"), default="text",
                       help="'github' prints GitHub Actions annotations (default: text)")
    check.add_argument("--output", type=Path, default=Path("output"),
                       help="the output folder of the last build, whose addresses must last (default: ./output)")
    check.add_argument("--published", type=Path, action="append", default=[], metavar="FILE",
                       help="a urls.json of the published archive (e.g. fetched by CI): its addresses must last too")

    serve = commands.add_parser("serve", help="build, serve on http://127.0.0.1:8000/ and rebuild on every save")
    _content_options(serve)
    serve.add_argument("--output", type=Path, default=Path("output"), help="output folder (default: ./output)")
    _templates_option(serve)
    serve.add_argument("--drafts", action="store_true", help="include sessions marked 'draft: true'")
    _future_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")

    new = commands.add_parser("new", help="start a new session report (or a topic with --topic)")
    new.add_argument("title", nargs="?", help="title of the session")
    new.add_argument("--topic", metavar="NAME", help="make a topic file topics/<slug>.md instead of a session")
    new.add_argument("--date", type=_iso_date, help="YYYY-MM-DD (default: today)")
    new.add_argument("--series", help="series (default: 'series' from site.yaml)")
    _content_options(new)

    imp = commands.add_parser("import", help="turn existing reports (web pages, saved pages, text) into session files")
    imp.add_argument("sources", nargs="*", metavar="SOURCE",
                     help="a web address, a saved page, a .txt or .md file, a folder of them, or - for pasted text")
    imp.add_argument("--list", type=Path, metavar="FILE", help="a file naming more sources, one a line")
    imp.add_argument("--dry-run", action="store_true", help="print the session files instead of writing them")
    imp.add_argument("--date", type=_iso_date, help="YYYY-MM-DD, for a single source that gives no date")
    imp.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                     help="time for one download, redirects included (default: 20)")
    _content_options(imp)

    init = commands.add_parser("init", help="start a new archive in a folder (default: the current one)")
    init.add_argument("folder", nargs="?", type=Path, default=Path("."), help="where (default: .)")
    init.add_argument("--language", default="de", help="de (default) or en: words, dates and folder names")
    init.add_argument("--title", help="name of the archive (can be changed in content/site.yaml)")
    init.add_argument("--date", type=_iso_date, help="date of the sample session, YYYY-MM-DD (default: today)")
    return parser


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text) if len(text) == 10 else date.fromisoformat("invalid")
    except ValueError:
        reason = impossible_day(text)
        if reason:  # the shape is right, only the day does not exist
            raise argparse.ArgumentTypeError(f"{text!r} is not a day: {reason}") from None
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-03-13") from None


def _future_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--future", action="store_true",
                         help="include reports dated after today (today: SOURCE_DATE_EPOCH if set, else the clock)")


def _templates_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--templates", type=Path, default=None,
                         help="folder of theme files that replace the default theme's, file by file "
                              "(default: ./templates if it exists)")


def _templates(args: argparse.Namespace) -> Path:
    """The overrides folder: a missing ./templates means the default theme alone; a missing
    --templates folder is a typing error worth stopping for."""
    if args.templates is None:
        return Path("templates")
    if not args.templates.is_dir():
        raise UsageError(f"{args.templates}: the templates folder does not exist")
    return args.templates


def _content_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: ./content)")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"build": _build, "check": _check, "new": _new, "serve": _serve, "init": _init,
                "import": _import}[args.command](args)
    except UsageError as err:
        _say(f"kaffee-site: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BuildFailed as err:
        _print_problems(err.problems)
        errors = sum(1 for p in err.problems if p.severity == "error")
        strict = f", {counted(len(err.problems) - errors, 'warning')} (--strict: warnings fail)" if not errors else ""
        _say(f"build failed: {counted(errors, 'error')}{strict}; the output folder was not changed", file=sys.stderr)
        return EXIT_CONTENT
    except KaffeeError as err:
        _say(f"{err}", file=sys.stderr)
        if not isinstance(err, FaultError):  # that one says itself what became of the output
            _say("build failed; the output folder was not changed", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        return 130


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        _say(problem.format(), file=sys.stderr)


def _build(args: argparse.Namespace) -> int:
    import time

    from kaffee_site.options import BuildOptions
    from kaffee_site.reuse.manifest import manifest_for

    started = time.perf_counter()
    options = BuildOptions(args.content, args.output, _templates(args), args.drafts, args.future, clock.today(),
                           cache=not args.no_cache, strict=args.strict)
    # Nothing changed since the last cached build: answered before the engine (Jinja, markdown-it,
    # the model) is even imported, which is most of such a build's time.
    last = manifest_for(options) if options.cache else None
    found = last.unchanged() if last is not None else None
    if found is not None:
        warnings, total, stats = found
        _print_problems(warnings)
        _summary(args.output, total, 0, total, 0, time.perf_counter() - started, None, stats)
        return EXIT_OK
    from kaffee_site.commands.build import build

    result = build(options, waiting=lambda text: _say(text, file=sys.stderr, flush=True), manifest=last)
    _print_problems(result.warnings)
    report = result.report
    _summary(args.output, report.total, report.written, report.unchanged, report.removed, result.seconds,
             result.search_seconds, result.cache_stats)
    return EXIT_OK


def _summary(output: Path, total: int, written: int, unchanged: int, removed: int, seconds: float,
             search_seconds: float | None, stats: dict[str, int] | None) -> None:
    _say(f"built {total} files into {output} ({written} written, {unchanged} unchanged, "
         f"{removed} removed) in {seconds:.2f} s"
         + (f", search index {search_seconds:.2f} s" if search_seconds is not None else ""))
    if stats:
        removed = f", {stats['removed']} old entries removed" if stats.get("removed") else ""
        _say(f"cache: {stats['bodies']} of {stats['bodies_total']} bodies and {stats['pages']} of "
             f"{stats['pages_total']} pages reused"
             + (f"; {stats['images_encoded']} of {stats['images_total']} picture files encoded"
                if stats.get("images_total") else "")
             + f"; it holds {stats.get('size', 0) / 2**20:.1f} MiB{removed}",
             file=sys.stderr)


def _check(args: argparse.Namespace) -> int:
    from kaffee_site.options import BuildOptions
    from kaffee_site.commands.check import check, github_annotations

    report = check(BuildOptions(args.content, args.output, templates_dir=_templates(args), drafts=args.drafts,
                                future=args.future, today=clock.today()), args.published)
    if args.format == "github":
        for line in github_annotations(report.problems, Path.cwd()):
            _say(line)
    else:
        for problem in report.problems:
            _say(problem.format())
    failed = bool(report.errors or (args.strict and report.warnings))
    verdict = "failed" if failed else "passed"
    strict = " (--strict: warnings fail)" if args.strict and report.warnings and not report.errors else ""
    _say(f"check {verdict}: {counted(len(report.errors), 'error')}, {counted(len(report.warnings), 'warning')}{strict}",
          file=sys.stderr)
    return EXIT_CONTENT if failed else EXIT_OK


def counted(count: int, noun: str) -> str:
    """'1 error', '2 errors', '0 warnings'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _new(args: argparse.Namespace) -> int:
    from kaffee_site.commands.new import SessionExists, TopicExists, new_session, new_topic

    if (args.topic is None) == (args.title is None):
        raise UsageError("give either the title of a session or --topic NAME")
    if args.topic is not None:
        try:
            _say(new_topic(args.content, args.topic))
        except TopicExists as err:
            _say(f"kaffee-site: {err}", file=sys.stderr)
            return EXIT_CONTENT
        _say("fill in the summary and the description; sessions list the topic under 'topics:'", file=sys.stderr)
        return EXIT_OK
    day = args.date or clock.today()
    try:
        created = new_session(args.content, args.title, day, args.series)
    except SessionExists as err:
        _say(f"kaffee-site: {err}", file=sys.stderr)
        return EXIT_CONTENT
    _say(created.path)
    _say(f"{created.series}, no. {created.number}, on {day.isoformat()}: fill in topics, speakers and the report",
          file=sys.stderr)
    if created.shifted:  # a back-filled report: the later ones moved one up
        _say("dated before reports of the series, so these are numbered one up:", file=sys.stderr)
    for shown, number in created.shifted:
        _say(f"{shown}: number {number} → {number + 1}", file=sys.stderr)
    if created.unshifted:
        _say(f"number the later reports one up by hand: {', '.join(created.unshifted)} (check shows how)",
             file=sys.stderr)
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from kaffee_site.commands.import_ import Failed, run_import, sources
    from kaffee_site.importer.fetch import Limits
    from kaffee_site.importer.run import ImportOptions

    if not 0 < args.timeout <= 600:
        raise UsageError("--timeout must be more than 0 and at most 600 seconds")
    options = ImportOptions(args.content, args.dry_run, Limits(seconds=args.timeout), args.date)
    done, failed, todo = 0, [], []
    named = sources(args.sources, args.list)
    stdin = sys.stdin.buffer if sys.stdin else None
    if "-" in named and stdin is not None and stdin.isatty():
        _say("paste the report, then press Ctrl-D on a line of its own", file=sys.stderr, flush=True)
    for count, outcome in enumerate(run_import(named, options, stdin), 1):
        place = f"[{count}/{len(named)}]"
        if isinstance(outcome, Failed):
            failed.append(outcome)
            _say(f"{place} not imported: {outcome.message}", file=sys.stderr, flush=True)
            continue
        done += 1
        todo += outcome.todo
        _say(f"{place} {outcome.label} -> {outcome.path}{' (dry run: not written)' if args.dry_run else ''}",
             flush=True)
        for line in _import_details(outcome):
            _say(f"    {line}", flush=True)
        if args.dry_run:
            _say(outcome.text)
    _say(f"imported {done} of {done + len(failed)} report(s)" + (" (dry run: nothing written)" if args.dry_run else "")
         + (f"; {len(failed)} not imported" if failed else ""))
    if todo:
        _say("to do before 'kaffee-site check --strict' passes:")
        for line in todo:
            _say(f"  - {line}")
    return EXIT_CONTENT if failed else EXIT_OK


def _import_details(outcome) -> list[str]:
    facts = outcome.facts
    found = [f"date {facts.date.value.isoformat()}"] if facts.date else []
    found += [f"number {facts.number.value}"] if facts.number else []
    found += [f"speakers: {', '.join(s.name + (f' ({s.org})' if s.org else '') for s in facts.speakers)}"] \
        if facts.speakers else []
    found += [f"topics: {', '.join(t.title for t in facts.topics)}"] if facts.topics else []
    found += [f"next {facts.next.day.isoformat()}"] if facts.next else []
    found += [f"picture {outcome.picture}"] if outcome.picture else []
    found += ["picture description (alt text)"] if outcome.placeholder and facts.picture.alt else []
    lines = [f"found: {'; '.join(found)}" if found else "found: nothing but the text"]
    lines += [f"not in the source: {line}" for line in facts.missing]
    lines += [f"note: {line}" for line in outcome.notes]
    return lines


def _init(args: argparse.Namespace) -> int:
    from kaffee_site.commands.init import ArchiveExists, init_archive, next_steps

    try:
        archive = init_archive(args.folder, args.language, args.date or clock.today(), args.title)
    except ArchiveExists as err:
        _say(f"kaffee-site: {err}", file=sys.stderr)
        return EXIT_CONTENT
    _say(f"new archive in {archive.folder}:")
    for rel in archive.written:
        _say(f"  {rel}")
    for rel in archive.kept:
        _say(f"  {rel} (already there, kept as it was)")
    if archive.requirement is not None:
        _say(f"requirements.txt: {archive.requirement.line} ({archive.requirement.how})")
        if archive.requirement.warning:
            _say(f"warning: {archive.requirement.warning}", file=sys.stderr)
    _say("next steps:")
    for step in next_steps(archive):
        _say(f"  {step}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    import signal
    import threading

    from kaffee_site.options import BuildOptions
    from kaffee_site.serve.server import DevServer

    if threading.current_thread() is threading.main_thread():
        # Ctrl-C even when started from a shell that ignores SIGINT for background jobs; `kill` alike
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: _interrupt())
    server = DevServer(BuildOptions(args.content, args.output, _templates(args), args.drafts, args.future),
                       args.host, args.port, _ServeReport(args.output))
    try:
        server.start()
        server.wait()
    except KeyboardInterrupt:
        _say("stopped", flush=True)
    finally:
        server.stop()
    return EXIT_OK


def _interrupt() -> None:
    raise KeyboardInterrupt


class _ServeReport:
    """Prints what the dev server reports: builds, problems (each once while it stands; errors of a
    failed rebuild every time), the address. The problems are those `check` reports (review/)."""

    def __init__(self, output: Path):
        self.output = output
        self.shown: set[Problem] = set()  # problems printed and still there
        self.failed = False  # the last rebuild had errors

    def __call__(self, event) -> None:
        from kaffee_site.serve.server import Rebuilt, SearchFailed, Serving

        if isinstance(event, Serving):
            _say(f"serving {event.url} (Ctrl-C stops); it shows a page saying so until the first build is done",
                 flush=True)
            if event.editor:
                _say(f"editor: {event.editor} (saves into the content folder)", flush=True)
        elif isinstance(event, SearchFailed):
            _say(f"search index not updated: {event.message}", file=sys.stderr, flush=True)
        elif isinstance(event, Rebuilt):
            self._rebuilt(event.result)

    def _rebuilt(self, result) -> None:
        if result.interrupted:  # only the edited pages were written; the problems follow with the rest
            self._written(result)
            return
        before, current = self.shown, set(result.problems)
        for problem in result.problems:  # a failed rebuild's errors every time: they are why the page is old
            if problem not in before or (not result.ok and problem.severity == "error"):
                _say(problem.format(), file=sys.stderr, flush=True)
        errors = sum(1 for p in result.problems if p.severity == "error")
        warnings = len(result.problems) - errors
        self.shown = current
        if not result.ok:
            self.failed = True
            _say(f"rebuild failed: {counted(errors, 'error')}; still serving the last good build", file=sys.stderr, flush=True)
            return
        if current != before or self.failed:
            if not current:
                _say("all problems fixed", file=sys.stderr, flush=True)
            elif self.failed and not errors:
                _say(f"the errors are fixed; {counted(warnings, 'warning')} {'remains' if warnings == 1 else 'remain'}", file=sys.stderr, flush=True)
            else:
                _say(f"check reports {counted(errors, 'error')}, {counted(warnings, 'warning')}", file=sys.stderr, flush=True)
        self.failed = False
        self._written(result)

    def _written(self, result) -> None:
        what = "built" if result.full else "rebuilt"
        first = f", first {result.written[0]}" if result.written and not result.full else ""
        first += "; newer saves came in, the rest follows" if result.interrupted else ""
        _say(f"{what} {len(result.written)} file(s) into {self.output} in {result.seconds * 1000:.0f} ms{first}",
              flush=True)

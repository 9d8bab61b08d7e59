"""How linking scales: N sessions x T topics (issue 3's target: 10,000 x 200 in a few seconds).

Generates a corpus with bench/corpus.py, adds topic files until there are T topics, then
times the stages of linking separately, so markdown parsing (which linking does not add)
is not mistaken for linking:
  - markdown alone: every body rendered with no topic names (the baseline),
  - with mentions: the same with the one combined matcher over all titles and aliases,
  - related sessions and topic co-occurrence from the inverted indexes,
  - the whole load + link stage.

    python bench/link_scale.py [--sessions 10000] [--topics 200] [--work bench/work/link-scale]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from corpus import generate  # noqa: E402

from kaffee_site.errors import Diagnostics  # noqa: E402
from kaffee_site.link.link import link_context, link_site  # noqa: E402
from kaffee_site.content.load import load_content  # noqa: E402
from kaffee_site.markdown.body import LinkContext  # noqa: E402
from kaffee_site.markdown.parser import render_body  # noqa: E402
from kaffee_site.link.relations import co_occurring_topics, related_sessions  # noqa: E402

EXTRA_WORDS = ("Netz", "Plattform", "Strategie", "Kooperation", "Service", "Portal", "Labor", "Werkstatt")


def add_topics(content: Path, total: int) -> None:
    existing = len(list((content / "topics").glob("*.md")))
    for index in range(existing, total):
        word = EXTRA_WORDS[index % len(EXTRA_WORDS)]
        title = f"Regional{word} {index}"
        (content / "topics" / f"extra-{index}.md").write_text(
            f"---\ntitle: {title}\naliases: [{word}{index}en]\nsummary: Ein Thema.\n---\nText.\n", encoding="utf-8")


def timed(label: str, func):
    start = time.perf_counter()
    result = func()
    print(f"{label:<44} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--topics", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("bench/work/link-scale"))
    args = parser.parse_args()
    content = args.work / f"content-{args.sessions}"
    if not (content / "site.yaml").exists():
        timed(f"generate {args.sessions} sessions", lambda: generate(args.sessions, content, seed=3))
    add_topics(content, args.topics)
    diag = Diagnostics()
    loaded = timed("load (read, split, YAML)", lambda: load_content(content, str(content), diag))
    site = timed("load -> link (all bodies rendered)", lambda: link_site(loaded, diag).site)
    names = sum(1 + len(t.aliases) for t in site.topics)
    print(f"{len(site.sessions)} sessions, {len(site.topics)} topics, {names} names in the matcher")
    docs = [d for d in loaded.docs if d.kind == "session"]
    full = link_context(site.config.base_path, site.topics, site.sessions, site.pages)
    bare = replace(full, topic_names=())
    base = timed("markdown only (no topic names)", lambda: [render_body(d.body, d.body_line, d.rel, bare) for d in docs])
    with_mentions = timed("markdown + mentions + wikilinks", lambda: [render_body(d.body, d.body_line, d.rel, full) for d in docs])
    print(f"mentions found: {sum(len(b.mentions) for b in with_mentions)} (baseline {sum(len(b.mentions) for b in base)})")
    timed("related sessions (inverted index)", lambda: related_sessions(site.sessions))
    timed("topic co-occurrence", lambda: co_occurring_topics(site.sessions))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A deterministic corpus of »Smarter Kaffee« session reports for the benchmark.

`python bench/corpus.py N OUT_DIR [--seed S]` writes N sessions under OUT_DIR/sessions/<year>/,
40 topic files with aliases under OUT_DIR/topics/ and OUT_DIR/site.yaml, in kaffee-site's content
format. The same N and seed give the same bytes on every machine (no clock, no locale, no hash
order). Bodies are German prose of 600–900 words with headings, lists, quotes, emphasis and
topic names in the text; about 7 MB of Markdown for N = 1,000.

Importable too: `generate(n, out_dir, seed=1)` returns a `Corpus` describing what was written,
which the peer adapters (bench/peers.py) read instead of re-parsing the files.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

# (title, aliases): 40 topics, the aliases are inflected forms an editor would write in the text.
TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Digitale Daseinsvorsorge", ("digitalen Daseinsvorsorge",)),
    ("Verstetigung", ("Verstetigen",)),
    ("Digitalagentur", ("Digitalagenturen",)),
    ("Digitallotsen", ("Digitallotsinnen", "Digitallotse")),
    ("Fördermittel", ("Förderung", "Fördermitteln")),
    ("Open Data", ("offene Daten", "offenen Daten")),
    ("Bürgerbeteiligung", ("Beteiligung der Bürgerschaft",)),
    ("Interkommunale Zusammenarbeit", ("interkommunalen Zusammenarbeit",)),
    ("Vernetzung", ("Netzwerkarbeit",)),
    ("Künstliche Intelligenz", ("künstlichen Intelligenz", "KI")),
    ("Datenschutz", ("Datenschutzes",)),
    ("Informationssicherheit", ("IT-Sicherheit",)),
    ("Onlinezugangsgesetz", ("OZG",)),
    ("Breitbandausbau", ("Glasfaserausbau",)),
    ("Mobilfunk", ("Mobilfunkversorgung",)),
    ("Smart Region", ("Smart Regions",)),
    ("Dorfladen", ("digitalen Dorfläden",)),
    ("Telemedizin", ("telemedizinischen Angebote",)),
    ("Pflege", ("Pflegeangebote",)),
    ("Mobilität", ("Rufbus", "On-Demand-Verkehr")),
    ("Bildung", ("Bildungsangebote",)),
    ("Schulen", ("Schuldigitalisierung",)),
    ("Ehrenamt", ("Ehrenamtlichen",)),
    ("Coworking", ("Coworking-Spaces",)),
    ("Tourismus", ("touristischen Angebote",)),
    ("Landwirtschaft", ("Smart Farming",)),
    ("Energiewende", ("kommunalen Wärmeplanung",)),
    ("Klimaschutz", ("Klimaanpassung",)),
    ("Katastrophenschutz", ("Bevölkerungsschutz",)),
    ("Geodaten", ("Geoinformationen",)),
    ("Urbane Datenplattform", ("Datenplattform", "Datenplattformen")),
    ("Digitaler Zwilling", ("digitalen Zwilling",)),
    ("Sensorik", ("LoRaWAN",)),
    ("Wissensmanagement", ("Wissenstransfer",)),
    ("Change-Management", ("Veränderungsmanagement",)),
    ("Personalgewinnung", ("Fachkräftemangel",)),
    ("Vergabe", ("Vergaberecht",)),
    ("Barrierefreiheit", ("barrierefreie Angebote",)),
    ("Kommunikation", ("Öffentlichkeitsarbeit",)),
    ("Evaluation", ("Wirkungsmessung",)),
)

ORGS = (
    "Kreis Coesfeld", "Landkreis Potsdam-Mittelmark", "Prognos AG", "Landkreis Wunsiedel",
    "Landkreis Hameln-Pyrmont", "Vogelsbergkreis", "Landkreis Görlitz", "Kreis Höxter",
    "Landkreis Ludwigslust-Parchim", "Eifelkreis Bitburg-Prüm", "Fraunhofer IESE",
    "Deutscher Landkreistag", "Landkreis Kusel", "Kreis Steinfurt", "Landkreis Vorpommern-Greifswald",
    "Bundesinstitut für Bau-, Stadt- und Raumforschung", "Landkreis Mansfeld-Südharz",
    "Stadt Bad Belzig", "Gemeinde Wiesenburg", "Landkreis Oberspreewald-Lausitz",
)
FIRST = (
    "Franziska", "Joanna", "Frederik", "Katrin", "Jonas", "Miriam", "Tobias", "Sabine", "Lukas",
    "Anja", "Matthias", "Henrike", "Jan", "Claudia", "Sebastian", "Ute", "Florian", "Birgit",
    "Philipp", "Nadine", "Stefan", "Carolin", "Mehmet", "Eva", "Dirk", "Leonie", "Thomas", "Jana",
    "Ömer", "Gesine",
)
LAST = (
    "Stader", "Hüffelmann", "Ludwig", "Brückner", "Özdemir", "Weißenfels", "Kramer", "Lange",
    "Schäfer", "Vogt", "Engel", "Großmann", "Petersen", "Kühn", "Albrecht", "Böhm", "Hartung",
    "Janßen", "Krüger", "Möller", "Nowak", "Pohl", "Reuter", "Seidel", "Thiele", "Ulrich",
    "Winter", "Zimmermann", "Fuchs", "Lorenz",
)

SUBJECTS = (
    "Die Kreisverwaltung", "Das Projektteam", "Eine kleine Gemeinde", "Der Landkreis",
    "Die Wirtschaftsförderung", "Die Stabsstelle Digitalisierung", "Ein Zweckverband",
    "Die Runde", "Eine Teilnehmerin", "Ein Teilnehmer", "Das Netzwerk", "Die Verwaltungsspitze",
    "Der Arbeitskreis", "Die Regionalentwicklung", "Ein Amt im Norden des Kreises",
)
VERBS = (
    "berichtete über", "setzt seit einem Jahr auf", "hat gute Erfahrungen gemacht mit",
    "plant für das kommende Jahr", "sucht noch Partner für", "stellte Ergebnisse vor zu",
    "fragte nach Erfahrungen mit", "warnte vor zu großen Erwartungen an", "betonte den Nutzen von",
    "verknüpft inzwischen", "evaluiert gerade", "schilderte die Anfänge von",
)
OBJECTS = (
    "einem gemeinsamen Portal", "kurzen Wegen in die Fachbereiche", "einer offenen Sprechstunde",
    "festen Ansprechpersonen", "einem Leitfaden für Förderanträge", "einer Reihe von Workshops",
    "einer Bestandsaufnahme in allen Gemeinden", "einem Pilotprojekt in drei Ortsteilen",
    "regelmäßigen Austauschformaten", "einer klaren Zuständigkeit", "einem schlanken Beschluss",
    "einer Befragung der Bevölkerung", "einem Prototyp", "einer Kooperationsvereinbarung",
)
CLAUSES = (
    "weil die Mittel nur für zwei Jahre gesichert sind", "obwohl der Haushalt knapp ist",
    "damit das Wissen nicht mit den Projektstellen verschwindet", "sobald die Förderzusage vorliegt",
    "während die Gemeinden noch abwarten", "ohne dass zusätzliches Personal nötig wurde",
    "nachdem der Kreistag zugestimmt hatte", "sodass auch ältere Menschen erreicht werden",
    "bevor die Ausschreibung beginnt", "wie es andere Regionen bereits vorgemacht haben",
)
OPINIONS = (
    "Das zeigte sich in fast allen Wortmeldungen.", "Einfach ist das nicht, aber es lohnt sich.",
    "Hier sind sich die Landkreise erstaunlich einig.", "Die Erfahrungen gehen dabei weit auseinander.",
    "Gerade kleine Kommunen profitieren davon.", "Entscheidend sei, früh anzufangen.",
    "Ohne Rückendeckung der Spitze bleibt vieles Stückwerk.", "Der Aufwand wird oft unterschätzt.",
    "Mehrere Kreise wollen den Ansatz übernehmen.", "Die Nachfrage übertraf die Erwartungen.",
)
HEADINGS = (
    "Impuls aus der Praxis", "Was die Landkreise berichten", "Offene Fragen", "Erfahrungen vor Ort",
    "Ausblick", "Hürden und Lösungen", "Was gut funktioniert", "Zahlen und Befunde",
    "Diskussion in der Runde", "Nächste Schritte", "Praxisbeispiel", "Rahmenbedingungen",
)
LEADS = (
    "Rückendeckung von oben", "Personal als Engpass", "Strategie mit Umsetzungsplan",
    "Gemeinsam statt allein", "Klein anfangen", "Daten teilen", "Menschen mitnehmen",
    "Förderlogik verstehen", "Betrieb mitdenken", "Wirkung zeigen",
)
QUOTES = (
    "Digitalisierung ist eine Querschnittsaufgabe, die nie abgeschlossen ist.",
    "Wir haben gelernt, dass der Betrieb mehr Arbeit macht als der Start.",
    "Knappe Haushalte machen es schwer – die Wirkung macht es trotzdem lohnend.",
    "Ohne die Gemeinden geht es nicht, und ohne den Kreis auch nicht.",
    "Am Ende zählt, ob die Menschen vor Ort etwas davon haben.",
)


@dataclass(frozen=True)
class Person:
    name: str
    org: str


@dataclass(frozen=True)
class SessionInfo:
    rel: str  # path under the content folder
    slug: str
    title: str
    day: date
    number: int
    topics: tuple[str, ...]  # topic titles
    speakers: tuple[Person, ...]
    summary: str
    body: str


@dataclass(frozen=True)
class Corpus:
    out_dir: Path
    topics: tuple[tuple[str, str, tuple[str, ...], str], ...]  # (slug, title, aliases, summary)
    sessions: tuple[SessionInfo, ...]
    site_title: str = "Smarter Kaffee – Benchmark"
    base_url: str = "https://example.org/kaffee/"


def slugify(text: str) -> str:
    """Same rule as kaffee_site.text.slugify (kept here so the bench imports nothing from the package)."""
    import re
    import unicodedata
    text = text.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe",
                                         "Ü": "Ue", "ß": "ss"}))
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def people(rng: random.Random) -> tuple[Person, ...]:
    names = [f"{first} {last}" for first, last in zip(FIRST * 2, LAST + LAST[::-1])]
    return tuple(Person(name, ORGS[rng.randrange(len(ORGS))]) for name in names[:60])


def _mention(rng: random.Random, topics: list[tuple[str, tuple[str, ...]]]) -> str:
    title, aliases = rng.choice(topics)
    return rng.choice((title,) + aliases) if aliases and rng.random() < 0.35 else title


def _sentence(rng: random.Random, topics: list) -> str:
    form = rng.randrange(6)
    if form == 0:
        return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}, {rng.choice(CLAUSES)}."
    if form == 1:
        return f"Beim Thema {_mention(rng, topics)} {rng.choice(VERBS).split()[0]} {rng.choice(SUBJECTS).lower()} vor allem {rng.choice(OBJECTS)}."
    if form == 2:
        return rng.choice(OPINIONS)
    if form == 3:
        return (f"{rng.choice(SUBJECTS)} verbindet {_mention(rng, topics)} mit {rng.choice(OBJECTS)}, "
                f"{rng.choice(CLAUSES)}.")
    if form == 4:
        return f"Für *{_mention(rng, topics)}* braucht es nach Ansicht vieler {rng.choice(OBJECTS)}."
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} **{_mention(rng, topics)}**, {rng.choice(CLAUSES)}."


def _paragraph(rng: random.Random, topics: list, sentences: int) -> str:
    return " ".join(_sentence(rng, topics) for _ in range(sentences))


def _block(rng: random.Random, topics: list) -> str:
    kind = rng.random()
    if kind < 0.18:
        items = [f"- **{rng.choice(LEADS)}:** {_paragraph(rng, topics, rng.randint(1, 2))}"
                 for _ in range(rng.randint(3, 4))]
        return "\n".join(items)
    if kind < 0.30:
        return "\n".join(f"{i}. {_sentence(rng, topics)}" for i in range(1, rng.randint(3, 5) + 1))
    if kind < 0.38:
        return f"> {rng.choice(QUOTES)}"
    return _paragraph(rng, topics, rng.randint(3, 6))


def body_text(rng: random.Random, topics: list) -> str:
    """600–900 words: an intro, then sections of paragraphs, lists and quotes."""
    target = rng.randint(600, 900)
    blocks = [_paragraph(rng, topics, rng.randint(3, 5))]
    words = len(blocks[0].split())
    headings = list(HEADINGS)
    rng.shuffle(headings)
    while words < target:
        heading = f"## {headings.pop()}" if headings else None
        section = [_block(rng, topics) for _ in range(rng.randint(2, 4))]
        for block in section:
            words += len(block.split())
        blocks.extend(([heading] if heading else []) + section)
    return "\n\n".join(blocks) + "\n"


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (titles contain ': ' and '–')."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_session(rng: random.Random, number: int, day: date, persons: tuple[Person, ...]) -> SessionInfo:
    chosen = rng.sample(range(len(TOPICS)), rng.randint(2, 4))
    topic_titles = tuple(TOPICS[i][0] for i in chosen)
    # Bodies mostly mention their own topics, sometimes others, as real reports do.
    own = [TOPICS[i] for i in chosen]
    pool = own * 4 + [rng.choice(TOPICS) for _ in range(3)]
    speakers = tuple(rng.sample(persons, rng.randint(1, 3)))
    title = f"{topic_titles[0]}: {rng.choice(LEADS)} ({number}. Runde)"
    summary = (f"Die {number}. Runde sprach über {topic_titles[0]} und {topic_titles[1]}; "
               f"{speakers[0].name} ({speakers[0].org}) gab den Impuls.")
    slug = f"{day.isoformat()}-{number:05d}-{slugify(topic_titles[0])}"
    rel = f"sessions/{day.year}/{slug}.md"
    return SessionInfo(rel, slug, title, day, number, topic_titles, speakers, summary, body_text(rng, pool))


def session_file(s: SessionInfo) -> str:
    lines = ["---", f"title: {_quote(s.title)}", f"date: {s.day.isoformat()}", f"number: {s.number}",
             "topics:"]
    lines += [f"  - {t}" for t in s.topics]
    lines.append("speakers:")
    for p in s.speakers:
        lines += [f"  - name: {p.name}", f"    org: {p.org}"]
    lines += [f"summary: {_quote(s.summary)}", "---", "", s.body]
    return "\n".join(lines)


def topic_file(title: str, aliases: tuple[str, ...], summary: str, body: str) -> str:
    lines = ["---", f"title: {title}", "aliases:"] + [f"  - {a}" for a in aliases]
    lines += [f"summary: {_quote(summary)}", "---", "", body]
    return "\n".join(lines)


def generate(n: int, out_dir: Path | str, seed: int = 1) -> Corpus:
    """Write the corpus into `out_dir` (emptied first) and describe it."""
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    rng = random.Random(seed)
    persons = people(rng)
    # Spread over 15 years from 2010 on: about 70 a year at N = 1,000, several a day at 10,000.
    start, span = date(2010, 1, 7), 15 * 365
    sessions = []
    for i in range(n):
        day = start + timedelta(days=i * span // max(n, 1))
        sessions.append(make_session(rng, i + 1, day, persons))
    topics = []
    for title, aliases in TOPICS:
        summary = f"{title} in Landkreisen: Erfahrungen, Modelle und offene Fragen aus dem Austausch."
        body = _paragraph(rng, [(title, aliases)], 4) + "\n"
        topics.append((slugify(title), title, aliases, summary, body))
    (out / "topics").mkdir(parents=True)
    for slug, title, aliases, summary, body in topics:
        (out / "topics" / f"{slug}.md").write_text(topic_file(title, aliases, summary, body), encoding="utf-8")
    for s in sessions:
        path = out / s.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(session_file(s), encoding="utf-8")
    corpus = Corpus(out, tuple(t[:4] for t in topics), tuple(sessions))
    (out / "site.yaml").write_text(
        f"title: {corpus.site_title}\nbase_url: {corpus.base_url}\nlanguage: de\n"
        "description: Generierte Berichte für den Geschwindigkeitsvergleich.\nseries: Smarter Kaffee\n",
        encoding="utf-8")
    return corpus


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of sessions")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    corpus = generate(args.n, args.out_dir, args.seed)
    size = sum(p.stat().st_size for p in args.out_dir.rglob("*.md"))
    print(f"{len(corpus.sessions)} sessions, {len(corpus.topics)} topics, "
          f"{size / 1e6:.1f} MB of Markdown in {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

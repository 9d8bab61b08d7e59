// The search page: asks the Pagefind index (built by `kaffee-site build`) and lists what it finds,
// each hit labelled with its kind (session, topic, person) and date, filtered by kind and year.
// Without JavaScript the page still reads and its <noscript> text says that search needs it.
//
// The filters read each hit's metadata (data-pagefind-meta "kind" and "year") here, not Pagefind's
// own filters: Pagefind 1.5 writes its filter index in hash-map order, so the same pages would give
// a different index on every build, and the archive promises byte-identical builds.
const form = document.querySelector("form.search-form");
const input = form.querySelector("input[name=q]");
const yearSelect = form.querySelector("select[name=year]");
const status = document.getElementById("suchstatus");
const list = document.getElementById("suchergebnisse");
const MAX_RESULTS = 30;
const MAX_EXAMINED = 600; // with a filter, hits are looked at in batches until this many
const BATCH = 40;
// The words come from the page (data-* on the form), so they are in the archive's language.
const words = form.dataset;
const KINDS = { session: words.kindSession, topic: words.kindTopic, person: words.kindPerson };
function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
let pagefind = null;
let latest = 0;

// The index comes in parts (a rebuild indexes only the parts whose pages changed): the first
// lies in pagefind/ with Pagefind's script, parts.json lists the others, and Pagefind's
// mergeIndex searches them all as one.
async function load() {
  const base = form.dataset.pagefind;
  const api = await import(base + "pagefind.js");
  // Result URLs are stored relative to the archive; the base makes them work under a sub-path.
  const options = { baseUrl: form.dataset.base, excerptLength: 24 };
  await api.options(options);
  const ready = api.init();
  const listing = await fetch(base + "parts.json");
  const parts = listing.ok ? (await listing.json()).parts : [];
  await Promise.all([ready, ...parts.map((part) => api.mergeIndex(base + part, options))]);
  return api;
}

function engine() {
  if (!pagefind) {
    pagefind = load();
    pagefind.catch(() => {
      pagefind = null; // the next search tries again
    });
  }
  return pagefind;
}

function say(text) {
  status.textContent = text;
}

function chosenFilters() {
  const filters = {};
  const kind = form.querySelector("input[name=kind]:checked");
  if (kind && kind.value) filters.kind = kind.value;
  if (yearSelect && yearSelect.value) filters.year = yearSelect.value;
  return filters;
}

// "Sitzung · 5. September 2024 · Smarter Kaffee Nr. 4": what the hit is, before its title.
function describe(meta) {
  const line = document.createElement("p");
  line.className = "result-meta";
  const kind = document.createElement("span");
  kind.className = "kind";
  kind.textContent = KINDS[meta.kind] || "";
  const details = [meta.date, meta.series, meta.detail, meta.organisations].filter(Boolean);
  line.append(kind, ...details.map((text) => " · " + text));
  return line;
}

// Pagefind cuts excerpts at word boundaries; an ellipsis says where the text goes on.
function excerptOf(data) {
  const paragraph = document.createElement("p");
  paragraph.innerHTML = data.excerpt; // Pagefind escapes the page text; only its <mark> tags are markup
  const shown = paragraph.textContent.trim();
  const whole = (data.content || "").trim();
  if (shown && !whole.startsWith(shown)) paragraph.prepend("… ");
  if (shown && !whole.endsWith(shown)) paragraph.append(" …");
  return paragraph;
}

function hit(data) {
  const item = document.createElement("li");
  const heading = document.createElement("h2");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = (data.meta && data.meta.title) || data.url;
  heading.append(link);
  item.append(describe(data.meta || {}), heading, excerptOf(data));
  return item;
}

function matches(meta, filters) {
  return Object.entries(filters).every(([name, value]) => (meta || {})[name] === value);
}

// The hits to show and how many match: all of them without a filter; with one, batches of hits
// are loaded until a page is full or MAX_EXAMINED were looked at (then the count is a lower bound).
async function collect(results, filters) {
  if (Object.keys(filters).length === 0) {
    const shown = await Promise.all(results.slice(0, MAX_RESULTS).map((r) => r.data()));
    return { shown, count: results.length, exact: true };
  }
  const shown = [];
  let count = 0;
  let examined = 0;
  while (examined < Math.min(results.length, MAX_EXAMINED)) {
    const batch = await Promise.all(results.slice(examined, examined + BATCH).map((r) => r.data()));
    examined += batch.length;
    for (const data of batch) {
      if (!matches(data.meta, filters)) continue;
      count += 1;
      if (shown.length < MAX_RESULTS) shown.push(data);
    }
    if (shown.length >= MAX_RESULTS) break;
  }
  return { shown, count, exact: examined >= results.length };
}

async function run(query) {
  const ticket = ++latest;
  query = query.trim();
  list.replaceChildren();
  if (!query) {
    say("");
    return;
  }
  say(words.running);
  let found;
  try {
    const search = await (await engine()).search(query);
    found = await collect(search.results, chosenFilters());
  } catch (error) {
    say(words.unavailable);
    throw error;
  }
  if (ticket !== latest) return; // a newer query has started meanwhile
  const { shown, count, exact } = found;
  list.replaceChildren(...shown.map(hit));
  const values = { query, count, max: MAX_RESULTS };
  if (!exact) say(fill(words.atLeast, values));
  else if (count === 0) say(fill(words.none, values));
  else if (count === 1) say(fill(words.one, values));
  else if (count > MAX_RESULTS) say(fill(words.more, values));
  else say(fill(words.many, values));
}

// The address holds the query and the filters, so a search can be shared and reloaded.
function remember() {
  const url = new URL(window.location.href);
  url.searchParams.set("q", input.value);
  for (const [name, value] of Object.entries({ kind: "", year: "", ...chosenFilters() })) {
    if (value) url.searchParams.set(name, value);
    else url.searchParams.delete(name);
  }
  history.replaceState(null, "", url);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  remember();
  run(input.value);
});

form.addEventListener("change", (event) => {
  if (event.target === input) return;
  remember();
  run(input.value);
});

let timer = null;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 300);
});

const params = new URLSearchParams(window.location.search);
const kindParam = form.querySelector(`input[name=kind][value="${CSS.escape(params.get("kind") || "")}"]`);
if (kindParam) kindParam.checked = true;
if (yearSelect && params.get("year")) yearSelect.value = params.get("year");
const initial = params.get("q");
if (initial) {
  input.value = initial;
  run(initial);
}

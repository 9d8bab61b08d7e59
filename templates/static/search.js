// The search page: asks the Pagefind index (built by `kaffee-site build`) and lists what it finds.
// Without JavaScript the page still reads and its <noscript> text says that search needs it.
const form = document.querySelector("form.search-form");
const input = form.querySelector("input[name=q]");
const status = document.getElementById("suchstatus");
const list = document.getElementById("suchergebnisse");
const MAX_RESULTS = 30;
// The words come from the page (data-* on the form), so they are in the archive's language.
const words = form.dataset;
function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
let pagefind = null;
let latest = 0;

async function engine() {
  if (!pagefind) {
    pagefind = await import(form.dataset.pagefind + "pagefind.js");
    // Result URLs are stored relative to the archive; the base makes them work under a sub-path.
    await pagefind.options({ baseUrl: form.dataset.base });
    pagefind.init();
  }
  return pagefind;
}

function say(text) {
  status.textContent = text;
}

function hit(data) {
  const item = document.createElement("li");
  const heading = document.createElement("h2");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = (data.meta && data.meta.title) || data.url;
  heading.append(link);
  const excerpt = document.createElement("p");
  excerpt.innerHTML = data.excerpt; // Pagefind escapes the page text; only its <mark> tags are markup
  item.append(heading, excerpt);
  return item;
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
  let search;
  try {
    search = await (await engine()).search(query);
  } catch (error) {
    say(words.unavailable);
    throw error;
  }
  const results = await Promise.all(search.results.slice(0, MAX_RESULTS).map((r) => r.data()));
  if (ticket !== latest) return; // a newer query has started meanwhile
  const count = search.results.length;
  list.replaceChildren(...results.map(hit));
  const values = { query, count, max: MAX_RESULTS };
  if (count === 0) say(fill(words.none, values));
  else if (count === 1) say(fill(words.one, values));
  else if (count > MAX_RESULTS) say(fill(words.more, values));
  else say(fill(words.many, values));
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = new URL(window.location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  run(input.value);
});

let timer = null;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 300);
});

const initial = new URLSearchParams(window.location.search).get("q");
if (initial) {
  input.value = initial;
  run(initial);
}

// Glossary: every term, searchable as you type (aliases and typos: the API's fuzzy search),
// one entry at a time with its definition, sources, related terms and "ask about this".
import { ApiError, getJson } from "../api.js";
import { focusHeading, h, icon, replace } from "../dom.js";
import { errorNotice, loading } from "./common.js";
import { allEntries, sourceTitles } from "./data.js";

let skeleton; // { list, status, search, entryPane, layout }
let searchController;
let searchTimer;

function build(view) {
  const search = h("input", {
    id: "glossary-search",
    type: "search",
    class: "search-input",
    testid: "glossary-search",
    autocomplete: "off",
    spellcheck: "false",
    "aria-controls": "glossary-list",
    "aria-describedby": "glossary-search-hint",
    placeholder: "e.g. KPO, offshoring, outsorcing",
  });
  const status = h("p", { class: "list-status", role: "status", id: "glossary-status" });
  const list = h("ul", { class: "term-list", id: "glossary-list", "aria-label": "Glossary terms" });
  const entryPane = h("div", { class: "entry-pane" });
  const layout = h(
    "div",
    { class: "glossary-layout" },
    h(
      "div",
      { class: "list-pane" },
      h("h1", { id: "glossary-title" }, "Glossary"),
      h("label", { class: "field-label", for: "glossary-search" }, "Search terms"),
      search,
      h("p", { class: "hint", id: "glossary-search-hint" }, "Matches terms and their aliases as you type; close spellings count too."),
      status,
      list,
    ),
    entryPane,
  );
  replace(view, layout);
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void filter(search.value), 120);
  });
  skeleton = { list, status, search, entryPane, layout };
}

async function filter(query) {
  const q = query.trim();
  searchController?.abort();
  const controller = new AbortController();
  searchController = controller;
  try {
    const entries = q
      ? (await getJson(`/v1/glossary?${new URLSearchParams({ q, fuzzy: "true" })}`, { signal: controller.signal })).entries
      : await allEntries();
    if (controller.signal.aborted) return;
    renderList(entries, q);
  } catch (error) {
    if (controller.signal.aborted) return;
    replace(skeleton.list);
    replace(skeleton.status, errorNotice(error, "The glossary could not be searched"));
  }
}

function renderList(entries, query) {
  const current = decodeURIComponent(location.hash.match(/^#\/glossary\/([^?]+)/)?.[1] ?? "");
  replace(
    skeleton.list,
    entries.map((e) =>
      h(
        "li",
        {},
        h(
          "a",
          { class: "term-link", href: `#/glossary/${encodeURIComponent(e.slug)}`, testid: "glossary-term", "aria-current": e.slug === current ? "true" : undefined },
          h("span", { class: "term-name" }, e.term),
          e.aliases.length ? h("span", { class: "term-aliases" }, e.aliases.join(", ")) : null,
        ),
      ),
    ),
  );
  skeleton.status.textContent = query
    ? entries.length
      ? `${entries.length} term${entries.length === 1 ? " matches" : "s match"} “${query}”.`
      : `No term matches “${query}”.`
    : `${entries.length} terms.`;
}

export async function showGlossary(view, term, params) {
  const first = !skeleton;
  if (first) {
    build(view);
    replace(skeleton.status, loading("Loading the glossary…"));
    void filter("");
  } else if (!skeleton.search.value) {
    void filter("");
  }
  skeleton.layout.classList.toggle("has-entry", Boolean(term));
  if (!term) {
    replace(
      skeleton.entryPane,
      h("div", { class: "entry-placeholder" }, h("p", {}, "Pick a term to read its definition, the sources behind it and related terms."), h("p", {}, "Every definition is written from the cited sources.")),
    );
    focusHeading(document.getElementById("glossary-title"));
    return;
  }
  await showEntry(term, params);
}

async function showEntry(term, params) {
  const pane = skeleton.entryPane;
  replace(pane, loading("Loading the entry…"));
  let entry;
  try {
    entry = await getJson(`/v1/glossary/${encodeURIComponent(term)}`);
  } catch (error) {
    const suggestions = error instanceof ApiError ? (error.problem.suggestions ?? []) : [];
    replace(
      pane,
      h("p", { class: "back-row" }, h("a", { class: "back-link", href: "#/glossary" }, icon("back"), "All terms")),
      h("h2", { class: "entry-term", id: "entry-term" }, term),
      error instanceof ApiError && error.status === 404
        ? h("p", { class: "notice" }, "There is no entry with that name.", suggestions.length ? " Did you mean:" : "")
        : errorNotice(error, "This entry could not be loaded"),
      suggestions.length ? h("ul", { class: "term-chips" }, suggestions.map((s) => h("li", {}, h("a", { class: "chip", href: `#/glossary/${encodeURIComponent(s)}` }, s)))) : null,
    );
    focusHeading(document.getElementById("entry-term"));
    return;
  }
  document.title = `${entry.term} · Glossary · KPO onboarding`;
  const [entries, titles] = await Promise.all([allEntries().catch(() => []), sourceTitles().catch(() => new Map())]);
  const bySlug = new Map(entries.map((e) => [e.slug, e]));
  for (const link of skeleton.list.querySelectorAll("a.term-link")) {
    if (link.getAttribute("href") === `#/glossary/${encodeURIComponent(entry.slug)}`) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }

  const span = definitionSpan(entry, params);
  const definition = span
    ? [entry.definition.slice(0, span.from), h("mark", { class: "highlight", testid: "source-highlight", tabindex: "-1" }, entry.definition.slice(span.from, span.to)), entry.definition.slice(span.to)]
    : [entry.definition];
  const askHref = `#/?${new URLSearchParams({ q: `What is ${entry.term}?` })}`;

  replace(
    pane,
    h(
      "article",
      { class: "entry", "aria-labelledby": "entry-term" },
      h("p", { class: "back-row" }, h("a", { class: "back-link", href: "#/glossary" }, icon("back"), "All terms")),
      h("h2", { class: "entry-term", id: "entry-term" }, entry.term),
      entry.aliases.length ? h("p", { class: "entry-aliases" }, "Also called ", entry.aliases.map((a, i) => [i ? ", " : "", h("span", { class: "alias" }, a)])) : null,
      h("p", { class: "entry-definition" }, definition),
      span ? h("p", { class: "legend" }, h("mark", { class: "legend-mark" }, "Highlighted"), ` is the passage cited as [${params.get("n") ?? "?"}], characters ${params.get("start")}–${params.get("end")} of ${entry.path}.`) : null,
      h("p", { class: "entry-file" }, "Definition file: ", h("code", {}, entry.path)),
      h("h3", { class: "section-title" }, "Based on"),
      h(
        "ul",
        { class: "entry-sources" },
        entry.sources.map((id) => h("li", {}, h("a", { href: `#/source/${encodeURIComponent(id)}` }, icon("doc"), titles.get(id) ?? id))),
      ),
      entry.related.length ? h("h3", { class: "section-title" }, "Related terms") : null,
      entry.related.length
        ? h(
            "ul",
            { class: "term-chips" },
            entry.related.map((slug) => h("li", {}, h("a", { class: "chip", href: `#/glossary/${encodeURIComponent(slug)}`, testid: "related-term" }, bySlug.get(slug)?.term ?? slug))),
          )
        : null,
      h("p", { class: "entry-actions" }, h("a", { class: "button primary", href: askHref }, `Ask about ${entry.term}`)),
    ),
  );
  const mark = pane.querySelector("mark.highlight");
  if (mark) {
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
  } else {
    focusHeading(document.getElementById("entry-term"));
  }
}

/** The cited range (file offsets) inside the definition, which starts at entry.start in the file. */
function definitionSpan(entry, params) {
  if (!params.has("start") || !params.has("end")) return undefined;
  const start = Number(params.get("start"));
  const end = Number(params.get("end"));
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < entry.start || end > entry.end || end <= start) return undefined;
  return { from: start - entry.start, to: end - entry.start };
}

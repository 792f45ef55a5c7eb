// A source document as the file holds it, with the cited span (text.slice(start, end), the
// citation rule of the API) highlighted and scrolled into view; text that cleaning dropped as
// page boilerplate is greyed, since answers never quote it. It leads with what a reader judges
// a source by (title, publisher, the original page); the file and offsets are one click away.
// In Markdown and in the text renditions of HTML, Word and PDF documents, "#"/"##" lines are
// shown as headings (the marks stay in the text, hidden, so the text is still the file's).
import { getJson } from "../api.js";
import { focusHeading, h, icon, replace } from "../dom.js";
import { backLink, errorNotice, loading } from "./common.js";

export async function showSource(view, id, params) {
  replace(view, loading("Loading the source…"));
  let source;
  try {
    source = await getJson(`/v1/sources/${encodeURIComponent(id)}/text`);
  } catch (error) {
    replace(view, h("h1", { id: "source-title" }, "Source"), errorNotice(error, "This source could not be loaded"));
    focusHeading(view.querySelector("h1"));
    return;
  }
  document.title = `${source.title} · KPO onboarding`;
  const span = citedSpan(params, source.text.length);
  const n = params.get("n");
  const heading = h("h1", { class: "source-title", id: "source-title" }, source.title);
  const doc = h("div", { class: "source-text", testid: "source-view", tabindex: "0", "aria-labelledby": "source-title" }, documentNodes(source, span));

  replace(
    view,
    h("div", { class: "source-top" }, backLink()),
    h(
      "header",
      { class: "source-header" },
      h("p", { class: "eyebrow" }, source.kind.replace(/-/g, " ")),
      heading,
      h(
        "p",
        { class: "source-byline" },
        source.publisher ? h("span", { class: "publisher" }, source.publisher) : h("span", { class: "publisher unknown" }, "Publisher not recorded"),
        h("span", { class: "dot", "aria-hidden": "true" }, "·"),
        source.url
          ? h("a", { href: source.url, rel: "noopener noreferrer", class: "external" }, "Original page", h("span", { class: "visually-hidden" }, ` (${source.url})`), icon("external"))
          : h("span", { class: "no-url" }, "no address was captured"),
      ),
      h(
        "details",
        { class: "source-details" },
        h("summary", {}, span ? `File and position of passage [${n ?? "?"}]` : "File"),
        h(
          "dl",
          { class: "meta" },
          h("dt", {}, "File"),
          h("dd", {}, h("code", {}, source.path)),
          source.originalPath && source.originalPath !== source.path ? h("dt", {}, "Derived from") : null,
          source.originalPath && source.originalPath !== source.path ? h("dd", {}, h("code", {}, source.originalPath)) : null,
          span ? h("dt", {}, n ? `Passage [${n}]` : "Passage") : null,
          span ? h("dd", {}, `characters ${span.start}–${span.end} of the file`) : null,
        ),
      ),
      h(
        "p",
        { class: "legend" },
        span ? h("mark", { class: "legend-mark" }, "Highlighted") : null,
        span ? " is the quoted passage, exactly as the file has it. " : null,
        h("span", { class: "dropped legend-dropped" }, "Grey text"),
        " is page boilerplate (menus, ads, comments) that answers never quote.",
      ),
      span === null && params.has("start") ? h("p", { class: "notice error", role: "alert" }, "The cited range is not inside this file.") : null,
    ),
    doc,
  );
  const mark = doc.querySelector("mark");
  if (mark) {
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
  } else {
    focusHeading(heading);
  }
}

function citedSpan(params, length) {
  if (!params.has("start") || !params.has("end")) return undefined;
  const start = Number(params.get("start"));
  const end = Number(params.get("end"));
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start || end > length) return null;
  const n = params.get("n");
  return { start, end, n: n && /^\d+$/.test(n) ? n : undefined };
}

/**
 * Text nodes of [from, to), greyed where they fall outside every kept span; the lines of
 * `headings` inside it become heading elements, their "#" marks kept but hidden.
 */
function segments(text, spans, from, to, headings = []) {
  const cuts = new Set([from, to]);
  const inside = headings.filter((x) => x.start >= from && x.end <= to);
  for (const s of spans) for (const x of [s.start, s.end]) if (x > from && x < to) cuts.add(x);
  for (const x of inside) for (const p of [x.start, x.textStart, x.end]) cuts.add(p);
  const points = [...cuts].sort((a, b) => a - b);
  const out = [];
  let open; // { heading, el }
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const kept = spans.some((s) => s.start <= a && b <= s.end);
    const piece = text.slice(a, b);
    const heading = inside.find((x) => x.start <= a && b <= x.end);
    let node = kept ? piece : h("span", { class: "dropped" }, piece);
    if (heading && a < heading.textStart) node = h("span", { class: "md-marker", "aria-hidden": "true" }, node);
    if (!heading) {
      open = undefined;
      out.push(node);
      continue;
    }
    if (open?.heading !== heading) {
      open = { heading, el: h("span", { class: `source-heading level-${heading.level}`, role: "heading", "aria-level": String(Math.min(6, heading.level + 1)) }) };
      out.push(open.el);
    }
    open.el.append(node);
  }
  return out;
}

/** "#"-"######" lines of a Markdown file or a text rendition (HTML, Word, PDF), except those a cited span overlaps. */
function headingLines(source, span) {
  const markdownLike = source.format === "markdown" || source.path !== source.originalPath;
  if (!markdownLike) return [];
  const out = [];
  for (const m of source.text.matchAll(/^(#{1,6})[ \t]+\S[^\n]*$/gm)) {
    const start = m.index;
    const end = start + m[0].length;
    if (span && span.start < end && start < span.end) continue;
    out.push({ start, end, textStart: start + m[0].length - m[0].replace(/^#{1,6}[ \t]+/, "").length, level: m[1].length });
  }
  return out;
}

/** Kept spans with the short gaps between them that only hold list markers or line breaks joined in. */
function mergeSpans(text, spans) {
  const merged = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && span.start - last.end <= 6 && /^[\s\-*•]*$/.test(text.slice(last.end, span.start))) last.end = Math.max(last.end, span.end);
    else merged.push({ start: span.start, end: span.end });
  }
  return merged;
}

function documentNodes(source, span) {
  const text = source.text;
  const spans = mergeSpans(text, source.spans);
  const headings = headingLines(source, span);
  if (!span) return segments(text, spans, 0, text.length, headings);
  return [
    segments(text, spans, 0, span.start, headings),
    h("mark", { testid: "source-highlight", tabindex: "-1", class: "highlight", dataset: span.n ? { n: span.n } : {} }, segments(text, spans, span.start, span.end)),
    segments(text, spans, span.end, text.length, headings),
  ];
}

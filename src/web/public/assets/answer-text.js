// Renders an answer's Markdown subset (paragraphs, "- " lists, **bold**) with its [n] markers
// as links to the cited passages. Only DOM building: the text is never parsed as HTML.
import { h } from "./dom.js";

/** Glossary citations quote corpus/glossary/<slug>.md; their sourceId is "glossary/<slug>.md". */
export function glossarySlugOf(citation) {
  const match = /^glossary\/([^/]+)\.md$/.exec(citation.sourceId);
  return match ? match[1] : undefined;
}

/** Where a citation opens: the source document, or the glossary entry, with the quoted span. */
export function citationHref(citation) {
  const span = new URLSearchParams({ start: String(citation.start), end: String(citation.end), n: String(citation.n) });
  const slug = glossarySlugOf(citation);
  return slug ? `#/glossary/${encodeURIComponent(slug)}?${span}` : `#/source/${encodeURIComponent(citation.sourceId)}?${span}`;
}

export function citationLink(citation) {
  return h(
    "a",
    {
      class: "cite",
      href: citationHref(citation),
      testid: "citation",
      dataset: { n: citation.n },
      "aria-label": `Citation ${citation.n}: ${citation.title}`,
    },
    `[${citation.n}]`,
  );
}

function inline(text, citations) {
  const out = [];
  for (const part of text.split(/(\*\*[^*\n]+\*\*|\[\d+\])/)) {
    if (!part) continue;
    const marker = /^\[(\d+)\]$/.exec(part);
    const citation = marker && citations.get(Number(marker[1]));
    if (citation) out.push(citationLink(citation));
    else if (/^\*\*[^*\n]+\*\*$/.test(part)) out.push(h("strong", {}, part.slice(2, -2)));
    else out.push(part);
  }
  return out;
}

/** Block nodes for the answer text; `citations` maps n to its citation (unknown markers stay text). */
export function renderAnswerText(text, citations) {
  const blocks = [];
  for (const block of text.split(/\n{2,}/)) {
    const lines = block.split("\n").filter((l) => l.trim());
    if (lines.length === 0) continue;
    if (lines.every((l) => /^\s*[-*] /.test(l))) {
      blocks.push(h("ul", {}, lines.map((l) => h("li", {}, inline(l.replace(/^\s*[-*] /, ""), citations)))));
    } else {
      const children = [];
      lines.forEach((line, i) => {
        if (i > 0) children.push(h("br"));
        children.push(inline(line, citations));
      });
      blocks.push(h("p", {}, children));
    }
  }
  return blocks;
}

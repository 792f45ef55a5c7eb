import type { Assistant } from "../assistant-types.ts";
import type { Answer } from "../schema/answer.ts";
import type { GlossaryEntry } from "../schema/glossary.ts";
import type { SearchHit } from "../schema/passage.ts";
import type { AnswerOutput, CitationOutput } from "./schemas.ts";

/**
 * What MCP clients read: the text content of each tool result (shown to a person or a model)
 * and the kpo:// addresses of what a citation points at. The structured content carries the
 * same facts as data.
 */

export const SOURCE_URI_TEMPLATE = "kpo://sources/{id}";
export const GLOSSARY_URI_TEMPLATE = "kpo://glossary/{slug}";

export const sourceUri = (id: string) => `kpo://sources/${encodeURIComponent(id)}`;
export const glossaryUri = (slug: string) => `kpo://glossary/${encodeURIComponent(slug)}`;

/** The resource holding what a passage or citation quotes: its source's raw text, or its glossary entry (topic notes have none). */
function resourceOf(assistant: Assistant, cited: { sourceId: string; path: string }): string | undefined {
  if (assistant.sources.get(cited.sourceId)) return sourceUri(cited.sourceId);
  const entry = assistant.glossary.list().find((e) => e.path === cited.path);
  return entry ? glossaryUri(entry.slug) : undefined;
}

/** A passage or citation with the `uri` of what it quotes, when there is one. */
export function withUri<T extends { sourceId: string; path: string }>(assistant: Assistant, cited: T): T & { uri?: string } {
  const uri = resourceOf(assistant, cited);
  return uri ? { ...cited, uri } : cited;
}

export function answerOutputOf(assistant: Assistant, answer: Answer): AnswerOutput {
  const { id, question, resolvedQuestion, status, mode, fallbackReason, related } = answer;
  const citations: CitationOutput[] = answer.citations.map((c) => withUri(assistant, c));
  return {
    id,
    question,
    ...(resolvedQuestion === undefined ? {} : { resolvedQuestion }),
    status,
    answer: answer.answer,
    citations,
    mode,
    ...(fallbackReason === undefined ? {} : { fallbackReason }),
    related,
  };
}

/** The answer in Markdown with its numbered sources under it, so the [n] markers stay checkable wherever it is shown. */
export function answerText(answer: AnswerOutput): string {
  const lines: string[] = [];
  if (answer.resolvedQuestion && answer.resolvedQuestion !== answer.question) lines.push(`(Answering: ${answer.resolvedQuestion})`, "");
  lines.push(answer.answer);
  if (answer.citations.length) {
    lines.push("", "Sources:");
    for (const c of answer.citations) {
      const where = [c.title, c.section].filter(Boolean).join(" — ");
      lines.push(
        `[${c.n}] ${where}${c.url ? ` (${c.url})` : ""}`,
        `    "${c.quote.replace(/\s+/g, " ")}"`,
        `    ${c.path}, characters ${c.start}-${c.end}${c.page ? `, page ${c.page}` : ""}${c.uri ? `; ${c.uri}` : ""}`,
      );
    }
  }
  if (answer.related.length) lines.push("", `Related terms: ${answer.related.join(", ")}`);
  if (answer.fallbackReason) lines.push("", `(The LLM answer was unavailable: ${answer.fallbackReason}; this is the extractive answer.)`);
  return lines.join("\n");
}

export function searchText(query: string, hits: SearchHit[]): string {
  if (hits.length === 0) return `No passages matched ${JSON.stringify(query)}.`;
  return hits
    .map((h, i) => {
      const section = h.section.slice(1).join(" > ");
      const excerpt = h.text.replace(/\s+/g, " ");
      return `${i + 1}. ${h.title}${section ? ` — ${section}` : ""}\n   ${h.path}, characters ${h.start}-${h.end}\n   ${excerpt.length > 400 ? `${excerpt.slice(0, 399)}…` : excerpt}`;
    })
    .join("\n\n");
}

export function definitionText(entry: GlossaryEntry, asked: string, match: "exact" | "closest"): string {
  return [
    ...(match === "closest" ? [`No entry is named ${JSON.stringify(asked)}; the closest is:`, ""] : []),
    `${entry.term}${entry.aliases.length ? ` (${entry.aliases.join(", ")})` : ""}`,
    "",
    entry.definition,
    "",
    ...(entry.related.length ? [`Related: ${entry.related.join(", ")}`] : []),
    `Supporting sources: ${entry.sources.join(", ")}`,
    `Quoted from ${entry.path}, characters ${entry.start}-${entry.end}`,
  ].join("\n");
}

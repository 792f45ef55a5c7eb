import type { Citation } from "../../schema/answer.ts";
import { citationFor } from "../citations.ts";
import type { Knowledge } from "./knowledge.ts";
import type { Located, Unit } from "./units.ts";

/**
 * Writes the chosen units as an answer: one paragraph of sentences (or, for a list or a
 * comparison, one bullet a unit), each followed by the numbers of what it cites. Citations are
 * numbered in order of first use; a span cited twice, or one overlapping a span already cited
 * from the same file, keeps the first number, so no two citations of an answer overlap. Items
 * of one source list shown together are one bullet with one citation.
 */
export function renderAnswer(knowledge: Knowledge, units: Unit[], options: { bullets: boolean; lead?: string }): { answer: string; citations: Citation[] } {
  const citations: Citation[] = [];
  const number = (l: Located): number => {
    const chunk = knowledge.chunksById.get(l.chunkId)!;
    const same = citations.find((c) => c.path === chunk.path && c.start < l.span.end && l.span.start < c.end);
    if (same) return same.n;
    const n = citations.length + 1;
    citations.push(citationFor(chunk, l.span, n));
    return n;
  };
  const markers = (cites: Located[]) => [...new Set(cites.map(number))].map((n) => `[${n}]`).join("");
  const lines: string[] = [];
  for (const group of groupListItems(units)) {
    const [first] = group;
    let text: string;
    if (group.length > 1) {
      // Items of one list read as one line; the citation quotes the list from the first item to the last.
      const span = { start: first!.cites[0]!.span.start, end: group.at(-1)!.cites[0]!.span.end };
      text = `${group.map((u) => tidy(u.text).replace(/[.;]$/, "")).join("; ")} ${markers([{ chunkId: first!.cites[0]!.chunkId, span }])}`;
    } else {
      text = `${tidy(first!.text)} ${markers(first!.cites)}`;
    }
    lines.push(text);
  }
  const body = options.bullets && lines.length > 1 ? lines.map((l) => `- ${l}`).join("\n") : lines.join(" ");
  return { answer: options.lead ? `${options.lead}${options.bullets && lines.length > 1 ? "\n" : " "}${body}` : body, citations };
}

/** A quote as it reads in a sentence: line breaks and list bullets of the file collapsed, a capital first letter. */
function tidy(text: string): string {
  const flat = text.replace(/\s*\n+\s*(?:[-*•]\s+)?/g, " ").replace(/^[-*•]\s+/, "").replace(/\s+/g, " ").trim();
  return flat.charAt(0).toUpperCase() + flat.slice(1);
}

/** Consecutive units that are items of the same list chunk, in the list's order, form one group. */
function groupListItems(units: Unit[]): Unit[][] {
  const groups: Unit[][] = [];
  const byChunk = new Map<string, Unit[]>();
  for (const u of units) {
    if (u.kind !== "item") {
      groups.push([u]);
      continue;
    }
    const group = byChunk.get(u.chunk.id);
    if (group) group.push(u);
    else {
      const fresh = [u];
      byChunk.set(u.chunk.id, fresh);
      groups.push(fresh);
    }
  }
  for (const group of byChunk.values()) group.sort((a, b) => a.cites[0]!.span.start - b.cites[0]!.span.start);
  return groups;
}

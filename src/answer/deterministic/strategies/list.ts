import type { Chunk, ListType } from "../../../schema/passage.ts";
import { normalizeTerm } from "../../../text/terms.ts";
import type { Passage } from "../../types.ts";
import { withContext } from "../builder.ts";
import { aboutSubject, favourClaims, isClaim, type ComposeContext } from "../context.ts";
import type { Knowledge, Sentence } from "../knowledge.ts";
import { LIST_VOCAB, pickDiverse, scoreSentences, SECTION_FOR, type Scored } from "../scoring.ts";

const CAPS = { bullets: 7, claims: 5, listItems: 10, extraSections: 6 };
const LIST_FLOOR = 0.45;
const CLAIM_FLOOR = 0.7;

/** A list item: short, and not a sentence (no closing punctuation), or a bullet. */
function isListItem(s: Sentence): boolean {
  return s.chunk.kind === "list" || (s.chunk.kind !== "topic" && !/[.!?:;]$/.test(s.text) && s.text.split(/\s+/).length <= 8);
}

/** Source passages under a heading of each list kind ("Risks"), with their title and headings normalised: found once per index. */
const sectionsByKind = new WeakMap<Knowledge, Map<ListType, { chunk: Chunk; heading: string }[]>>();

function sectionsOfKind(knowledge: Knowledge, listType: ListType): { chunk: Chunk; heading: string }[] {
  let byKind = sectionsByKind.get(knowledge);
  if (!byKind) sectionsByKind.set(knowledge, (byKind = new Map()));
  let sections = byKind.get(listType);
  if (!sections) {
    sections = knowledge.chunks
      .filter((c) => c.kind !== "topic" && SECTION_FOR[listType].test(c.section.at(-1) ?? ""))
      .map((chunk) => ({ chunk, heading: normalizeTerm(`${chunk.title} ${chunk.section.join(" ")}`) }));
    byKind.set(listType, sections);
  }
  return sections;
}

/** Items of a bulleted chunk, or short unpunctuated pieces glued into one line ("consultantsResearch and development"). */
function listItems(ctx: ComposeContext, chunkId: string): Sentence[] {
  const sentences = ctx.knowledge.sentencesByChunk.get(chunkId) ?? [];
  if (sentences[0]?.chunk.kind === "list") return sentences;
  const items = sentences.filter(isListItem);
  return items.length >= 3 ? items : [];
}

/**
 * A list answer: the claims of that kind (risks, benefits, examples) about the subject as
 * bullets, then the best-matching list in the documents (a bulleted section such as "Risks")
 * quoted whole as one citation, then relevant prose sentences, de-duplicated.
 */
export function list(ctx: ComposeContext, listType: ListType): void {
  const { knowledge, subjects, builder } = ctx;
  // A section titled "Risks" in a document about the question's subject answers "what are the risks of X" even
  // when its sentences never repeat X, so such sections join the candidates beyond what retrieval ranked.
  const names = subjects.flatMap((e) => [e.term, ...e.aliases].map(normalizeTerm));
  const headedBySubject = (c: Chunk) => names.some((n) => normalizeTerm(`${c.title} ${c.section.join(" ")}`).includes(n));
  const floor = ctx.passages.at(-1)?.score ?? 0;
  const retrieved = new Set(ctx.passages.map((p) => p.id));
  const retrievedSources = new Set(ctx.passages.map((p) => p.sourceId));
  const headed = sectionsOfKind(knowledge, listType).filter((s) => !retrieved.has(s.chunk.id) && names.some((n) => s.heading.includes(n)));
  // In a large corpus many documents have such a section: those of documents retrieval already found come first.
  const extra: Passage[] = [...headed.filter((s) => retrievedSources.has(s.chunk.sourceId)), ...headed.filter((s) => !retrievedSources.has(s.chunk.sourceId))]
    .slice(0, CAPS.extraSections)
    .map(({ chunk }) => ({ ...chunk, score: floor, ranks: {}, scores: {} }));
  const candidates = [...ctx.passages, ...extra];
  // A list about X is built only from sentences about X: KPO's risks are not BPO's.
  const about = (s: Sentence) => aboutSubject(subjects, s) || s.chunk.claim?.listType === listType;
  const scored = favourClaims(scoreSentences(knowledge, ctx.query, candidates, { listType, aboutSubject: about }).filter((c) => about(c.sentence)));

  // Claims of any note may answer (a risk stated in the sourcing note); the note's kind only adds to the score.
  const claims = pickDiverse(knowledge, scored, CAPS.claims, CLAIM_FLOOR, isClaim);
  for (const c of claims) builder.bullet({ chunkId: c.sentence.chunk.id, span: c.sentence.span });

  const listChunk = candidates
    .filter((p) => names.length === 0 || headedBySubject(p))
    .filter((p) => p.kind !== "glossary" && p.kind !== "comment" && p.kind !== "topic" && SECTION_FOR[listType].test(p.section.at(-1) ?? ""))
    .map((p) => ({ p, items: listItems(ctx, p.id) }))
    .find((c) => c.items.length >= 3);
  if (listChunk) {
    const items = listChunk.items.slice(0, CAPS.listItems);
    const intro = (knowledge.sentencesByChunk.get(listChunk.p.id) ?? []).find((s) => s.text.endsWith(":") && s.span.end <= items[0]!.span.start);
    const span = { start: (intro ?? items[0]!).span.start, end: items.at(-1)!.span.end };
    builder.list({ chunkId: listChunk.p.id, span }, items.map((i) => i.text), intro?.text ?? (claims.length ? "In the sources:" : undefined));
  }
  const inList = (s: Sentence) => listChunk !== undefined && s.chunk.id === listChunk.p.id;
  // A prose item must be about the kind of thing asked for: in a "Risks" section, or using risk words.
  const onTopic = (c: Scored) => SECTION_FOR[listType].test(c.sentence.chunk.section.at(-1) ?? "") || LIST_VOCAB[listType].test(c.sentence.text);
  const room = CAPS.bullets - claims.length - (listChunk ? 3 : 0);
  if (room <= 0) return;
  const prose = pickDiverse(knowledge, scored, room, LIST_FLOOR, (c) => !isClaim(c) && !inList(c.sentence) && onTopic(c) && !isListItem(c.sentence), claims);
  for (const s of inReadingOrder(prose)) builder.bullet(withContext(knowledge, s));
}

function inReadingOrder(picked: Scored[]): Sentence[] {
  // Items from one list stay in the list's order; lists and documents keep their ranking.
  const firstRank = new Map<string, number>();
  picked.forEach((p, i) => firstRank.set(p.sentence.chunk.id, Math.min(firstRank.get(p.sentence.chunk.id) ?? i, i)));
  return [...picked]
    .sort((a, b) => firstRank.get(a.sentence.chunk.id)! - firstRank.get(b.sentence.chunk.id)! || a.sentence.index - b.sentence.index)
    .map((p) => p.sentence);
}

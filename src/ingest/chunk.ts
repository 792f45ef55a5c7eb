import type { RawDocument } from "../corpus/load.ts";
import { sha256 } from "../corpus/load.ts";
import type { GlossaryEntry } from "../schema/glossary.ts";
import type { Chunk, Span } from "../schema/passage.ts";
import type { Block } from "./clean.ts";
import { splitSentences } from "./sentences.ts";
import { wordCount } from "../text/terms.ts";

export const MAX_CHUNK_WORDS = 120;
export const MIN_CHUNK_WORDS = 40;


/** What the dense index embeds (and the vector cache keys on): the heading gives short chunks their context; a glossary chunk's heading is its term. */
export function embeddingText(chunk: Pick<Chunk, "section" | "text" | "title" | "kind">): string {
  const heading = chunk.section.at(-1) ?? chunk.title;
  return `${heading}: ${chunk.text}`;
}

/** A sentence as embedded: list items keep their heading ("Risks: Key talent retention"), prose stands alone. */
export function sentenceEmbeddingText(chunk: Chunk, span: Span): string {
  const text = chunk.text.slice(span.start - chunk.start, span.end - chunk.start);
  return chunk.kind === "list" ? `${chunk.section.at(-1) ?? chunk.title}: ${text}` : text;
}

/** What chunking needs of a document. */
type ChunkedDocument = Pick<RawDocument, "id" | "path" | "raw" | "meta"> & Partial<Pick<RawDocument, "pages">>;

function makeChunk(doc: ChunkedDocument, section: string[], kind: Chunk["kind"], start: number, end: number, sentences: Span[]): Chunk {
  const text = doc.raw.slice(start, end);
  const chunk: Omit<Chunk, "hash"> = {
    id: `${doc.id}:${start}-${end}`,
    sourceId: doc.id,
    path: doc.path,
    title: doc.meta.title,
    url: doc.meta.url ?? null,
    section,
    kind,
    text,
    start,
    end,
    sentences,
    ...(doc.pages?.length ? { pages: pagesWithin(doc.pages, start, end) } : {}),
  };
  return { ...chunk, hash: sha256(embeddingText(chunk)) };
}

/** The page a chunk starts on and the pages that start inside it. */
function pagesWithin(pages: NonNullable<RawDocument["pages"]>, start: number, end: number): NonNullable<Chunk["pages"]> {
  const first = pages.filter((p) => p.start <= start).at(-1) ?? pages[0]!;
  return [{ start, page: first.page }, ...pages.filter((p) => p.start > start && p.start < end)];
}

/**
 * Heading-aware, sentence-aware chunking: a chunk never crosses a heading, a dropped
 * (boilerplate) span such as a comment header, or a change between prose, list and
 * comment; it closes at about
 * MAX_CHUNK_WORDS, on a sentence boundary. List items are sentences of their own.
 */
export function chunkDocument(doc: ChunkedDocument, blocks: Block[]): Chunk[] {
  type Open = { kind: Chunk["kind"]; section: string[]; start: number; end: number; words: number; sentences: Span[]; continues: boolean };
  const pieces: Open[] = [];
  const headings: { level: number; text: string }[] = [];
  let open: Open | undefined;

  const close = () => {
    if (!open) return;
    const previous = pieces.at(-1);
    // A short tail of a long run joins the piece before it rather than standing alone.
    if (open.continues && open.words < MIN_CHUNK_WORDS && previous) {
      previous.end = open.end;
      previous.words += open.words;
      previous.sentences.push(...open.sentences);
    } else pieces.push(open);
    open = undefined;
  };

  for (const block of blocks) {
    if (block.kind === "heading") {
      close();
      while (headings.length && headings.at(-1)!.level >= block.level) headings.pop();
      headings.push({ level: block.level, text: block.text });
      continue;
    }
    const kind: Chunk["kind"] = block.kind;
    // A list item is one unit, unless it holds sentences of its own (a numbered step with its explanation).
    const sentences = block.kind === "list" && !/[.!?]\s+\p{Lu}/u.test(block.text) ? [{ start: block.start, end: block.end }] : splitSentences(block.text, block.start);
    // Only white space and list bullets may separate blocks of one chunk; anything else was dropped boilerplate.
    const contiguous = open && open.kind === kind && /^[\s\-*•·]*$/.test(doc.raw.slice(open.end, block.start));
    if (!contiguous) close();
    for (const sentence of sentences) {
      const words = wordCount(doc.raw.slice(sentence.start, sentence.end));
      let continues = false;
      if (open && open.words + words > MAX_CHUNK_WORDS && open.words >= MIN_CHUNK_WORDS) {
        close();
        continues = true;
      }
      if (!open) open = { kind, section: headings.map((h) => h.text), start: sentence.start, end: sentence.end, words: 0, sentences: [], continues };
      open.end = sentence.end;
      open.words += words;
      open.sentences.push(sentence);
    }
  }
  close();
  return pieces.map((p) => makeChunk(doc, p.section, p.kind, p.start, p.end, p.sentences));
}

/**
 * A chunk of a curated file (a glossary entry, a topic-note claim): `text` is the verbatim slice
 * `start`..`end` of the file at `path`, so its citations obey the same rule as the sources'.
 */
export function curatedChunk(fields: Pick<Chunk, "id" | "path" | "title" | "section" | "kind" | "text" | "start" | "end" | "sentences"> & Partial<Pick<Chunk, "term" | "claim">>): Chunk {
  const chunk: Omit<Chunk, "hash"> = { sourceId: fields.path.split("/").slice(-2).join("/"), url: null, ...fields };
  return { ...chunk, hash: sha256(embeddingText(chunk)) };
}

/** A glossary definition as a chunk of its own, citing into the glossary file. */
export function glossaryChunk(entry: GlossaryEntry): Chunk {
  return curatedChunk({
    id: `glossary:${entry.slug}`,
    path: entry.path,
    title: entry.term,
    section: ["Glossary", entry.term],
    kind: "glossary",
    text: entry.definition,
    start: entry.start,
    end: entry.end,
    sentences: splitSentences(entry.definition, entry.start),
    term: entry.slug,
  });
}

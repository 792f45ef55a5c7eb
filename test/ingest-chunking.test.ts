import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadGlossary } from "../src/corpus/glossary.ts";
import { loadSourceDocuments, type RawDocument } from "../src/corpus/load.ts";
import { chunkDocument, embeddingText, glossaryChunk, MAX_CHUNK_WORDS, MIN_CHUNK_WORDS } from "../src/ingest/chunk.ts";
import { cleanDocument, type Block } from "../src/ingest/clean.ts";
import { splitSentences } from "../src/ingest/sentences.ts";
import type { Chunk } from "../src/schema/passage.ts";
import { WIKIPEDIA_RISKS } from "./support/corpus-facts.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const CORPUS = path.join(ROOT, "corpus");
const titles = new Map(
  (JSON.parse(readFileSync(path.join(CORPUS, "sources.json"), "utf8")) as { file: string; title: string; url: string | null }[]).map((m) => [m.file, m]),
);

const wordCount = (s: string) => (s.match(/[\p{L}\p{N}]+/gu) ?? []).length;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const texts = (text: string, spans: { start: number; end: number }[]) => spans.map((s) => text.slice(s.start, s.end));

interface Chunked {
  doc: RawDocument;
  blocks: Block[];
  chunks: Chunk[];
}

let docs: RawDocument[];
const chunked = (includeComments: boolean): Chunked[] =>
  docs.map((doc) => {
    const { blocks } = cleanDocument(doc.raw, { includeComments });
    return { doc, blocks, chunks: chunkDocument(doc, blocks) };
  });
const byPrefix = (all: Chunked[], prefix: string) => all.find((c) => c.doc.id.startsWith(prefix))!;

beforeAll(async () => {
  docs = await loadSourceDocuments(CORPUS, ROOT);
});

describe("chunks of the real corpus", () => {
  it("carry the source id, path, title and url from corpus/sources.json", () => {
    for (const { doc, chunks } of chunked(true)) {
      const meta = titles.get(doc.id)!;
      expect(meta, doc.id).toBeDefined();
      for (const c of chunks) {
        expect(c.sourceId).toBe(doc.id);
        expect(c.path).toBe(`corpus/sources/${doc.id}`);
        expect(c.title).toBe(meta.title);
        expect(c.url).toBe(meta.url);
        expect(c.id).toBe(`${doc.id}:${c.start}-${c.end}`);
        expect(["text", "list", "comment"]).toContain(c.kind);
      }
    }
  });

  it("carry a sha256 content hash of the text they are embedded as", () => {
    const hashes = new Set<string>();
    for (const { chunks } of chunked(true)) {
      for (const c of chunks) {
        expect(c.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(c.hash).toBe(sha256(embeddingText(c)));
        expect(embeddingText(c)).toContain(c.text);
        hashes.add(c.hash);
      }
    }
    expect(hashes.size).toBe(chunked(true).reduce((n, c) => n + c.chunks.length, 0));
  });

  it("carry offsets into the raw file, in file order without overlap", () => {
    for (const { doc, chunks } of chunked(true)) {
      for (let i = 0; i < chunks.length; i++) {
        expect(doc.raw.slice(chunks[i]!.start, chunks[i]!.end)).toBe(chunks[i]!.text);
        if (i > 0) expect(chunks[i]!.start).toBeGreaterThanOrEqual(chunks[i - 1]!.end);
      }
    }
  });

  it("never cross a heading, and carry the heading path above them", () => {
    for (const { doc, blocks, chunks } of chunked(true)) {
      const headings = blocks.filter((b) => b.kind === "heading");
      for (const c of chunks) {
        for (const h of headings) {
          const inside = h.start < c.end && h.end > c.start;
          expect(inside, `${c.id} crosses heading "${h.text}"`).toBe(false);
        }
        const above = headings.filter((h) => h.end <= c.start).at(-1);
        if (above) expect(c.section.at(-1), c.id).toBe(above.text);
        else expect(c.section, c.id).toEqual([]);
        if (c.section.length) expect(c.section[0], c.id).toBe(headings[0]!.text);
      }
      if (doc.id.startsWith("003_")) expect(chunks.every((c) => c.section[0] === "Knowledge process outsourcing")).toBe(true);
    }
  });

  it("keep the 003 Risks list as one chunk under Risks and benefits > Risks, each of the 9 items a sentence", () => {
    const { doc, chunks } = byPrefix(chunked(false), "003_");
    const risks = chunks.filter((c) => c.section.at(-1) === "Risks");
    expect(risks).toHaveLength(1);
    const chunk = risks[0]!;
    expect(chunk.kind).toBe("list");
    expect(chunk.section.slice(-2)).toEqual(["Risks and benefits", "Risks"]);
    expect(texts(doc.raw, chunk.sentences)).toEqual(WIKIPEDIA_RISKS);
    const benefits = chunks.find((c) => c.section.at(-1) === "Benefits")!;
    expect(benefits.section.slice(-2)).toEqual(["Risks and benefits", "Benefits"]);
    expect(benefits.sentences).toHaveLength(5);
    expect(benefits.end).toBeLessThan(chunk.start);
  });

  it("stay within MAX_CHUNK_WORDS except for a short tail (< MIN_CHUNK_WORDS) merged in, and never reach 200 words", () => {
    for (const { doc, chunks } of chunked(true)) {
      for (const c of chunks) {
        // Word counts per sentence, as the chunker counts them (glued list items count apart).
        const words = c.sentences.map((s) => wordCount(doc.raw.slice(s.start, s.end)));
        const total = words.reduce((a, b) => a + b, 0);
        let head = 0;
        let k = 0;
        while (k < words.length && head + words[k]! <= MAX_CHUNK_WORDS) head += words[k++]!;
        expect(head, `${c.id}: head`).toBeLessThanOrEqual(MAX_CHUNK_WORDS);
        expect(total - head, `${c.id}: ${total} words, more than a short tail over ${MAX_CHUNK_WORDS}`).toBeLessThan(MIN_CHUNK_WORDS);
        expect(total).toBeLessThan(MAX_CHUNK_WORDS + MIN_CHUNK_WORDS);
        expect(wordCount(c.text)).toBeLessThan(200);
      }
    }
  });

  it("are at least MIN_CHUNK_WORDS long unless their section or run is short, and mostly at least 20 words", () => {
    const all = chunked(true);
    let total = 0;
    let atLeast20 = 0;
    for (const { doc, chunks } of all) {
      chunks.forEach((c, i) => {
        total++;
        const n = wordCount(c.text);
        if (n >= 20) atLeast20++;
        if (n >= MIN_CHUNK_WORDS) return;
        // A short chunk is never the tail of a longer run: the chunk before it in the same
        // section and of the same kind is separated from it by dropped text.
        const prev = chunks[i - 1];
        if (prev && prev.kind === c.kind && JSON.stringify(prev.section) === JSON.stringify(c.section)) {
          expect(doc.raw.slice(prev.end, c.start).trim(), `${c.id} (${n} words) is a stray tail`).not.toMatch(/^[\s\-*•·]*$/);
        }
      });
    }
    expect(atLeast20 / total).toBeGreaterThanOrEqual(0.9);
  });

  it("split a long synthetic paragraph on sentence boundaries near MAX_CHUNK_WORDS", () => {
    const sentence = (i: number) => `Sentence number ${i} explains one more detail of knowledge process outsourcing.`;
    const raw = `= Long =\n\n${Array.from({ length: 40 }, (_, i) => sentence(i + 1)).join(" ")}\n`;
    const doc: RawDocument = { id: "long.txt", path: "corpus/sources/long.txt", originalPath: "corpus/sources/long.txt", format: "text", bodyStart: 0, visibleChars: raw.length, raw, meta: { file: "long.txt", title: "Long", url: null, kind: "document" }, contentHash: sha256(raw) };
    const chunks = chunkDocument(doc, cleanDocument(raw).blocks);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(wordCount(c.text)).toBeLessThanOrEqual(MAX_CHUNK_WORDS);
      expect(wordCount(c.text)).toBeGreaterThanOrEqual(MIN_CHUNK_WORDS);
      expect(c.text).toMatch(/^Sentence number \d+ .*outsourcing\.$/s);
    }
    expect(chunks.reduce((n, c) => n + c.sentences.length, 0)).toBe(40);
  });
});

describe("splitSentences", () => {
  it("splits sentences glued without a space, as in 000's Key Takeaways (experts.Companies)", () => {
    const { doc, chunks } = byPrefix(chunked(false), "000_");
    const takeaways = chunks.find((c) => c.section.at(-1) === "Key Takeaways")!;
    // The capture uses non-breaking spaces; compare with white space collapsed.
    const sentences = texts(doc.raw, takeaways.sentences).map((t) => t.replace(/\s+/g, " "));
    expect(sentences).toHaveLength(3);
    expect(sentences[0]).toMatch(/^Knowledge process outsourcing \(KPO\) contracts out .* subject matter experts\.$/);
    expect(sentences[1]).toMatch(/^Companies utilize KPO when/);
    expect(sentences[2]).toMatch(/^Ideally, companies look to KPO/);
  });

  it("splits list items glued together, as in 000's Types of KPO Services", () => {
    const { doc, chunks } = byPrefix(chunked(false), "000_");
    const types = chunks.find((c) => c.section.at(-1) === "Types of KPO Services")!;
    expect(texts(doc.raw, types.sentences)).toEqual([
      "Some common example of KPO outsourcing domains include:",
      "Financial consultants",
      "Research and development (R&D)",
      "Business operations (management consulting)",
      "Technical analysis",
      "Investments",
      "Legal",
      "Medical & Healthcare",
      "Data analysis and interpretation",
    ]);
  });

  it("splits glued sentences and glued list items in isolation, with offsets from the base", () => {
    const glued = "Work goes to experts.Companies save money.";
    expect(texts(glued, splitSentences(glued))).toEqual(["Work goes to experts.", "Companies save money."]);
    const items = "Financial consultantsResearch and development (R&D)Technical analysis";
    expect(texts(items, splitSentences(items))).toEqual(["Financial consultants", "Research and development (R&D)", "Technical analysis"]);
    const base = 1000;
    const spans = splitSentences(glued, base);
    expect(spans[0]).toEqual({ start: 1000, end: 1000 + "Work goes to experts.".length });
  });

  it("does not split after abbreviations such as e.g., i.e., Dr. and U.S.", () => {
    const cases: [string, string[]][] = [
      ["KPO covers knowledge work, e.g. Patent searches and equity research. It grew quickly.", ["KPO covers knowledge work, e.g. Patent searches and equity research.", "It grew quickly."]],
      ["KPO includes research, i.e. Market studies, and analysis. Dr. Gupta coined the term.", ["KPO includes research, i.e. Market studies, and analysis.", "Dr. Gupta coined the term."]],
      ["Firms in the U.S. Department of Commerce survey reported growth. India leads.", ["Firms in the U.S. Department of Commerce survey reported growth.", "India leads."]],
      ["Outsourcing is common in the U.S. and the U.K. today. Many firms use it.", ["Outsourcing is common in the U.S. and the U.K. today.", "Many firms use it."]],
    ];
    for (const [text, expected] of cases) expect(texts(text, splitSentences(text))).toEqual(expected);
  });

  it("does not split after initials such as A. B. Kelsey", () => {
    const text = "The article by A. B. Kelsey explains KPO. It was updated in 2024.";
    expect(texts(text, splitSentences(text))).toEqual(["The article by A. B. Kelsey explains KPO.", "It was updated in 2024."]);
  });

  it("keeps the 003 e.g. sentence of Types whole", () => {
    const { doc, chunks } = byPrefix(chunked(false), "003_");
    const types = chunks.find((c) => c.section.at(-1) === "Types")!;
    expect(types.sentences).toHaveLength(1);
    expect(texts(doc.raw, types.sentences)[0]).toMatch(/^KPO services include .* e\.g\., intellectual property research .* and animation and design, etc\.$/);
  });

  it("splits on ? ! and … followed by a capital", () => {
    const text = "Is KPO new? No! It dates from 2005… Analysts agree.";
    expect(texts(text, splitSentences(text))).toEqual(["Is KPO new?", "No!", "It dates from 2005…", "Analysts agree."]);
  });
});

describe("glossary chunks", () => {
  it("each glossary entry becomes its own chunk of kind glossary", async () => {
    const entries = await loadGlossary(CORPUS, ROOT, new Set(docs.map((d) => d.id)));
    const chunks = entries.map(glossaryChunk);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(entries.length);
    entries.forEach((entry, i) => {
      const c = chunks[i]!;
      expect(c).toMatchObject({
        id: `glossary:${entry.slug}`,
        kind: "glossary",
        title: entry.term,
        term: entry.slug,
        text: entry.definition,
        section: ["Glossary", entry.term],
        path: `corpus/glossary/${entry.slug}.md`,
        sourceId: `glossary/${entry.slug}.md`,
        url: null,
        start: entry.start,
        end: entry.end,
      });
      expect(c.hash).toBe(sha256(embeddingText(c)));
      expect(embeddingText(c)).toBe(`${entry.term}: ${entry.definition}`);
      expect(c.sentences.length).toBeGreaterThan(0);
    });
    // Document chunking never produces glossary chunks.
    for (const { chunks: docChunks } of chunked(true)) expect(docChunks.some((c) => c.kind === "glossary")).toBe(false);
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_EXTRACT_LIMITS, extractDocument, formatOf } from "../src/corpus/formats/index.ts";
import { chunkDocument } from "../src/ingest/chunk.ts";
import { cleanBody } from "../src/ingest/source-chunks.ts";
import { spanText } from "../src/schema/passage.ts";
import { makeDocx, makePdf } from "./support/documents.ts";

const FIXTURE = path.resolve(import.meta.dirname, "fixtures/own-docs");
const FILES = ["policy.html", "vendor-onboarding.md", "service-levels.pdf", "new-starter-guide.docx", "renewal-procedure.txt", "committee-minutes.md"];

/** A document through the real extraction, cleaning and chunking: its chunks' sentences (the units answers quote). */
async function sentencesOf(file: string, bytes: Buffer = readFileSync(path.join(FIXTURE, file))) {
  const extracted = await extractDocument(formatOf(file)!, bytes, file, DEFAULT_EXTRACT_LIMITS);
  const raw = extracted.text;
  const format = formatOf(file)!;
  const doc = { id: file, path: file, raw, bodyStart: extracted.bodyStart, format, meta: { title: file, kind: "document" } } as never;
  // The pipeline's own choice of cleaning: web-page rules for the HTML page, the document's own structure otherwise.
  const { blocks } = cleanBody(doc, {});
  const chunks = chunkDocument(doc, blocks);
  return chunks.flatMap((c) => c.sentences.map((s) => ({ kind: c.kind, section: c.section, text: spanText(c, s).replace(/\s+/g, " ") })));
}

describe("sentences from renditions are real sentences", () => {
  it.each(FILES)("%s: no prose sentence ends mid-clause (at a line end, before a function word or a comma)", async (file) => {
    const sentences = await sentencesOf(file);
    expect(sentences.length).toBeGreaterThan(10);
    const cut = sentences.filter((s) => s.kind === "text" && /(?:,|\b(?:the|a|an|of|to|and|or|for|in|with|by|is|are|that))$/i.test(s.text));
    expect(cut.map((s) => s.text)).toEqual([]);
  });

  it("joins the lines of a hard-wrapped text file into sentences", async () => {
    const sentences = (await sentencesOf("renewal-procedure.txt")).map((s) => s.text);
    expect(sentences).toContain("This procedure makes sure that no vendor contract renews, lapses or is extended by accident.");
    // A wrapped line is not taken for a heading: no section is named after half a sentence.
    const sections = new Set((await sentencesOf("renewal-procedure.txt")).flatMap((s) => s.section));
    expect([...sections].filter((h) => /\b(?:the|and|or|is)$/.test(h))).toEqual([]);
  });

  it("keeps a Markdown task item whole and without its check box", async () => {
    const items = (await sentencesOf("vendor-onboarding.md")).filter((s) => s.kind === "list").map((s) => s.text);
    expect(items.length).toBeGreaterThan(5);
    expect(items.filter((t) => t.startsWith("[ ]"))).toEqual([]);
  });

  it("reads a Word or HTML table as one labelled line per row", async () => {
    const rows = (await sentencesOf("new-starter-guide.docx")).map((s) => s.text);
    expect(rows).toContain("Name: Tomás Brennan; Role: Renewal Coordinator; Based in: Little Island; Contact them about: Renewal alerts, renewal packs, contract dates");
    const html = (await sentencesOf("policy.html")).filter((s) => s.kind === "list").map((s) => s.text);
    expect(html.some((t) => /^[^:;]+: [^;]+; /.test(t))).toBe(true);
  });

  it("keeps a glossary written as 'Term: definition' paragraphs as one sentence a definition starts", async () => {
    const sentences = (await sentencesOf("new-starter-guide.docx")).map((s) => s.text);
    expect(sentences.some((t) => t.startsWith("Red File: Status of a vendor under a formal corrective-action request"))).toBe(true);
  });

  it("lays a PDF out from its text positions: headings apart, wrapped lines joined, table rows labelled by column", async () => {
    const sentences = await sentencesOf("service-levels.pdf");
    expect(sentences.some((s) => s.section.includes("2 Business hours"))).toBe(true);
    const texts = sentences.map((s) => s.text);
    expect(texts.some((t) => t.startsWith("2.1 For services supporting the Company's sites in Ireland") && t.endsWith("excluding Irish public holidays."))).toBe(true);
    expect(texts).toContain("Severity: P1 Critical; Definition: Production stopped at Tralee, or a suspected breach of Category C data; Response: 30 minutes, 24 hours a day, 7 days a week; Resolution or workaround: 4 hours");
  });

  it("does not glue a heading-less PDF's lines into one paragraph when a line stops short of the margin", async () => {
    const pdf = await makePdf([["Vendor review summary", "", "The review found three open actions. Each action has an owner and a date", "agreed with the vendor.", "Short closing line"]]);
    const texts = (await sentencesOf("review.pdf", pdf)).map((s) => s.text);
    expect(texts).toContain("Each action has an owner and a date agreed with the vendor.");
  });

  it("reads Word headings as sections", async () => {
    const docx = await makeDocx([{ heading: 1, text: "Exit planning" }, "Every critical vendor needs an exit plan that is reviewed once a year by its owner."]);
    const sentences = await sentencesOf("exit.docx", docx);
    expect(sentences.find((s) => s.text.startsWith("Every critical vendor"))?.section).toContain("Exit planning");
  });
});

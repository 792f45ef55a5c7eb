import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCitations } from "../src/answer/citations.ts";
import { createAssistant, type Assistant } from "../src/assistant.ts";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import { loadSourceDocuments } from "../src/corpus/load.ts";
import { CorpusError } from "../src/errors.ts";
import { ingest, type IngestSummary } from "../src/ingest/pipeline.ts";
import { loadIndex } from "../src/index/store.ts";
import { ARTICLE_SENTENCES, HTML_BOILERPLATE, htmlPage, makeDocx, makeImageOnlyPdf, makePdf } from "./support/documents.ts";
import { FakeEmbedder } from "./support/fake-embedder.ts";

const PDF_PAGE_2 = "Service credits are paid to the client when the provider misses an agreed service level in a quarter.";
const MARKDOWN = `---
title: Offshore vendor checklist
publisher: Procurement Team
url: https://intranet.example/vendor-checklist
author: Sam Lee
---
# Checklist

A vendor checklist asks whether the provider holds an ISO 27001 certificate for information security before any data moves.
`;

let tmp: string;
let settings: Settings;
let warnings: string[] = [];
let summary: IngestSummary;
let assistant: Assistant;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-formats-"));
  const sources = path.join(tmp, "corpus", "sources");
  await mkdir(sources, { recursive: true });
  await writeFile(path.join(sources, "nearshore.html"), htmlPage());
  await writeFile(
    path.join(sources, "policy.pdf"),
    await makePdf(
      [
        ["Outsourcing policy", "Every outsourced process needs a named owner inside the company who signs", "off the statement of work."],
        ["Service credits are paid to the client when the provider misses an agreed", "service level in a quarter."],
      ],
      { title: "Outsourcing policy 2025", author: "Legal" },
    ),
  );
  await writeFile(
    path.join(sources, "vendor-guide.docx"),
    await makeDocx([
      { heading: 1, text: "Vendor guide" },
      { heading: 2, text: "Onboarding" },
      "Onboarding a new vendor takes two weeks of security review and one week of access provisioning.",
      { heading: 2, text: "Offboarding" },
      "Offboarding revokes every account of the vendor on the last day of the contract.",
    ]),
  );
  await writeFile(path.join(sources, "checklist.md"), MARKDOWN);
  await writeFile(path.join(sources, "slides.pptx"), "not a supported format");
  settings = loadSettings({ CORPUS_DIR: path.join(tmp, "corpus"), DATA_DIR: path.join(tmp, "data"), LOG_LEVEL: "silent" }, tmp);
  summary = await ingest(settings, new FakeEmbedder(), { warn: (m) => warnings.push(m) });
  assistant = await createAssistant(settings);
});
afterAll(async () => {
  await assistant?.close();
  await rm(tmp, { recursive: true, force: true });
});

const sourceText = (rel: string) => readFile(path.join(tmp, rel), "utf8");

describe("HTML: only the article is indexed and quoted", () => {
  it("indexes the article text and none of the navigation, cookie banner, ad, comments or footer", async () => {
    const index = (await loadIndex(settings.DATA_DIR, new FakeEmbedder()))!;
    const chunks = index.chunks.filter((c) => c.sourceId === "nearshore.html");
    const text = chunks.map((c) => c.text).join("\n");
    for (const sentence of ARTICLE_SENTENCES) expect(text).toContain(sentence);
    for (const marker of HTML_BOILERPLATE) expect(text).not.toContain(marker);
    expect(chunks.find((c) => c.text.includes(ARTICLE_SENTENCES[1]!))!.section).toEqual(["Nearshore delivery explained", "How the engagement is governed"]);
    const source = assistant.sources.get("nearshore.html")!;
    expect(source).toMatchObject({
      format: "html",
      path: "corpus/derived/nearshore.html.txt",
      originalPath: "corpus/sources/nearshore.html",
      title: "Nearshore delivery explained",
      publisher: "Outsourcing Weekly",
      url: "https://outsourcing-weekly.example/nearshore-delivery",
    });
    expect(source.droppedShare).toBeGreaterThan(0.1);
  });

  it("answers from the article with citations that verify against the rendition", async () => {
    const answer = await assistant.ask("How often does the governance board meet?");
    expect(answer.status).toBe("answered");
    const cited = answer.citations.filter((c) => c.sourceId === "nearshore.html");
    expect(cited.length).toBeGreaterThan(0);
    expect(cited[0]!.path).toBe("corpus/derived/nearshore.html.txt");
    expect(cited[0]!.section).toContain("How the engagement is governed");
    for (const c of answer.citations) for (const marker of HTML_BOILERPLATE) expect(c.quote).not.toContain(marker);
    expect(await checkCitations(answer, tmp)).toEqual([]);
  });
});

describe("PDF: page numbers reach the citations", () => {
  it("cites a sentence of page 2 with page: 2, verifiable in the rendition", async () => {
    const answer = await assistant.ask("When are service credits paid?");
    const citation = answer.citations.find((c) => c.quote.includes("Service credits are paid"));
    expect(citation).toMatchObject({ sourceId: "policy.pdf", path: "corpus/derived/policy.pdf.txt", page: 2 });
    expect((await sourceText(citation!.path)).slice(citation!.start, citation!.end)).toBe(citation!.quote);
    expect(await checkCitations(answer, tmp)).toEqual([]);
  });

  it("rejoins the visual lines of a page and takes the title from the PDF info", async () => {
    const rendition = await sourceText("corpus/derived/policy.pdf.txt");
    expect(rendition).toContain(PDF_PAGE_2);
    expect(assistant.sources.get("policy.pdf")).toMatchObject({ title: "Outsourcing policy 2025", format: "pdf", pages: 2 });
  });

  it("refuses a PDF without a text layer, and a corrupt one, naming the file and the reason", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kpo-bad-pdf-"));
    try {
      await mkdir(path.join(dir, "corpus", "sources"), { recursive: true });
      await writeFile(path.join(dir, "corpus", "sources", "scan.pdf"), await makeImageOnlyPdf());
      const scanned = await loadSourceDocuments(path.join(dir, "corpus"), dir).catch((e: unknown) => e);
      expect(scanned).toBeInstanceOf(CorpusError);
      expect((scanned as Error).message).toMatch(/^corpus\/sources\/scan\.pdf: has no extractable text/);
      await rm(path.join(dir, "corpus", "sources", "scan.pdf"));
      await writeFile(path.join(dir, "corpus", "sources", "broken.pdf"), "%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage");
      const corrupt = await loadSourceDocuments(path.join(dir, "corpus"), dir).catch((e: unknown) => e);
      expect((corrupt as Error).message).toMatch(/^corpus\/sources\/broken\.pdf: is not a readable PDF/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("DOCX: headings become the section path", () => {
  it("chunks under each heading carry it, and answers cite the rendition", async () => {
    const answer = await assistant.ask("How long does onboarding a new vendor take?");
    const citation = answer.citations.find((c) => c.sourceId === "vendor-guide.docx");
    expect(citation).toMatchObject({ path: "corpus/derived/vendor-guide.docx.txt", section: "Vendor guide > Onboarding" });
    expect(await checkCitations(answer, tmp)).toEqual([]);
    expect(assistant.sources.get("vendor-guide.docx")).toMatchObject({ title: "Vendor guide", format: "docx" });
  });
});

describe("Markdown with front matter", () => {
  it("takes title, publisher, url and author from the front matter and indexes only the body", async () => {
    const source = assistant.sources.get("checklist.md")!;
    expect(source).toMatchObject({
      title: "Offshore vendor checklist",
      publisher: "Procurement Team",
      url: "https://intranet.example/vendor-checklist",
      path: "corpus/sources/checklist.md",
      originalPath: "corpus/sources/checklist.md",
    });
    const index = (await loadIndex(settings.DATA_DIR, new FakeEmbedder()))!;
    const text = index.chunks.filter((c) => c.sourceId === "checklist.md").map((c) => c.text).join("\n");
    expect(text).toContain("ISO 27001");
    expect(text).not.toContain("publisher:");
    const answer = await assistant.ask("Which certificate does the vendor checklist ask for?");
    expect(answer.citations.some((c) => c.sourceId === "checklist.md" && c.path === "corpus/sources/checklist.md")).toBe(true);
    expect(await checkCitations(answer, tmp)).toEqual([]);
  });

  it("reports a malformed front matter field with the file and the field", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kpo-bad-md-"));
    try {
      await mkdir(path.join(dir, "corpus", "sources"), { recursive: true });
      await writeFile(path.join(dir, "corpus", "sources", "bad.md"), "---\ntitle: [1, 2]\n---\nBody text of a note.\n");
      const error = await loadSourceDocuments(path.join(dir, "corpus"), dir).catch((e: unknown) => e);
      expect((error as Error).message).toBe('corpus/sources/bad.md: front matter field "title": must be text');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("unknown formats", () => {
  it("are reported by name with the supported extensions, not skipped silently", () => {
    expect(warnings).toContain("corpus/sources/slides.pptx: is not a supported format (.pptx); supported: .txt, .md, .markdown, .html, .htm, .pdf, .docx; skipped");
    expect(summary.documents).toBe(4);
  });
});

describe("a corpus of the user's documents only", () => {
  it("says which documents a question was looked for in, and never offers the outsourcing glossary it does not have", async () => {
    const answer = await assistant.ask("recommend a good pizza place");
    expect(answer.status).toBe("not_found");
    expect(answer.answer).toMatch(/looked for in the 4 documents you added \(.*"Vendor guide"/);
    expect(answer.answer).not.toMatch(/KPO|outsourcing terminology|glossary/);
    expect(answer.related).toEqual([]);
  });
});

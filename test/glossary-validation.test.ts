import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGlossary, parseGlossaryFile } from "../src/corpus/glossary.ts";
import { CorpusError } from "../src/errors.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const CORPUS = path.join(ROOT, "corpus");
const FILE = "corpus/glossary/offshoring.md";
const SOURCE = "003_9a5fc89310b847aa.txt";
const DEFINITION = "Offshoring is moving work to another country, often to lower costs.";

function parseError(text: string, file = FILE): CorpusError {
  try {
    parseGlossaryFile(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(CorpusError);
    expect((error as CorpusError).file).toBe(file);
    expect((error as Error).message.startsWith(`${file}: `)).toBe(true);
    return error as CorpusError;
  }
  throw new Error("parseGlossaryFile accepted the file");
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-glossary-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A corpus folder holding just these glossary files; returns the error loadGlossary throws. */
async function loadError(files: Record<string, string>, sourceIds = new Set([SOURCE])): Promise<CorpusError> {
  const root = await mkdtemp(path.join(tmp, "root-"));
  await mkdir(path.join(root, "corpus/glossary"), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(root, "corpus/glossary", name), text, "utf8");
  const error = await loadGlossary(path.join(root, "corpus"), root, sourceIds).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CorpusError);
  return error as CorpusError;
}

const entry = (front: string, body = DEFINITION) => `---\n${front}\n---\n${body}\n`;

describe("parseGlossaryFile", () => {
  it("parses a valid entry with offsets of the definition", () => {
    const text = entry(`term: Offshoring\naliases: [offshore outsourcing]\nrelated: [outsourcing]\nsources: [${SOURCE}]`);
    const parsed = parseGlossaryFile(text, FILE);
    expect(parsed).toMatchObject({ slug: "offshoring", term: "Offshoring", aliases: ["offshore outsourcing"], related: ["outsourcing"], sources: [SOURCE], definition: DEFINITION, path: FILE });
    expect(text.slice(parsed.start, parsed.end)).toBe(DEFINITION);
  });

  it("a file without front matter names the file", () => {
    const error = parseError(`${DEFINITION}\n`);
    expect(error.message).toMatch(/has no front matter/);
  });

  it("front matter that is not valid YAML names the file and says YAML", () => {
    const error = parseError(entry(`term: Offshoring\nsources: [${SOURCE}\naliases: {broken`));
    expect(error.message).toMatch(/front matter is not valid YAML/);
  });

  it("a missing sources field names the field", () => {
    const error = parseError(entry("term: Offshoring\naliases: [offshore]"));
    expect(error.message).toMatch(/field "sources"/);
  });

  it("an empty sources list names the field", () => {
    const error = parseError(entry("term: Offshoring\nsources: []"));
    expect(error.message).toMatch(/field "sources": must name at least one supporting source file/);
  });

  it("a missing term names the field", () => {
    const error = parseError(entry(`sources: [${SOURCE}]`));
    expect(error.message).toMatch(/field "term"/);
  });

  it("an unknown field is refused by the strict schema, naming the field", () => {
    const error = parseError(entry(`term: Offshoring\nsources: [${SOURCE}]\ncolour: blue`));
    expect(error.message).toMatch(/field "colour"/);
  });

  it("a sources entry that is a path rather than a file name names the field", () => {
    const error = parseError(entry("term: Offshoring\nsources: [corpus/sources/003_9a5fc89310b847aa.txt]"));
    expect(error.message).toMatch(/field "sources\.0"/);
  });

  it("an empty definition names the file", () => {
    for (const body of ["", "   \n\n  "]) {
      const error = parseError(entry(`term: Offshoring\nsources: [${SOURCE}]`, body));
      expect(error.message).toMatch(/has no definition/);
    }
  });
});

describe("loadGlossary cross-checks", () => {
  const valid = (term: string, extra = "") => entry(`term: ${term}\nsources: [${SOURCE}]${extra}`);

  it("a sources entry that is not a file in corpus/sources names the file, the field and the source", async () => {
    const error = await loadError({ "offshoring.md": entry("term: Offshoring\nsources: [999_missing.txt]") });
    expect(error.file).toBe(FILE);
    expect(error.message).toMatch(/^corpus\/glossary\/offshoring\.md: front matter field "sources": 999_missing\.txt is not a file in corpus\/sources/);
  });

  it("a related slug with no glossary file names the file, the field and the slug", async () => {
    const error = await loadError({
      "offshoring.md": valid("Offshoring", "\nrelated: [outsourcing, nearshoring]"),
      "outsourcing.md": valid("Outsourcing"),
    });
    expect(error.file).toBe(FILE);
    expect(error.message).toMatch(/field "related": no glossary entry nearshoring\.md/);
  });

  it("an alias used by two entries names the second file, the field, the alias and the first file", async () => {
    const error = await loadError({
      "offshoring.md": valid("Offshoring", "\naliases: [offshore work]"),
      "outsourcing.md": valid("Outsourcing", "\naliases: [Offshore Work]"),
    });
    expect(error.file).toBe("corpus/glossary/outsourcing.md");
    expect(error.message).toMatch(/field "aliases": "Offshore Work" is already used by corpus\/glossary\/offshoring\.md/);
  });

  it("an alias equal to another entry's term is refused too", async () => {
    const error = await loadError({
      "offshoring.md": valid("Offshoring"),
      "outsourcing.md": valid("Outsourcing", "\naliases: [offshoring]"),
    });
    expect(error.message).toMatch(/"offshoring" is already used by corpus\/glossary\/offshoring\.md/);
  });

  it("a parse error in one file of the folder names that file", async () => {
    const error = await loadError({ "offshoring.md": valid("Offshoring"), "outsourcing.md": `${DEFINITION}\n` });
    expect(error.file).toBe("corpus/glossary/outsourcing.md");
    expect(error.message).toMatch(/has no front matter/);
  });

  it("a glossary file that is not valid UTF-8 names the file", async () => {
    const root = await mkdtemp(path.join(tmp, "root-"));
    await mkdir(path.join(root, "corpus/glossary"), { recursive: true });
    await writeFile(path.join(root, "corpus/glossary/cafe.md"), Buffer.concat([Buffer.from(valid("Caf")), Buffer.from([0xe9, 0x0a])]));
    await expect(loadGlossary(path.join(root, "corpus"), root, new Set([SOURCE]))).rejects.toThrow(/^corpus\/glossary\/cafe\.md: is not valid UTF-8/);
  });
});

describe("the real glossary", () => {
  it("loads with at least 25 entries, each backed by at least one existing source", async () => {
    const sourceIds = new Set((await readdir(path.join(CORPUS, "sources"))).filter((n) => n.endsWith(".txt")));
    const entries = await loadGlossary(CORPUS, ROOT, sourceIds);
    expect(entries.length).toBeGreaterThanOrEqual(25);
    expect(entries.length).toBe((await readdir(path.join(CORPUS, "glossary"))).filter((n) => n.endsWith(".md")).length);
    const slugs = new Set(entries.map((e) => e.slug));
    for (const e of entries) {
      expect(e.sources.length, e.slug).toBeGreaterThanOrEqual(1);
      for (const s of e.sources) expect(sourceIds.has(s), `${e.slug}: ${s}`).toBe(true);
      for (const r of e.related) expect(slugs.has(r), `${e.slug}: related ${r}`).toBe(true);
      expect(e.definition.length).toBeGreaterThan(0);
      expect(e.term.trim()).toBe(e.term);
    }
    expect(entries.find((e) => e.slug === "knowledge-process-outsourcing")?.aliases).toContain("KPO");
  });
});

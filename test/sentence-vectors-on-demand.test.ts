import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAssistant, type Assistant } from "../src/assistant.ts";
import { loadSettings } from "../src/config/settings.ts";
import { loadQuestions } from "../src/eval/questions.ts";
import { loadIndex } from "../src/index/store.ts";
import { ingest, type IngestSummary } from "../src/ingest/pipeline.ts";
import { sentenceEmbeddingText } from "../src/ingest/chunk.ts";
import type { Answer } from "../src/schema/answer.ts";
import type { Chunk } from "../src/schema/passage.ts";
import { REPO_ROOT } from "./support/assistant.ts";
import { FakeEmbedder } from "./support/fake-embedder.ts";

// The same corpus indexed twice: sentence vectors made at ingest, and made when an answer first needs them.
let tmp: string;
const built: Record<"ingest" | "query", { summary: IngestSummary; assistant: Assistant; embedder: FakeEmbedder; dataDir: string }> = {} as never;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-on-demand-"));
  await cp(path.join(REPO_ROOT, "corpus"), path.join(tmp, "corpus"), { recursive: true });
  for (const mode of ["ingest", "query"] as const) {
    const dataDir = path.join(tmp, `data-${mode}`);
    const settings = loadSettings({ CORPUS_DIR: path.join(tmp, "corpus"), DATA_DIR: dataDir, SENTENCE_VECTORS: mode, EMBED_WORKERS: "0", LOG_LEVEL: "silent" }, REPO_ROOT);
    const embedder = new FakeEmbedder();
    const summary = await ingest(settings, embedder);
    built[mode] = { summary, embedder, dataDir, assistant: await createAssistant(settings, { embedder }) };
  }
}, 120_000);
afterAll(async () => {
  for (const b of Object.values(built)) await b.assistant.close();
  await rm(tmp, { recursive: true, force: true });
});

const comparable = ({ id: _id, timings: _t, ...answer }: Answer) => answer;

describe("sentence vectors made when an answer first needs them", () => {
  it("leave the source sentences out of ingest, and only them", async () => {
    const index = (await loadIndex(built.query.dataDir, new FakeEmbedder()))!;
    index.lexical.close();
    const curated = (c: Chunk) => c.kind === "glossary" || c.kind === "topic";
    const curatedTexts = new Set(index.chunks.filter(curated).flatMap((c) => c.sentences.map((s) => sentenceEmbeddingText(c, s))));
    let row = 0;
    const missing = new Set<string>();
    for (const chunk of index.chunks) {
      for (const span of chunk.sentences) {
        const isMissing = index.sentenceVectors.isMissing(row++);
        if (curated(chunk)) expect(isMissing, chunk.id).toBe(false);
        // A source sentence has a vector only when a glossary entry or claim has the same words (one vector per text).
        else if (!isMissing) expect(curatedTexts.has(sentenceEmbeddingText(chunk, span)), chunk.id).toBe(true);
        if (isMissing) missing.add(sentenceEmbeddingText(chunk, span));
      }
    }
    expect(missing.size).toBeGreaterThan(100);
    expect(built.ingest.summary.embedded - built.query.summary.embedded).toBe(missing.size);
  });

  it("give every answer exactly what sentence vectors made at ingest give", async () => {
    const questions = (await loadQuestions(path.join(REPO_ROOT, "eval/dev.jsonl"))).slice(0, 12);
    for (const q of questions) {
      const [atIngest, onDemand] = await Promise.all([built.ingest.assistant.ask(q.question), built.query.assistant.ask(q.question)]);
      expect(comparable(onDemand), q.id).toEqual(comparable(atIngest));
    }
  });
});

import { appendFileSync } from "node:fs";
import { createHash } from "node:crypto";
import type { Embedder, WorkerRecipe } from "../../src/embed/embedder.ts";

/** A unit vector derived from the text's hash: the same text always gets the same vector. */
export function fakeVector(text: string): number[] {
  const bytes = createHash("sha256").update(text).digest();
  const v = Array.from({ length: 16 }, (_, i) => bytes[i]! / 255 - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export interface FakeEmbedderOptions {
  /** Embed in worker threads too (ingest's pool builds this same fake there). */
  workers?: boolean;
  /** Throw when a batch holds a text containing this. */
  failOn?: string;
  /** End the thread (process.exit in a worker) when a batch holds a text containing this. */
  exitOn?: string;
  /** Append every embedded text (one JSON line each) to this file: counts what workers embed. */
  log?: string;
}

/**
 * A deterministic embedder that records every batch it is asked to embed, for tests that count
 * what ingestion embeds (the real model is exercised by the retrieval and answer tests).
 */
export class FakeEmbedder implements Embedder {
  readonly dimensions = 16;
  readonly maxBatch = 8;
  readonly calls: string[][] = [];
  readonly inWorker?: WorkerRecipe;
  readonly id: string;
  private readonly options: FakeEmbedderOptions;

  constructor(
    id = "fake@1",
    options: FakeEmbedderOptions = {},
  ) {
    this.id = id;
    this.options = options;
    if (options.workers) this.inWorker = { module: import.meta.url, factory: "createFakeEmbedder", args: [id, { ...options, workers: false }] };
  }

  get texts(): string[] {
    return this.calls.flat();
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (texts.length > this.maxBatch) throw new Error(`batch of ${texts.length} exceeds maxBatch ${this.maxBatch}`);
    const { failOn, exitOn, log } = this.options;
    if (failOn && texts.some((t) => t.includes(failOn))) throw new Error(`fake embedder refuses "${failOn}"`);
    if (exitOn && texts.some((t) => t.includes(exitOn))) process.exit(3);
    this.calls.push([...texts]);
    if (log) appendFileSync(log, texts.map((t) => `${JSON.stringify(t)}\n`).join(""));
    return texts.map(fakeVector);
  }
}

/** The factory a worker thread calls (FakeEmbedder.inWorker). */
export function createFakeEmbedder(id?: string, options?: FakeEmbedderOptions): FakeEmbedder {
  return new FakeEmbedder(id, options);
}

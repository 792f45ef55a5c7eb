import { createHash } from "node:crypto";
import type { Embedder } from "../../src/embed/embedder.ts";

/** A unit vector derived from the text's hash: the same text always gets the same vector. */
export function fakeVector(text: string): number[] {
  const bytes = createHash("sha256").update(text).digest();
  const v = Array.from({ length: 16 }, (_, i) => bytes[i]! / 255 - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/**
 * A deterministic embedder that records every batch it is asked to embed, for tests that count
 * what ingestion embeds (the real model is exercised by the retrieval and answer tests).
 */
export class FakeEmbedder implements Embedder {
  readonly dimensions = 16;
  readonly maxBatch = 8;
  readonly calls: string[][] = [];
  constructor(readonly id = "fake@1") {}

  get texts(): string[] {
    return this.calls.flat();
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (texts.length > this.maxBatch) throw new Error(`batch of ${texts.length} exceeds maxBatch ${this.maxBatch}`);
    this.calls.push([...texts]);
    return texts.map(fakeVector);
  }
}

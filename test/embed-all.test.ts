import { describe, expect, it } from "vitest";
import { embedAll } from "../src/embed/embedder.ts";
import { FakeEmbedder, fakeVector } from "./support/fake-embedder.ts";

describe("embedAll batches texts of similar length together and keeps the caller's order", () => {
  it("returns one vector per text in input order, from length-sorted batches of at most maxBatch", async () => {
    const embedder = new FakeEmbedder(); // maxBatch 8
    const texts = Array.from({ length: 21 }, (_, i) => "word ".repeat((i * 7) % 13 + 1) + `#${i}`);
    const progress: number[] = [];
    const vectors = await embedAll(embedder, texts, (done) => progress.push(done));

    expect(vectors).toEqual(texts.map(fakeVector));
    expect(embedder.calls.map((c) => c.length)).toEqual([8, 8, 5]);
    const lengths = embedder.texts.map((t) => t.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(progress).toEqual([8, 16, 21]);
    expect(await embedAll(embedder, [])).toEqual([]);
  });
});

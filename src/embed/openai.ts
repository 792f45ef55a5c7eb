import type { OpenAIEmbeddings } from "@langchain/openai";
import type { Settings } from "../config/settings.ts";
import type { Embedder } from "./embedder.ts";

/** OpenAI (or any OpenAI-compatible server) embeddings via @langchain/openai. */
export function createOpenAiEmbedder(settings: Settings): Embedder {
  // Imported on the first call, so a process that never embeds remotely never loads @langchain/openai.
  let client: Promise<OpenAIEmbeddings> | undefined;
  const connect = () =>
    (client ??= import("@langchain/openai").then(
      ({ OpenAIEmbeddings }) =>
        new OpenAIEmbeddings({
          apiKey: settings.OPENAI_API_KEY ?? "not-needed-for-local-servers",
          model: settings.OPENAI_EMBEDDINGS_MODEL,
          maxRetries: settings.LLM_MAX_RETRIES,
          timeout: settings.LLM_TIMEOUT_MS,
          configuration: settings.LLM_BASE_URL ? { baseURL: settings.LLM_BASE_URL } : undefined,
        }),
    ));
  const embedder: Embedder = {
    id: `openai:${settings.OPENAI_EMBEDDINGS_MODEL}@${settings.LLM_BASE_URL ?? "api.openai.com"}`,
    dimensions: 0,
    maxBatch: 64,
    async embed(texts) {
      if (texts.length === 0) return [];
      const vectors = await (await connect()).embedDocuments(texts);
      embedder.dimensions = vectors[0]?.length ?? embedder.dimensions;
      return vectors;
    },
  };
  return embedder;
}

import { Embeddings } from "@langchain/core/embeddings";
import type { Embedder } from "./embedder.ts";

/** Adapts our Embedder port to LangChain's Embeddings interface, which HNSWLib requires. */
export class EmbedderAsLangChain extends Embeddings {
  private readonly embedder: Embedder;
  constructor(embedder: Embedder) {
    super({});
    this.embedder = embedder;
  }
  embedDocuments(texts: string[]): Promise<number[][]> {
    return this.embedder.embed(texts);
  }
  async embedQuery(text: string): Promise<number[]> {
    return (await this.embedder.embed([text]))[0]!;
  }
}

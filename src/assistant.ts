import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { Assistant, GlossaryLookup } from "./assistant-types.ts";
import { createLlmAnswerer } from "./answer/llm/index.ts";
import { embedderSimilarity } from "./answer/llm/similarity.ts";
import { DeterministicComposer } from "./answer/deterministic/compose.ts";
import { Knowledge, editDistance } from "./answer/deterministic/knowledge.ts";
import { AnswerService } from "./answer/service.ts";
import type { Settings } from "./config/settings.ts";
import { withQueryBatching } from "./embed/batching.ts";
import type { Embedder } from "./embed/embedder.ts";
import { createEmbedder } from "./embed/factory.ts";
import { sha256 } from "./corpus/load.ts";
import { CorpusError } from "./errors.ts";
import { FeedbackStore } from "./feedback/store.ts";
import { ensureIndex, type EnsureIndexOptions } from "./ingest/ensure.ts";
import type { IngestProgress } from "./ingest/pipeline.ts";
import type { GlossaryMatcher } from "./retrieve/glossary-match.ts";
import { HybridRetriever } from "./retrieve/retriever.ts";
import { normalizeTerm } from "./text/terms.ts";
import type { GlossaryEntry } from "./schema/glossary.ts";
import { searchHitSchema } from "./schema/passage.ts";

export type { Assistant } from "./assistant-types.ts";

export interface CreateAssistantOptions {
  logger?: Logger;
  /** Injected in tests and benchmarks; defaults to the embedder EMBEDDINGS selects. */
  embedder?: Embedder;
  onProgress?: (progress: IngestProgress) => void;
  /** How the index is obtained: built elsewhere (`build`), or only loaded as published (`loadOnly`). */
  index?: Pick<EnsureIndexOptions, "build" | "loadOnly">;
}

/**
 * The composition root shared by every entry point: settings -> embedder -> index (built or
 * rebuilt when missing or stale) -> retriever -> answerers -> Assistant.
 */
export async function createAssistant(settings: Settings, options: CreateAssistantOptions = {}): Promise<Assistant> {
  const logger = options.logger;
  const embedder = withQueryBatching(options.embedder ?? createEmbedder(settings));
  const { index } = await ensureIndex(settings, embedder, {
    info: (m) => logger?.info(m),
    warn: (m) => logger?.warn(m),
    onProgress: options.onProgress,
    ...options.index,
  });
  const retriever = HybridRetriever.fromIndex(index, (t) => embedder.embedQuery(t), settings);
  const matcher = retriever.glossary;
  const composer = new DeterministicComposer(new Knowledge(index));
  const llm = settings.llmConfigured
    ? createLlmAnswerer({ settings, logger, similarity: embedderSimilarity((t) => embedder.embedQuery(t)) })
    : undefined;
  const defaultMode = llm ? "llm" : "deterministic";
  const service = new AnswerService({ retriever, composer, matcher, embedQuery: (t) => embedder.embedQuery(t), llm, defaultMode, logger });
  const glossary = glossaryLookup(index.glossary, matcher);

  return {
    settings,
    status: { embedder: embedder.id, defaultMode, manifest: index.manifest },
    ask: (question, askOptions) => service.ask(question, askOptions),
    askStream: (question, askOptions) => service.stream(question, askOptions),
    async search(query, k = 5) {
      const passages = await retriever.retrieve(query, { k });
      return passages.map((p) => searchHitSchema.parse(p));
    },
    glossary,
    sources: {
      list: () => index.sources.map(({ cleanedText: _text, spans: _spans, ...info }) => info),
      get: (id) => index.sources.find((s) => s.id === id),
      async text(id) {
        const source = index.sources.find((s) => s.id === id);
        return source ? readSourceText(settings.rootDir, source.path, source.originalPath, source.contentHash) : undefined;
      },
    },
    feedback: new FeedbackStore(settings.DATA_DIR),
    async close() {
      await embedder.close?.();
    },
  };
}

/**
 * Reads the text citations of a source quote (the file itself, or the rendition of a PDF, Word or
 * HTML original) as the citation invariant reads it (UTF-8, under the repository root), refusing
 * a source whose original was edited since indexing: its citation offsets would be wrong.
 */
async function readSourceText(rootDir: string, textPath: string, originalPath: string, contentHash: string): Promise<string> {
  const read = async (relPath: string) => {
    try {
      return await readFile(path.resolve(rootDir, relPath));
    } catch (error) {
      throw new CorpusError(relPath, `cannot be read: ${(error as Error).message}`, { cause: error });
    }
  };
  if (sha256(await read(originalPath)) !== contentHash) throw new CorpusError(originalPath, "changed since the index was built; restart to re-index it");
  return (await read(textPath)).toString("utf8");
}

function glossaryLookup(entries: GlossaryEntry[], matcher: GlossaryMatcher): GlossaryLookup {
  const sorted = [...entries].sort((a, b) => a.term.localeCompare(b.term));
  const names = (e: GlossaryEntry) => [e.term, ...e.aliases].map(normalizeTerm);
  return {
    list(filter) {
      const f = filter ? normalizeTerm(filter) : "";
      return f ? sorted.filter((e) => names(e).some((n) => n.includes(f))) : sorted;
    },
    lookup: (term) => matcher.lookup(term),
    suggest(term, limit = 5) {
      const key = normalizeTerm(term);
      // Prefix matches first (autocomplete), then the closest spellings.
      const scored = sorted.map((e) => {
        const distance = Math.min(...names(e).map((n) => (n.startsWith(key) ? -1 : n.includes(key) ? 0 : editDistance(key, n, 8))));
        return { e, distance };
      });
      return scored
        .filter((s) => s.distance <= Math.max(2, Math.floor(key.length / 3)))
        .sort((a, b) => a.distance - b.distance || a.e.term.localeCompare(b.e.term))
        .slice(0, limit)
        .map((s) => s.e);
    },
  };
}

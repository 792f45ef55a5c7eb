import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { Assistant, GlossaryLookup } from "./assistant-types.ts";
import { embedderSimilarity } from "./answer/llm/similarity.ts";
import { DeterministicComposer } from "./answer/deterministic/compose.ts";
import { Knowledge } from "./answer/deterministic/knowledge.ts";
import { AnswerService } from "./answer/service.ts";
import { IssuedAnswers } from "./answer/issue.ts";
import type { Settings } from "./config/settings.ts";
import { withQueryBatching } from "./embed/batching.ts";
import { embedAll, type Embedder } from "./embed/embedder.ts";
import { createEmbedder } from "./embed/factory.ts";
import { sha256 } from "./corpus/load.ts";
import { CorpusError } from "./errors.ts";
import { buildGapReport } from "./feedback/gaps.ts";
import { FeedbackService } from "./feedback/service.ts";
import { ensureIndex, type EnsureIndexOptions } from "./ingest/ensure.ts";
import { releaseIndex } from "./index/store.ts";
import type { IngestProgress } from "./ingest/pipeline.ts";
import { closestEntries, type GlossaryMatcher } from "./retrieve/glossary-match.ts";
import type { LoadedIndex } from "./index/store.ts";
import type { AnswerModel } from "./answer/deterministic/model.ts";
import type { LlmAnswerer, QuestionCondenser } from "./answer/types.ts";
import { HybridRetriever } from "./retrieve/retriever.ts";
import { SentenceVectorsOnDemand } from "./retrieve/sentence-vectors-ready.ts";
import { normalizeTerm } from "./text/terms.ts";
import type { GlossaryEntry } from "./schema/glossary.ts";
import type { SourceInfo } from "./schema/source.ts";
import { searchHitSchema } from "./schema/passage.ts";
import { openSharedState, type SharedComponent, type SharedState } from "./store/index.ts";
import { indexOptionsFor } from "./store/index-options.ts";

export type { Assistant } from "./assistant-types.ts";

export interface CreateAssistantOptions {
  logger?: Logger;
  /** Injected in tests and benchmarks; defaults to the embedder EMBEDDINGS selects. */
  embedder?: Embedder;
  onProgress?: (progress: IngestProgress) => void;
  /** The question log, feedback and answer cache; opened from DATABASE_URL / REDIS_URL (or DATA_DIR) when not given. */
  shared?: SharedState;
  /** A shared engine failed and this process fell back (counted in /metrics by the API). */
  onFallback?: (component: SharedComponent, error: unknown) => void;
  /** How the index is obtained: built elsewhere (`build`, under the build lock), or only loaded as published (`loadOnly`). */
  index?: Pick<EnsureIndexOptions, "build" | "loadOnly">;
}

/**
 * The composition root shared by every entry point: settings -> embedder -> index (built or
 * rebuilt when missing or stale) -> retriever -> answerers -> Assistant.
 */
export async function createAssistant(settings: Settings, options: CreateAssistantOptions = {}): Promise<Assistant> {
  const logger = options.logger;
  // A given embedder is shared (a live server's, across reloads) and closed by its owner, not here.
  const ownsEmbedder = !options.embedder;
  const embedder = withQueryBatching(options.embedder ?? createEmbedder(settings));
  const ownsShared = !options.shared;
  const shared = options.shared ?? openSharedState(settings, { logger, onFallback: options.onFallback });
  // Migrations at start; a database that is down now is retried on first use (answers do not wait for it).
  await shared.store.ready?.().catch((error: unknown) => logger?.warn({ err: error }, "shared store not ready at start; retrying on first use"));
  const { index } = await ensureIndex(settings, embedder, {
    info: (m) => logger?.info(m),
    warn: (m) => logger?.warn(m),
    onProgress: options.onProgress,
    ...indexOptionsFor(shared.store, settings.DATA_DIR, logger),
    ...options.index,
  }).catch(async (error: unknown) => {
    if (ownsShared) await shared.close().catch(() => undefined);
    throw error;
  });
  // Imported only when an LLM is configured: the client (@langchain/openai) alone costs 0.6-0.7 s of start-up.
  const llmModule = settings.llmConfigured ? await import("./answer/llm/index.ts") : undefined;
  const llm = llmModule?.createLlmAnswerer({ settings, logger, similarity: embedderSimilarity((t) => embedder.embedQuery(t)) });
  const condenser = llmModule?.createQuestionCondenser({ settings, logger });
  const defaultMode = llm ? "llm" : "deterministic";
  const { retriever, matcher, service } = createAnswering(settings, index, embedder, { llm, condenser, logger });
  const glossary = glossaryLookup(index.glossary, matcher);
  const issued = new IssuedAnswers({
    service,
    cache: shared.answerCache,
    log: shared.store,
    // A new published index (a live reload, another replica's build) never gets answers cached from an older one.
    indexVersion: `${index.manifest.version}:${index.manifest.corpusHash}:${index.manifest.embedder.id}`,
    corpus: index.manifest.corpusHash,
    defaultMode,
    logQuestions: settings.LOG_QUESTIONS,
    onLogError: (error) => options.onFallback?.("question_log", error),
    logger,
  });

  const gapReport = async (limit = 2_000) =>
    buildGapReport(
      {
        candidates: await shared.store.gapCandidates(limit),
        resolutions: await shared.store.gapResolutions(),
        answeredSince: (since) => shared.store.answeredSince(since, limit),
      },
      { similarity: settings.GAP_SIMILARITY, embed: (texts) => embedAll(embedder, texts) },
    );

  // What uses the index's threads, files and native memory; close() waits for these to finish.
  const inFlight = inFlightCalls();
  return {
    status: { embedder: embedder.id, defaultMode, manifest: index.manifest },
    ask: (question, askOptions, context) => inFlight.run(() => issued.ask(question, askOptions, context)),
    askStream: (question, askOptions, context) => inFlight.iterate(() => issued.stream(question, askOptions, context)),
    answer: async (id) => (await shared.store.findAnswer(id))?.answer,
    search: (query, k = 5, searchOptions = {}) =>
      inFlight.run(async () => (await retriever.retrieve(query, { k, mode: searchOptions.mode })).map((p) => searchHitSchema.parse(p))),
    glossary,
    sources: {
      list: () => index.sources.map(({ cleanedText: _text, spans: _spans, ...info }) => info),
      get: (id) => index.sources.find((s) => s.id === id),
      async text(id) {
        const source = index.sources.find((s) => s.id === id);
        return source ? readSourceText(settings.rootDir, source) : undefined;
      },
    },
    feedback: new FeedbackService(shared.store),
    async gaps(gapOptions = {}) {
      return (await gapReport(gapOptions.limit)).report;
    },
    async resolveGap(id, meta = {}) {
      const gap = (await gapReport()).open.find((o) => o.group.id === id);
      if (!gap) return undefined;
      const resolution = { id: randomUUID(), at: new Date().toISOString(), questions: gap.questions, examples: gap.group.examples, count: gap.group.count, ...meta };
      await shared.store.addGapResolution(resolution);
      return resolution;
    },
    async close() {
      await inFlight.drained();
      releaseIndex(index);
      if (ownsEmbedder) await embedder.close?.();
      if (ownsShared) await shared.close();
    },
  };
}

/** Counts calls in progress (a stream until its consumer stops reading), and says when none are left. */
function inFlightCalls() {
  let count = 0;
  const waiting: (() => void)[] = [];
  const end = () => {
    if (--count === 0) for (const resolve of waiting.splice(0)) resolve();
  };
  return {
    async run<T>(call: () => Promise<T>): Promise<T> {
      count++;
      try {
        return await call();
      } finally {
        end();
      }
    },
    async *iterate<T>(open: () => AsyncIterable<T>): AsyncIterable<T> {
      count++;
      try {
        yield* open();
      } finally {
        end();
      }
    },
    drained: () => (count === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve))),
  };
}

/**
 * Retrieval and answering over a loaded index: the retriever, the deterministic composer (with the
 * committed answer model unless one is given) and the answer service. The trainer builds the same.
 */
export function createAnswering(
  settings: Settings,
  index: LoadedIndex,
  embedder: Embedder & { embedQuery(text: string): Promise<number[]> },
  options: { llm?: LlmAnswerer; condenser?: QuestionCondenser; logger?: Logger; model?: AnswerModel } = {},
): { retriever: HybridRetriever; matcher: GlossaryMatcher; composer: DeterministicComposer; service: AnswerService } {
  const retriever = HybridRetriever.fromIndex(index, (t) => embedder.embedQuery(t), settings);
  const matcher = retriever.glossary;
  const composer = new DeterministicComposer(new Knowledge(index), { ...(options.model ? { model: options.model } : {}), embedder: embedder.id });
  // Passages reach the composer with their sentence vectors (made now for an index that left them to first use).
  const answerRetriever = new SentenceVectorsOnDemand(index.chunks, index.sentenceVectors, embedder).ready(retriever);
  const service = new AnswerService({
    retriever: answerRetriever,
    composer,
    matcher,
    embedQuery: (t) => embedder.embedQuery(t),
    llm: options.llm,
    ...(options.condenser ? { condenser: options.condenser } : {}),
    defaultMode: options.llm ? "llm" : "deterministic",
    logger: options.logger,
  });
  return { retriever, matcher, composer, service };
}

/**
 * Reads the file citations point at as the citation invariant reads it (UTF-8, at `path` under
 * the repository root), refusing a source whose original was edited since indexing: its
 * citation offsets would be wrong. `contentHash` is the original's (for PDF, Word and HTML the
 * cited file is the rendition derived from it).
 */
async function readSourceText(rootDir: string, source: Pick<SourceInfo, "path" | "originalPath" | "contentHash">): Promise<string> {
  const read = (relPath: string) =>
    readFile(path.resolve(rootDir, relPath)).catch((error: unknown) => {
      throw new CorpusError(relPath, `cannot be read: ${(error as Error).message}`, { cause: error });
    });
  const original = await read(source.originalPath);
  if (sha256(original) !== source.contentHash) throw new CorpusError(source.originalPath, "changed since the index was built; restart to re-index it");
  return (source.path === source.originalPath ? original : await read(source.path)).toString("utf8");
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
    suggest: (term, limit = 5) => closestEntries(sorted, term, limit),
  };
}

import { randomUUID } from "node:crypto";
import type { Assistant } from "../../src/assistant-types.ts";
import type { Settings } from "../../src/config/settings.ts";
import { FeedbackService } from "../../src/feedback/service.ts";
import { FileStore } from "../../src/store/file.ts";
import type { Answer, AnswerEvent, AskOptions } from "../../src/schema/answer.ts";

/**
 * A small stand-in Assistant for what the real one cannot produce on demand: one that throws
 * (to prove a 500 is problem+json without a stack trace) and a stream that fails mid-way.
 * Everything else in the API tests uses the real assistant (test/support/assistant.ts).
 */
export function fakeAssistant(settings: Settings, overrides: Partial<Assistant> = {}): Assistant {
  const answer = (question: string, options?: AskOptions): Answer => ({
    id: randomUUID(),
    question,
    status: "not_found",
    answer: "The corpus does not say.",
    citations: [],
    mode: options?.mode ?? "deterministic",
    related: [],
    timings: { retrieveMs: 0, composeMs: 0, totalMs: 0 },
  });
  return {
    status: {
      embedder: "fake",
      defaultMode: "deterministic",
      manifest: {
        version: 3,
        createdAt: new Date(0).toISOString(),
        embedder: { id: "fake", dimensions: 1 },
        corpusHash: "fake",
        chunkHashes: [],
        counts: { documents: 0, chunks: 0, glossary: 0 },
        includeComments: false,
      },
    },
    ask: async (question, options) => answer(question, options),
    askStream: async function* (question, options): AsyncIterable<AnswerEvent> {
      const a = answer(question, options);
      yield { type: "citations", citations: [] };
      yield { type: "delta", text: a.answer };
      yield { type: "done", answer: a };
    },
    search: async () => [],
    glossary: { list: () => [], lookup: () => undefined, suggest: () => [] },
    sources: { list: () => [], get: () => undefined, text: async () => undefined },
    feedback: new FeedbackService(new FileStore(settings.DATA_DIR)),
    answer: async () => undefined,
    gaps: async () => ({ generatedAt: new Date(0).toISOString(), similarity: 0.7, questions: 0, groups: [], resolved: [] }),
    resolveGap: async () => undefined,
    close: async () => undefined,
    ...overrides,
  } as Assistant;
}

/** An error whose message and stack must never reach a client. */
export class SecretInternalError extends Error {
  constructor() {
    super("db password is hunter2 at /srv/secret/path.ts:42");
  }
}

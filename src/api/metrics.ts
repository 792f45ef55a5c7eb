import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Answer } from "../schema/answer.ts";

/**
 * Prometheus metrics on a private Registry (not prom-client's global one), so tests and the
 * bench can build several apps in one process.
 */
export interface ApiMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  readonly answers: Counter<"status" | "mode" | "transport">;
  readonly llmFallbacks: Counter<"reason">;
  readonly answerCache: Counter<"result">;
  /** A shared engine (PostgreSQL, Redis) failed and this process fell back. */
  readonly sharedStateFallbacks: Counter<"component">;
  readonly llmDroppedSentences: Counter;
  /** Counts one answer (by status and mode), its LLM fallback, if any, and the LLM sentences verification dropped. */
  observeAnswer(answer: Pick<Answer, "status" | "mode" | "fallbackReason" | "diagnostics">, transport: "json" | "sse"): void;
}

export function createMetrics(options: { defaultMetrics?: boolean; prefix?: string } = {}): ApiMetrics {
  const prefix = options.prefix ?? "kpo_";
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  const httpRequests = new Counter({
    name: `${prefix}http_requests_total`,
    help: "HTTP requests by method, matched route (or 'unmatched') and status code.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: "HTTP request latency in seconds (until the response is finished), by method, route and status.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const answers = new Counter({
    name: `${prefix}answers_total`,
    help: "Answers returned, by status (answered, not_found, refused), mode (deterministic, llm) and transport (json, sse).",
    labelNames: ["status", "mode", "transport"] as const,
    registers: [registry],
  });
  const llmFallbacks = new Counter({
    name: `${prefix}llm_fallbacks_total`,
    help: "LLM answers that fell back to the deterministic answer, by reason.",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const answerCache = new Counter({
    name: `${prefix}answer_cache_lookups_total`,
    help: "Lookups in the cache of deterministic answers (in memory, or Redis with REDIS_URL), by result (hit, miss).",
    labelNames: ["result"] as const,
    registers: [registry],
  });

  const sharedStateFallbacks = new Counter({
    name: `${prefix}shared_state_fallbacks_total`,
    help:
      "Times a shared engine failed and this process fell back, by component: question_log (answer served, log entry lost), " +
      "answer_cache (treated as a miss), rate_limit (counted in this process only).",
    labelNames: ["component"] as const,
    registers: [registry],
  });

  const llmDroppedSentences = new Counter({
    name: `${prefix}llm_dropped_sentences_total`,
    help: "LLM answer sentences removed before reaching a user: no supporting citation, an unsupported number or name, or a relayed instruction.",
    registers: [registry],
  });

  return {
    registry,
    sharedStateFallbacks,
    httpRequests,
    httpDuration,
    answers,
    llmFallbacks,
    answerCache,
    llmDroppedSentences,
    observeAnswer(answer, transport) {
      answers.inc({ status: answer.status, mode: answer.mode, transport });
      if (answer.fallbackReason) llmFallbacks.inc({ reason: answer.fallbackReason });
      const dropped = answer.diagnostics?.droppedSentences ?? 0;
      if (dropped > 0) llmDroppedSentences.inc(dropped);
    },
  };
}

import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Settings } from "../../config/settings.ts";
import type { Answer } from "../../schema/answer.ts";
import { LruCache, answerCacheKey } from "../answer-cache.ts";
import type { ApiMetrics } from "../metrics.ts";
import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { answerResponseSchema, askRequestSchema, problemResponses } from "../schemas.ts";
import { streamAnswerEvents } from "../sse.ts";

export interface AskRouteDeps {
  settings: Pick<Settings, "LOG_QUESTIONS">;
  metrics: ApiMetrics;
  /** Bound of the deterministic-answer cache (0 turns it off). */
  answerCacheSize: number;
}

export function askRoutes({ settings, metrics, answerCacheSize }: AskRouteDeps): AnyRouteSpec[] {
  const cache = new LruCache<Answer>(answerCacheSize);

  return [
    defineRoute({
      method: "post",
      path: "/v1/ask",
      summary: "Answer a question from the corpus, with citations",
      description:
        "Returns the Answer as JSON. With `Accept: text/event-stream` the answer streams as Server-Sent Events: " +
        "`event: citations` (`SseCitationsEvent`), then `event: delta` (`SseDeltaEvent`, in order), then `event: done` " +
        "(the final `Answer`); `event: error` (a `Problem`) replaces `done` if answering fails. In LLM mode each delta is one " +
        "verified sentence, sent as soon as it is checked, and `citations` (the citations those sentences use) follows the deltas; " +
        "`done` carries the final Answer, which replaces the deltas when the LLM answer fell back after some were sent.",
      tags: ["answers"],
      secured: true,
      body: askRequestSchema,
      responses: {
        200: {
          description: "The answer (JSON), or its event stream (SSE)",
          content: {
            "application/json": { schema: answerResponseSchema },
            "text/event-stream": {
              schema: z.string().meta({ description: "Server-Sent Events: citations, delta..., done | error" }),
            },
          },
        },
        ...problemResponses(400, 401, 405, 413, 415, 429, 500, 503),
      },
      handler: async ({ body }, req, res) => {
        const assistant = res.locals.assistant!;
        const { question, mode, k } = body;
        res.locals.logFields = {
          ...(settings.LOG_QUESTIONS ? { question } : {}),
          questionChars: question.length,
          ...(mode ? { mode } : {}),
          ...(k ? { k } : {}),
        };
        // A client that disconnects stops its answer: the LLM request is aborted, not left to run.
        const cancel = new AbortController();
        res.on("close", () => {
          if (!res.writableFinished) cancel.abort();
        });
        const options = { ...(mode ? { mode } : {}), ...(k ? { k } : {}), signal: cancel.signal };

        if (req.accepts(["application/json", "text/event-stream"]) === "text/event-stream") {
          res.locals.logFields.stream = true;
          const answer = await streamAnswerEvents(res, assistant.askStream(question, options), (error) =>
            res.locals.log.error({ err: error }, "answer stream failed"),
          );
          if (cancel.signal.aborted) res.locals.logFields.cancelled = true;
          if (answer) {
            metrics.observeAnswer(answer, "sse");
            Object.assign(res.locals.logFields, { answerId: answer.id, answerStatus: answer.status, answerMode: answer.mode });
          }
          return;
        }

        const started = performance.now();
        const effectiveMode = mode ?? assistant.status.defaultMode;
        // Keyed by the loaded index too: after a live reload, answers from the previous index are never served.
        const key = effectiveMode === "deterministic" ? `${assistant.status.manifest.corpusHash}:${answerCacheKey(question, effectiveMode, k)}` : undefined;
        let answer: Answer;
        const cached = key === undefined ? undefined : cache.get(key);
        if (cached) {
          metrics.answerCache.inc({ result: "hit" });
          // Same content; a fresh id (as the assistant gives every answer) so feedback can tell
          // responses apart, and timings of this response (nothing was retrieved or composed).
          const totalMs = Math.round((performance.now() - started) * 1000) / 1000;
          answer = { ...cached, id: randomUUID(), timings: { retrieveMs: 0, composeMs: 0, totalMs } };
          res.setHeader("X-Answer-Cache", "hit");
        } else {
          try {
            answer = await assistant.ask(question, options);
          } catch (error) {
            if (!cancel.signal.aborted) throw error;
            res.locals.logFields.cancelled = true;
            return;
          }
          if (key !== undefined) {
            metrics.answerCache.inc({ result: "miss" });
            if (answer.mode === "deterministic") cache.set(key, answer);
          }
        }
        metrics.observeAnswer(answer, "json");
        Object.assign(res.locals.logFields, { answerId: answer.id, answerStatus: answer.status, answerMode: answer.mode });
        res.json(answer);
      },
    }),
  ];
}

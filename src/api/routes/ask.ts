import { z } from "zod";
import type { Settings } from "../../config/settings.ts";
import type { Answer } from "../../schema/answer.ts";
import type { ApiMetrics } from "../metrics.ts";
import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { answerResponseSchema, askRequestSchema, problemResponses } from "../schemas.ts";
import { streamAnswerEvents } from "../sse.ts";

export interface AskRouteDeps {
  settings: Pick<Settings, "LOG_QUESTIONS">;
  metrics: ApiMetrics;
}

export function askRoutes({ settings, metrics }: AskRouteDeps): AnyRouteSpec[] {
  /** What the access log says of an answer; a follow-up's resolved question only when questions may be logged. */
  const answerLogFields = (answer: Answer) => ({
    answerId: answer.id,
    answerStatus: answer.status,
    answerMode: answer.mode,
    ...(settings.LOG_QUESTIONS && answer.resolvedQuestion !== undefined && answer.resolvedQuestion !== answer.question ? { resolvedQuestion: answer.resolvedQuestion } : {}),
  });
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
        "`done` carries the final Answer, which replaces the deltas when the LLM answer fell back after some were sent. " +
        "With `history` (the earlier turns, oldest first) the question is a follow-up: it is resolved to a standalone question first, " +
        "which the Answer gives as `resolvedQuestion` (equal to `question` when nothing needed resolving); a follow-up that points at " +
        "nothing the earlier turns name is answered `not_found`, asking for the subject.",
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
        const { question, mode, k, history } = body;
        res.locals.logFields = {
          ...(settings.LOG_QUESTIONS ? { question } : {}),
          questionChars: question.length,
          ...(mode ? { mode } : {}),
          ...(k ? { k } : {}),
          ...(history?.length ? { historyTurns: history.length } : {}),
        };
        // A client that disconnects stops its answer: the LLM request is aborted, not left to run.
        const cancel = new AbortController();
        res.on("close", () => {
          if (!res.writableFinished) cancel.abort();
        });
        const options = { ...(mode ? { mode } : {}), ...(k ? { k } : {}), ...(history?.length ? { history } : {}), signal: cancel.signal };

        if (req.accepts(["application/json", "text/event-stream"]) === "text/event-stream") {
          res.locals.logFields.stream = true;
          const answer = await streamAnswerEvents(res, assistant.askStream(question, options, { channel: "api" }), (error) =>
            res.locals.log.error({ err: error }, "answer stream failed"),
          );
          if (cancel.signal.aborted) res.locals.logFields.cancelled = true;
          if (answer) {
            metrics.observeAnswer(answer, "sse");
            Object.assign(res.locals.logFields, answerLogFields(answer));
          }
          return;
        }

        let answer;
        try {
          answer = await assistant.ask(question, options, {
            channel: "api",
            onCacheLookup: (result) => {
              metrics.answerCache.inc({ result });
              if (result === "hit") res.setHeader("X-Answer-Cache", "hit");
            },
          });
        } catch (error) {
          if (!cancel.signal.aborted) throw error;
          res.locals.logFields.cancelled = true;
          return;
        }
        metrics.observeAnswer(answer, "json");
        Object.assign(res.locals.logFields, answerLogFields(answer));
        res.json(answer);
      },
    }),
  ];
}

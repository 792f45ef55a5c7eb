import type { Response } from "express";
import type { Answer, AnswerEvent } from "../schema/answer.ts";
import { type ProblemBody, toProblem } from "./problem.ts";

/**
 * Server-Sent Events for POST /v1/ask with Accept: text/event-stream:
 *   event: citations  data: {"citations":[...]}
 *   event: delta      data: {"text":"..."}          (zero or more, in order)
 *   event: done       data: <the final Answer>
 *   event: error      data: <problem details>        (instead of done, if the answer fails)
 * Every event has an `id:` (its sequence number); in LLM mode the deltas come before `citations`.
 * If the client goes away the stream is closed and the assistant's iterator is returned (the
 * route also aborts the answer's AbortSignal, which an iterator waiting on the LLM needs), so
 * no work continues for nobody.
 */

export function formatSseEvent(event: string, data: unknown, id?: number): string {
  // JSON.stringify never emits raw newlines, so one data: line is always enough.
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function openSse(res: Response): void {
  res.status(200);
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Cache-Control", "no-cache, no-transform");
  res.setHeader("Connection", "keep-alive");
  res.setHeader("X-Accel-Buffering", "no");
  res.flushHeaders();
}

/** Streams the assistant's events; resolves with the final Answer, or undefined (error or client gone). */
export async function streamAnswerEvents(
  res: Response,
  events: AsyncIterable<AnswerEvent>,
  onError: (error: unknown) => void,
): Promise<Answer | undefined> {
  openSse(res);
  const iterator = events[Symbol.asyncIterator]();
  let gone = false;
  res.on("close", () => {
    if (!res.writableEnded) {
      gone = true;
      void iterator.return?.().catch(() => undefined);
    }
  });
  let seq = 0;
  const send = (event: string, data: unknown) => {
    if (!gone) res.write(formatSseEvent(event, data, seq++));
  };
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done || gone) break;
      const event = next.value;
      if (event.type === "citations") send("citations", { citations: event.citations });
      else if (event.type === "delta") send("delta", { text: event.text });
      else if (event.type === "done") {
        send("done", event.answer);
        res.end();
        return event.answer;
      }
    }
    if (!gone) throw new Error("answer stream ended without a final answer");
    return undefined;
  } catch (error) {
    // A client that left makes the answer stop with an abort: nothing failed, and nobody reads an error event.
    if (gone) return undefined;
    onError(error);
    const { problem } = toProblem(error);
    const body: ProblemBody = {
      type: problem.type,
      title: problem.title,
      status: problem.status,
      ...(problem.detail === undefined ? {} : { detail: problem.detail }),
      requestId: res.locals.requestId,
    };
    send("error", body);
    res.end();
    return undefined;
  } finally {
    // The stream is left suspended at its "done" (or at an error): closing it runs its cleanup, which a
    // stream's owner may wait for (the assistant counts a stream in flight until it is closed).
    await iterator.return?.().catch(() => undefined);
  }
}

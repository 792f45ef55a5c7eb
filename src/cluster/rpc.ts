import { z } from "zod";

/**
 * Requests and replies over the IPC channel between the cluster primary and one worker (either
 * side may ask). Messages are tagged `kpo`, so they never mix with the messages of the rate-limit
 * store or prom-client, which share the channel.
 */
export interface IpcEndpoint {
  /** process.send or worker.send; the callback gets the error when the channel is closed (instead of an 'error' event). */
  send(message: unknown, callback: (error: Error | null) => void): unknown;
  on(event: "message", listener: (message: unknown) => void): unknown;
}

/** What one side asks of the other (the method names the two sides agree on). */
export const METHODS = {
  /** worker -> primary: the worker listens and its index is loaded. */
  ready: "ready",
  /** worker -> primary: /metrics, summed over every worker. */
  metrics: "metrics",
  /** primary -> worker: this worker's own metrics (prom-client's JSON form, which the primary sums). */
  ownMetrics: "own-metrics",
  /** worker -> primary: a new index was published; have every other worker load it (replies once they did). */
  reloadOthers: "reload-others",
  /** primary -> worker: load the published index now. */
  reload: "reload",
  /** primary -> worker: shut down gracefully (SIGTERM or SIGINT reached the primary). */
  shutdown: "shutdown",
} as const;
export type Method = (typeof METHODS)[keyof typeof METHODS];

const requestSchema = z.object({ kpo: z.literal("request"), id: z.number(), method: z.string(), body: z.unknown().optional() });
const replySchema = z.object({ kpo: z.literal("reply"), id: z.number(), ok: z.boolean(), body: z.unknown().optional(), error: z.string().optional() });

export type Handler = (body: unknown) => Promise<unknown> | unknown;

export interface Rpc {
  /** Resolves with the other side's reply; rejects when it answers with an error or not within `timeoutMs`. */
  request(method: Method, body?: unknown, timeoutMs?: number): Promise<unknown>;
  /** Answers `method` with what `handler` returns (or the error it throws). */
  handle(method: Method, handler: Handler): void;
}

export function createRpc(endpoint: IpcEndpoint): Rpc {
  let nextId = 0;
  const waiting = new Map<number, { resolve: (body: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  const handlers = new Map<string, Handler>();

  endpoint.on("message", (message) => {
    const reply = replySchema.safeParse(message);
    if (reply.success) {
      const pending = waiting.get(reply.data.id);
      if (!pending) return; // timed out already
      waiting.delete(reply.data.id);
      clearTimeout(pending.timer);
      if (reply.data.ok) pending.resolve(reply.data.body);
      else pending.reject(new Error(reply.data.error ?? "the other process failed"));
      return;
    }
    const request = requestSchema.safeParse(message);
    if (!request.success) return;
    const { id, method, body } = request.data;
    const handler = handlers.get(method);
    void Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no handler for ${method}`);
        return handler(body);
      })
      .then(
        (result) => ({ kpo: "reply", id, ok: true, body: result }),
        (error: unknown) => ({ kpo: "reply", id, ok: false, error: error instanceof Error ? error.message : String(error) }),
      )
      .then((reply) => endpoint.send(reply, () => undefined)); // a closed channel: the asker exited, nobody waits
  });

  return {
    request(method, body, timeoutMs = 10_000) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`no reply to ${method} within ${timeoutMs} ms`));
        }, timeoutMs);
        timer.unref();
        waiting.set(id, { resolve, reject, timer });
        endpoint.send({ kpo: "request", id, method, body }, (error) => {
          if (!error) return;
          waiting.delete(id);
          clearTimeout(timer);
          reject(error);
        });
      });
    },
    handle(method, handler) {
      handlers.set(method, handler);
    },
  };
}

import http, { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import type { RequestListener } from "node:http";
import type { Settings } from "../config/settings.ts";
import type { Logger } from "../logger.ts";
import { budgetConnections, type ConnectionBudget, type ConnectionEvent } from "./connections.ts";
import { problemType } from "./problem.ts";

export type ShutdownHook = () => Promise<void> | void;

export interface RunningServer {
  readonly server: http.Server;
  readonly address: AddressInfo;
  /** http://host:port (IPv6 hosts bracketed). */
  readonly url: string;
  /** True once shutdown has begun. */
  readonly closing: boolean;
  /** Runs after the server has drained (last registered runs first: e.g. the bot before the assistant). */
  onShutdown(hook: ShutdownHook): void;
  /**
   * Stops accepting connections, lets in-flight requests finish within SHUTDOWN_TIMEOUT_MS
   * (then cuts the rest), runs the shutdown hooks. Idempotent. Resolves true when all went cleanly.
   */
  shutdown(reason?: string): Promise<boolean>;
}

export interface StartServerOptions {
  app: RequestListener;
  settings: Pick<Settings, "HOST" | "PORT" | "SHUTDOWN_TIMEOUT_MS"> &
    Partial<Pick<Settings, "REQUEST_TIMEOUT_MS" | "HEADERS_TIMEOUT_MS" | "MAX_CONNECTIONS" | "MAX_CONNECTIONS_PER_ADDRESS">>;
  logger: Logger;
  /** Install SIGTERM/SIGINT handlers that shut down and exit (main.ts: true; tests: false). */
  handleSignals?: boolean;
  /** How the process exits after a signal (default process.exit). */
  exit?: (code: number) => void;
}

/** Listens on HOST:PORT and wires graceful shutdown. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { app, settings, logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let closing = false;
  const hooks: ShutdownHook[] = [];

  // While draining, keep-alive connections are closed as soon as their response is done:
  // responses not yet started say `Connection: close`, and every finished response lets the
  // server drop connections that went idle (server.close() alone waits for keepAliveTimeout).
  const inFlight = new Set<http.ServerResponse>();
  const requestTimeout = settings.REQUEST_TIMEOUT_MS ?? 15_000;
  const server = http.createServer(
    {
      // A slow client (one body byte every few seconds) gets a 408 after REQUEST_TIMEOUT_MS, checked every second;
      // a connection that sends no complete headers (an idle one included) within HEADERS_TIMEOUT_MS as well.
      requestTimeout,
      headersTimeout: Math.min(settings.HEADERS_TIMEOUT_MS ?? 5_000, requestTimeout),
      connectionsCheckingInterval: 1_000,
      // Checked by the app, which answers with problem+json (Node's own check sends an empty 400).
      requireHostHeader: false,
    },
    (req, res) => {
    if (closing) res.setHeader("Connection", "close");
    inFlight.add(res);
    res.once("close", () => {
      inFlight.delete(res);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    app(req, res);
    },
  );
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket));
  // Without a listener Node answers any Expect other than 100-continue with an empty 417.
  server.on("checkExpectation", (req: http.IncomingMessage, res: http.ServerResponse) => {
    writeProblem(res, 417, `the Expect header ${JSON.stringify(String(req.headers.expect).slice(0, 100))} is not supported; only 100-continue is`);
  });
  server.keepAliveTimeout = 5_000;
  // At most MAX_CONNECTIONS open, MAX_CONNECTIONS_PER_ADDRESS from one client; idle ones make room for newcomers.
  const budget = { total: settings.MAX_CONNECTIONS ?? 512, perAddress: settings.MAX_CONNECTIONS_PER_ADDRESS ?? 64 };
  budgetConnections(server, budget, connectionEventLogger(logger, budget));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.PORT, settings.HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  let shutdownPromise: Promise<boolean> | undefined;
  const shutdown = (reason = "shutdown"): Promise<boolean> => {
    shutdownPromise ??= (async () => {
      closing = true;
      const bound = settings.SHUTDOWN_TIMEOUT_MS;
      logger.info({ reason, timeoutMs: bound }, "shutting down: no new connections, finishing in-flight requests");
      let clean = true;
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
      server.closeIdleConnections();
      const timedOut = await raceTimeout(drained, bound);
      if (timedOut) {
        clean = false;
        logger.warn({ timeoutMs: bound }, "in-flight requests did not finish in time; closing their connections");
        server.closeAllConnections();
        await drained;
      }
      for (const hook of [...hooks].reverse()) {
        try {
          if (await raceTimeout(Promise.resolve().then(hook), bound)) {
            clean = false;
            logger.warn({ timeoutMs: bound }, "a shutdown hook did not finish in time");
          }
        } catch (error) {
          clean = false;
          logger.error({ err: error }, "a shutdown hook failed");
        }
      }
      logger.info({ clean }, "shut down");
      return clean;
    })();
    return shutdownPromise;
  };

  if (options.handleSignals) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.on(signal, () => {
        if (closing) {
          logger.warn({ signal }, "second signal during shutdown: exiting now");
          exit(1);
          return;
        }
        void shutdown(signal).then(
          () => exit(0),
          () => exit(1),
        );
      });
    }
  }

  return {
    server,
    address,
    url,
    get closing() {
      return closing;
    },
    onShutdown: (hook) => void hooks.push(hook),
    shutdown,
  };
}

/**
 * Requests Node's HTTP parser rejects before express sees them (headers over 16 KB, a broken
 * request line) still get problem+json instead of a bare status line.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  // Destroyed once the answer is written, never left half-closed: a client that does not close
  // its side would otherwise keep the socket (and its place under MAX_CONNECTIONS) for good.
  socket.once("finish", () => socket.destroy());
  setTimeout(() => socket.destroy(), 1_000).unref();
  const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const body = JSON.stringify({
    type: problemType(status),
    title: STATUS_CODES[status],
    status,
    detail: status === 431 ? "the request line and headers exceed 16 KB; send long text in a POST body" : "the request could not be parsed as HTTP",
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function writeProblem(res: http.ServerResponse, status: number, detail: string): void {
  const body = JSON.stringify({ type: problemType(status), title: STATUS_CODES[status], status, detail });
  res.writeHead(status, { "Content-Type": "application/problem+json", "Content-Length": Buffer.byteLength(body), Connection: "close" });
  res.end(body);
}

/** Logs what the connection budget did, at most once a minute, with the counts since the last line. */
function connectionEventLogger(logger: Logger, budget: ConnectionBudget): (event: ConnectionEvent) => void {
  let counts: Record<string, number> = {};
  let last = 0;
  return (event) => {
    const key = `${event.kind} (${event.scope === "address" ? "MAX_CONNECTIONS_PER_ADDRESS" : "MAX_CONNECTIONS"})`;
    counts[key] = (counts[key] ?? 0) + 1;
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    logger.warn({ ...counts, address: event.address, budget }, "connection limit reached: idle connections closed to make room, or new ones refused when all were busy");
    counts = {};
  };
}

/** Resolves true if `ms` passed before `promise` settled (rejections propagate). */
async function raceTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise.then(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

import { randomUUID } from "node:crypto";
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import cors from "cors";
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { rateLimit, ipKeyGenerator, type Store } from "express-rate-limit";
import helmet from "helmet";
import type { Redis } from "ioredis";
import type { Assistant } from "../assistant-types.ts";
import type { Settings } from "../config/settings.ts";
import type { Logger } from "../logger.ts";
import { createAuth } from "./auth.ts";
import type { ApiMetrics } from "./metrics.ts";
import { HttpProblem, problemHandler } from "./problem.ts";
import { JSON_TYPES, mountRoutes, registerRoutes, type AnyRouteSpec } from "./route.ts";
import { answersRoutes } from "./routes/answers.ts";
import { askRoutes } from "./routes/ask.ts";
import type { DocumentService } from "../ingest/documents.ts";
import { documentsRoutes } from "./routes/documents.ts";
import { feedbackRoutes } from "./routes/feedback.ts";
import { gapsRoutes } from "./routes/gaps.ts";
import { FallbackRateLimitStore, FallbackStore } from "./rate-limit-store.ts";
import { glossaryRoutes } from "./routes/glossary.ts";
import { healthRoutes, notReady } from "./routes/health.ts";
import { metaRoutes } from "./routes/meta.ts";
import { quizRoutes } from "./routes/quiz.ts";
import { searchRoutes } from "./routes/search.ts";
import { invalidUtf8Problem } from "./utf8-body.ts";
import { sourcesRoutes } from "./routes/sources.ts";
import { componentRegistry, componentSchemas } from "./schemas.ts";
import { webRoutes } from "../web/router.ts";

export interface AppDeps {
  settings: Settings;
  logger: Logger;
  /** The assistant once it is loaded; undefined while the index loads (then /v1/* answers 503). */
  assistant: () => Assistant | undefined;
  metrics: ApiMetrics;
  /** With REDIS_URL: rate-limit counters shared by every replica (per process while Redis is down). */
  redis?: Redis;
  /** Adds and removes documents (admin /v1/documents); without it those routes answer 503. */
  documents?: DocumentService;
  /**
   * Serves MCP over Streamable HTTP (src/mcp/http.ts, given by the composition root when
   * MCP_HTTP=true); mounted at POST /mcp behind the same keys, rate limits and readiness as /v1/*.
   */
  mcp?: McpEndpoint;
  /** With WORKERS > 1: this process is one of several serving the port (src/cluster/worker.ts). */
  workers?: WorkerGroup;
}

/** What several worker processes serving one port keep in common, through their primary. */
export interface WorkerGroup {
  /** Rate-limit counters every worker shares (without Redis; with it, what Redis falls back to). */
  rateLimitStore(): Store;
  /** The Prometheus text of every worker's metrics, summed. */
  metricsText(): Promise<string>;
}

export type McpEndpoint = (req: Request, res: Response, request: { body: unknown; assistant: Assistant; log: Logger }) => Promise<void>;

/** The largest request body accepted (413 above it). */
export const BODY_LIMIT_BYTES = 32 * 1024;

const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * Builds the HTTP API. Every response carries X-Request-Id; every error is problem+json.
 * Tests build it and listen on port 0; src/main.ts serves it with startServer().
 */
export function createApp(deps: AppDeps): Express {
  const { settings, logger, metrics } = deps;
  const auth = createAuth(settings);
  const app = express();
  app.disable("x-powered-by");

  // 1. request id, per-request logger, access log and HTTP metrics (first, so every response counts)
  let routePatterns: { path: string; pattern: RegExp }[] = [];
  const routeOf = (path: string) => routePatterns.find((r) => r.pattern.test(path))?.path;
  app.use(requestContext(logger, metrics, routeOf, settings.LOG_QUESTIONS));
  // An HTTP/1.1 request must name a host (RFC 9112 §3.2); Node's own check answers with an empty body.
  app.use((req, _res, next) => {
    if (req.httpVersion === "1.1" && !req.headers.host) return next(new HttpProblem(400, "the Host header is missing or empty"));
    next();
  });
  // 2. security headers (the web page's routes set their own, stricter CSP)
  app.use(helmet());
  // 3. CORS only for configured origins ("*" allows any)
  if (settings.CORS_ORIGINS.length > 0) {
    app.use(
      cors({
        origin: settings.CORS_ORIGINS.includes("*") ? "*" : settings.CORS_ORIGINS,
        methods: ["GET", "POST", "PATCH"],
        allowedHeaders: ["Authorization", "Content-Type", "Accept", "X-Request-Id", "Mcp-Protocol-Version"],
        exposedHeaders: ["X-Request-Id", "Retry-After", "RateLimit", "RateLimit-Policy"],
        maxAge: 600,
      }),
    );
  }
  // 4. /metrics and /openapi.json are open unless left out of PUBLIC_ENDPOINTS (then they need an API key, when keys are set)
  if (!settings.PUBLIC_ENDPOINTS.includes("metrics")) app.use("/metrics", auth.identify, auth.enforce);
  if (!settings.PUBLIC_ENDPOINTS.includes("openapi")) app.use("/openapi.json", auth.identify, auth.enforce);
  // 5. /v1/* (and /mcp): identify the key, rate-limit per key (or address), require the key, require readiness, parse JSON.
  // One limiter for both, so a key's requests count against one budget whichever way they come
  // (and whichever worker serves them: Redis, or the cluster primary's counters).
  const hostStore =
    deps.workers && new FallbackStore(deps.workers.rateLimitStore(), rateLimitFallback(logger, metrics, "the cluster primary did not count a request in time: counted in this worker only"));
  const store = deps.redis ? new FallbackRateLimitStore(deps.redis, rateLimitFallback(logger, metrics, "redis unreachable: rate limits are counted on this host only until it returns"), hostStore) : hostStore;
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: settings.RATE_LIMIT_PER_MINUTE,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    ...(store ? { store } : {}),
    keyGenerator: (req, res) => res.locals.keyId ?? ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? "unknown"),
    handler: (_req, res, next) => {
      next(new HttpProblem(429, `rate limit of ${settings.RATE_LIMIT_PER_MINUTE} requests a minute exceeded; retry after ${res.getHeader("Retry-After") ?? "a while"} s`));
    },
  });
  const json = express.json({
    limit: BODY_LIMIT_BYTES,
    type: JSON_TYPES,
    strict: true,
    // The raw bytes, before decoding replaces broken UTF-8 with U+FFFD.
    verify: (_req, _res, body, encoding) => {
      const problem = /^utf-?8$/i.test(encoding) ? invalidUtf8Problem(body) : undefined;
      if (problem) throw problem;
    },
  });
  const guarded = [auth.identify, limiter, auth.enforce, requireReady(deps.assistant), json];
  app.use("/v1", ...guarded);
  if (deps.mcp) mountMcp(app, deps.mcp, guarded);

  // 6. routes (and their OpenAPI operations, from the same specs)
  let document: unknown;
  const specs: AnyRouteSpec[] = [
    ...healthRoutes({ assistant: deps.assistant }),
    ...metaRoutes({ metrics, metricsText: deps.workers?.metricsText ?? (() => metrics.registry.metrics()), openApiDocument: () => (document ??= buildOpenApiDocument(specs, auth.enabled)) }),
    ...askRoutes({ settings, metrics }),
    ...answersRoutes(),
    ...searchRoutes({ settings }),
    ...glossaryRoutes(),
    ...quizRoutes(),
    ...sourcesRoutes({ rootDir: settings.rootDir }),
    ...feedbackRoutes(),
    ...gapsRoutes(),
    ...documentsRoutes({ settings, documents: deps.documents }),
  ];
  mountRoutes(app, specs, { admin: auth.requireAdmin });
  // Label requests answered before routing (401, 429, 503 on /v1/*) with their route too.
  routePatterns = [...new Set([...specs.map((s) => s.path), ...(deps.mcp ? [MCP_PATH] : [])])].map((path) => ({
    path,
    pattern: new RegExp(`^${path.replace(/[.]/g, "\\.").replace(/:[A-Za-z0-9_]+/g, "[^/]+")}/?$`),
  }));

  // 7. the onboarding web page at / (static files; it calls the API above like any client)
  app.use(webRoutes());

  // 8. anything else: 404 problem; then the one error handler
  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new HttpProblem(404, `no route for ${req.method} ${req.path.slice(0, 200)}; GET /openapi.json lists the routes`));
  });
  app.use(problemHandler);
  return app;
}

/** The OpenAPI 3.1 document for the given routes (generated from the zod schemas they validate with). */
export function buildOpenApiDocument(specs: AnyRouteSpec[], authEnabled: boolean): ReturnType<OpenApiGeneratorV31["generateDocument"]> {
  const registry = new OpenAPIRegistry([componentRegistry]);
  registerRoutes(registry, specs);
  return new OpenApiGeneratorV31([...registry.definitions, ...componentSchemas.map((schema) => ({ type: "schema" as const, schema }))]).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "KPO knowledge assistant API",
      version: "1.0.0",
      description:
        "Answers questions about knowledge process outsourcing (KPO), BPO and outsourcing terminology from a curated corpus, " +
        "always with verifiable citations. Errors are RFC 9457 application/problem+json. Every response carries X-Request-Id." +
        (authEnabled ? " /v1/* requires Authorization: Bearer <key>." : " API keys are not configured on this server: /v1/* is open."),
    },
    security: authEnabled ? [{ bearerAuth: [] }] : [],
  });
}

const MCP_PATH = "/mcp";

/** POST /mcp to the MCP transport (stateless: no SSE stream to GET, no session to DELETE). */
function mountMcp(app: Express, mcp: McpEndpoint, guards: RequestHandler[]): void {
  app.use(MCP_PATH, ...guards);
  app.post(MCP_PATH, async (req, res) => {
    res.locals.route = MCP_PATH;
    await mcp(req, res, { body: req.body, assistant: res.locals.assistant!, log: res.locals.log });
  });
  app.all(MCP_PATH, (req, res, next) => {
    res.locals.route = MCP_PATH;
    next(new HttpProblem(405, `${req.method} is not allowed on ${MCP_PATH}; use POST (this MCP server is stateless: no event stream, no sessions)`, { allowed: ["POST"], headers: { Allow: "POST" } }));
  });
}

function requireReady(assistant: () => Assistant | undefined): RequestHandler {
  return (_req, res, next) => {
    const ready = assistant();
    if (!ready) return next(notReady());
    res.locals.assistant = ready;
    next();
  };
}

/** Counts every fallback of the rate limiter; logs the first of each burst (at most one line a minute). */
function rateLimitFallback(logger: Logger, metrics: ApiMetrics, message: string): (error: unknown) => void {
  let lastLogged = 0;
  return (error) => {
    metrics.sharedStateFallbacks.inc({ component: "rate_limit" });
    if (Date.now() - lastLogged < 60_000) return;
    lastLogged = Date.now();
    logger.warn({ err: error }, message);
  };
}

function requestContext(logger: Logger, metrics: ApiMetrics, routeOf: (path: string) => string | undefined, logQuestions: boolean): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.get("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.locals.log = logger.child({ reqId: requestId });
    res.setHeader("X-Request-Id", requestId);
    res.once("close", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const completed = res.writableFinished;
      const status = completed ? String(res.statusCode) : "aborted";
      // Only known route patterns become labels (bounded cardinality); anything else is "unmatched".
      const path = req.originalUrl.split("?")[0]!;
      const labels = { method: req.method, route: res.locals.route ?? (res.statusCode === 404 ? undefined : routeOf(path)) ?? "unmatched", status };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      res.locals.log.info(
        {
          method: req.method,
          // Paths carry user text (/v1/glossary/<term>); without LOG_QUESTIONS only the route pattern is logged.
          path: logQuestions ? path : labels.route,
          route: labels.route,
          status: completed ? res.statusCode : undefined,
          aborted: completed ? undefined : true,
          durationMs: Math.round(seconds * 1e6) / 1e3,
          ...(res.locals.keyId ? { keyId: res.locals.keyId } : {}),
          ...res.locals.logFields,
        },
        "request",
      );
    });
    next();
  };
}

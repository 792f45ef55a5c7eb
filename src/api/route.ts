import type { OpenAPIRegistry, ResponseConfig } from "@asteasolutions/zod-to-openapi";
import type { Express, NextFunction, Request, RequestHandler, Response } from "express";
import type { z } from "zod";
import type { Assistant } from "../assistant-types.ts";
import type { Logger } from "../logger.ts";
import { HttpProblem } from "./problem.ts";

/** What every request carries through the app (typed `res.locals`). */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      requestId: string;
      log: Logger;
      /** Matched route pattern, for metrics and logs ("/v1/glossary/:term"). */
      route?: string;
      /** Id of the API key used (a hash prefix, never the key), when API_KEYS is set. */
      keyId?: string;
      /** True when that key is one of ADMIN_API_KEYS. */
      isAdmin?: boolean;
      /** The ready assistant (set on /v1/* once loaded). */
      assistant?: Assistant;
      /** Extra fields for the access log line. */
      logFields?: Record<string, unknown>;
    }
  }
}

export const JSON_TYPES = ["application/json", "application/*+json"];

type AnyObject = z.ZodObject<z.ZodRawShape>;

/**
 * One route: the express handler and its OpenAPI operation come from the same spec, and the
 * params/query/body are validated with exactly the zod schemas the document shows.
 */
export interface RouteSpec<P extends AnyObject | undefined, Q extends AnyObject | undefined, B extends z.ZodType | undefined> {
  method: "get" | "post" | "patch" | "delete";
  /** Express-style path ("/v1/glossary/:term"); converted to "{term}" for OpenAPI. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** True for /v1/* (bearer auth when API_KEYS is set). */
  secured?: boolean;
  /** True for admin endpoints: an ADMIN_API_KEYS key is required (see ApiAuth.requireAdmin). */
  admin?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** A multipart/form-data body, parsed by the handler itself (file uploads); documented with this schema. */
  form?: z.ZodType;
  responses: Record<number, ResponseConfig>;
  handler: (
    input: {
      params: P extends AnyObject ? z.output<P> : Record<string, never>;
      query: Q extends AnyObject ? z.output<Q> : Record<string, never>;
      body: B extends z.ZodType ? z.output<B> : undefined;
    },
    req: Request,
    res: Response,
  ) => Promise<void> | void;
}

// The collection of specs is heterogeneous; handlers are typed at definition time.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRouteSpec = RouteSpec<any, any, any>;

export function defineRoute<P extends AnyObject | undefined = undefined, Q extends AnyObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): AnyRouteSpec {
  return spec;
}

/** Same rule as type-is: a body is present when Transfer-Encoding is set or Content-Length is not 0. */
function hasBody(req: Request): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, location: "body" | "query" | "path"): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw HttpProblem.validation(location, parsed.error);
  return parsed.data;
}

/** Sets the route label (for metrics/logs) once express has matched a route. */
export function labelRoute(req: Request, res: Response): void {
  res.locals.route = `${req.baseUrl}${req.route?.path ?? ""}`;
}

function toExpressHandler(spec: AnyRouteSpec) {
  return async (req: Request, res: Response) => {
    labelRoute(req, res);
    const params = spec.params ? parseOrThrow(spec.params, req.params, "path") : {};
    const query = spec.query ? parseOrThrow(spec.query, req.query, "query") : {};
    let body: unknown;
    if (spec.body) {
      if (hasBody(req) && !req.is(JSON_TYPES)) {
        throw new HttpProblem(415, `send the body as application/json (got ${JSON.stringify(req.get("content-type") ?? "no content type")})`, {
          headers: { "Accept-Post": "application/json" },
        });
      }
      if (req.body === undefined) throw new HttpProblem(400, "a JSON request body is required");
      body = parseOrThrow(spec.body, req.body, "body");
    }
    await spec.handler({ params, query, body }, req, res);
  };
}

/** Mounts the routes on the app, with 405 + Allow for known paths and wrong methods. */
export function mountRoutes(app: Express, specs: AnyRouteSpec[], guards: { admin: RequestHandler }): void {
  const byPath = new Map<string, AnyRouteSpec[]>();
  for (const spec of specs) byPath.set(spec.path, [...(byPath.get(spec.path) ?? []), spec]);
  for (const [path, group] of byPath) {
    const route = app.route(path);
    for (const spec of group) {
      if (spec.admin) route[spec.method](guards.admin, toExpressHandler(spec));
      else route[spec.method](toExpressHandler(spec));
    }
    const allowed = [...new Set(group.flatMap((s) => (s.method === "get" ? ["GET", "HEAD"] : [s.method.toUpperCase()])))];
    route.all((req: Request, res: Response, next: NextFunction) => {
      labelRoute(req, res);
      next(
        new HttpProblem(405, `${req.method} is not allowed on ${path}; use ${allowed.join(", ")}`, {
          allowed,
          headers: { Allow: allowed.join(", ") },
        }),
      );
    });
  }
}

/** Express "/a/:b" -> OpenAPI "/a/{b}". */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

/** Registers each route as an OpenAPI operation. */
export function registerRoutes(registry: OpenAPIRegistry, specs: AnyRouteSpec[]): void {
  for (const spec of specs) {
    registry.registerPath({
      method: spec.method,
      path: openApiPath(spec.path),
      operationId: `${spec.method}${openApiPath(spec.path)
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join("")}`,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: spec.tags,
      security: spec.admin ? [{ adminBearerAuth: [] }] : spec.secured ? undefined : [],
      request: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.query ? { query: spec.query } : {}),
        ...(spec.body || spec.form
          ? {
              body: {
                required: true,
                content: {
                  ...(spec.form ? { "multipart/form-data": { schema: spec.form } } : {}),
                  ...(spec.body ? { "application/json": { schema: spec.body } } : {}),
                },
              },
            }
          : {}),
      },
      responses: spec.responses,
    });
  }
}

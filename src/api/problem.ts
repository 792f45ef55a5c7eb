import { STATUS_CODES } from "node:http";
import type { ErrorRequestHandler, Request, Response } from "express";
import type { z } from "zod";
import { callerError } from "../errors.ts";

/**
 * RFC 9457 problem details. Every error the API answers with (400, 401, 404, 405, 413, 415,
 * 429, 500, 503) goes through `HttpProblem` and `problemHandler`, so a client always gets
 * `application/problem+json` and never an HTML page or a stack trace.
 */

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** One validation issue, with the zod path and an RFC 6901 JSON pointer into the input. */
export interface ProblemIssue {
  in: "body" | "query" | "path";
  path: (string | number)[];
  pointer: string;
  code: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  issues?: ProblemIssue[];
  suggestions?: string[];
  allowed?: string[];
  /** The setting whose limit a document is over (413/422 on POST /v1/documents). */
  limit?: string;
}

/** Problem type URIs (non-dereferenceable URNs; the `title` says what they mean). */
const TYPES: Record<number, string> = {
  400: "urn:kpo:problem:bad-request",
  401: "urn:kpo:problem:unauthorized",
  404: "urn:kpo:problem:not-found",
  403: "urn:kpo:problem:forbidden",
  405: "urn:kpo:problem:method-not-allowed",
  417: "urn:kpo:problem:expectation-failed",
  413: "urn:kpo:problem:payload-too-large",
  415: "urn:kpo:problem:unsupported-media-type",
  409: "urn:kpo:problem:conflict",
  422: "urn:kpo:problem:unprocessable-document",
  408: "urn:kpo:problem:request-timeout",
  431: "urn:kpo:problem:headers-too-large",
  429: "urn:kpo:problem:rate-limited",
  500: "urn:kpo:problem:internal",
  503: "urn:kpo:problem:unavailable",
};
export const VALIDATION_PROBLEM_TYPE = "urn:kpo:problem:validation";

export function problemType(status: number): string {
  return TYPES[status] ?? "about:blank";
}

/** The one HTTP error type. Throw it (or pass it to `next`) from anywhere in the app. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extensions: Pick<ProblemBody, "issues" | "suggestions" | "allowed" | "limit">;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    detail?: string,
    options: {
      type?: string;
      title?: string;
      issues?: ProblemIssue[];
      suggestions?: string[];
      allowed?: string[];
      limit?: string;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(detail ?? STATUS_CODES[status] ?? "Error", options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HttpProblem";
    this.status = status;
    this.type = options.type ?? problemType(status);
    this.title = options.title ?? STATUS_CODES[status] ?? "Error";
    this.detail = detail;
    this.extensions = { issues: options.issues, suggestions: options.suggestions, allowed: options.allowed, limit: options.limit };
    this.headers = options.headers ?? {};
  }

  /** A 400 carrying zod's issues with their field paths. */
  static validation(location: ProblemIssue["in"], error: z.ZodError): HttpProblem {
    const issues = error.issues.map((issue) => toProblemIssue(location, issue));
    const first = issues[0];
    const where = first ? (first.path.length ? `${location} field "${first.path.join(".")}"` : `${location}`) : location;
    return new HttpProblem(400, first ? `invalid ${where}: ${first.message}` : `invalid ${location}`, {
      type: VALIDATION_PROBLEM_TYPE,
      title: "Request validation failed",
      issues,
    });
  }
}

function toProblemIssue(location: ProblemIssue["in"], issue: z.core.$ZodIssue): ProblemIssue {
  const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  const pointer = "/" + path.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
  return { in: location, path, pointer: path.length ? pointer : "", code: issue.code, message: issue.message };
}

/** Writes a problem+json response (used by the error handler and by middleware that answers directly). */
export function sendProblem(req: Request, res: Response, problem: HttpProblem): void {
  const body: ProblemBody = {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    ...(problem.detail === undefined ? {} : { detail: problem.detail }),
    instance: req.originalUrl.split("?")[0],
    requestId: res.locals.requestId,
    ...Object.fromEntries(Object.entries(problem.extensions).filter(([, v]) => v !== undefined)),
  };
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Maps errors thrown by express, body-parser and friends onto problems; anything unknown is a 500. */
export function toProblem(error: unknown): { problem: HttpProblem; unexpected: boolean } {
  if (error instanceof HttpProblem) return { problem: error, unexpected: false };
  const known = callerError(error);
  if (known) {
    const { status, message, suggestions, retryAfterSeconds } = known;
    const headers = retryAfterSeconds === undefined ? undefined : { "Retry-After": String(retryAfterSeconds) };
    return { problem: new HttpProblem(status, message, { suggestions, headers, cause: error }), unexpected: false };
  }
  const e = error as { status?: unknown; statusCode?: unknown; type?: unknown; expose?: unknown } | null;
  const status = typeof e?.status === "number" ? e.status : typeof e?.statusCode === "number" ? e.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    // body-parser / http-errors: known client errors with safe, fixed descriptions.
    switch (e?.type) {
      case "entity.parse.failed":
        return { problem: new HttpProblem(400, "the request body is not valid JSON"), unexpected: false };
      case "entity.too.large":
        return { problem: new HttpProblem(413, "the request body is larger than the 32 KB limit"), unexpected: false };
      case "encoding.unsupported":
      case "charset.unsupported":
        return { problem: new HttpProblem(415, "unsupported content encoding or charset; send UTF-8 JSON"), unexpected: false };
      case "request.aborted":
        return { problem: new HttpProblem(400, "the request was aborted by the client"), unexpected: false };
      case "request.size.invalid":
        return { problem: new HttpProblem(400, "the request body length does not match Content-Length"), unexpected: false };
      default:
        if (error instanceof URIError) return { problem: new HttpProblem(400, "the request path is not valid percent-encoding"), unexpected: false };
        return { problem: new HttpProblem(status, STATUS_CODES[status] ?? "client error"), unexpected: false };
    }
  }
  return { problem: new HttpProblem(500, "an unexpected error occurred; quote the request id when reporting it"), unexpected: true };
}

/** The one error handler: everything becomes problem+json; unknown errors are logged with the request id. */
export const problemHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const { problem, unexpected } = toProblem(error);
  const log = res.locals.log;
  if (unexpected) log?.error({ err: error }, "unhandled error");
  else if (problem.status >= 500) log?.warn({ status: problem.status, detail: problem.detail, cause: (problem.cause as Error | undefined)?.message }, "request failed");
  if (res.headersSent) {
    // Too late for a status line (e.g. mid-stream): end the response, the log has the cause.
    res.end();
    return;
  }
  sendProblem(req, res, problem);
};

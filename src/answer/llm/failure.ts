import { LlmError } from "../../errors.ts";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "UND_ERR_SOCKET"]);
const TIMEOUT_CODES = new Set(["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

function chain(error: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let e = error; e && typeof e === "object" && out.length < 6; e = (e as { cause?: unknown }).cause) out.push(e as Record<string, unknown>);
  return out;
}

/**
 * Maps whatever the OpenAI client, LangChain or fetch threw onto the fallback reasons of the
 * Answer schema. Matching is by status and by names/codes rather than `instanceof`, because
 * @langchain/openai bundles its own copy of the `openai` package and re-wraps some errors
 * (a client timeout arrives as a plain Error named "TimeoutError").
 */
export function toLlmError(error: unknown, deadlineHit = false): LlmError {
  if (error instanceof LlmError) return error;
  const errors = chain(error);
  const names = errors.map((e) => String(e.name ?? ""));
  const ctorNames = errors.map((e) => String((e.constructor as { name?: string } | undefined)?.name ?? ""));
  const codes = errors.map((e) => String(e.code ?? ""));
  const status = errors.map((e) => e.status).find((s): s is number => typeof s === "number");
  const message = error instanceof Error ? error.message : String(error);

  if (deadlineHit || names.includes("TimeoutError") || ctorNames.includes("APIConnectionTimeoutError") || codes.some((c) => TIMEOUT_CODES.has(c))) {
    return new LlmError("timeout", `LLM request timed out: ${message}`, { cause: error });
  }
  if (status === 429) return new LlmError("rate_limited", `LLM server is rate limiting (HTTP 429): ${message}`, { cause: error });
  // Other HTTP statuses (5xx, and 4xx such as a wrong model name or key) all mean the server
  // would not produce an answer; the log keeps the exact status for whoever configures it.
  if (status !== undefined) return new LlmError("server_error", `LLM server answered HTTP ${status}: ${message}`, { cause: error });
  if (ctorNames.includes("APIConnectionError") || codes.some((c) => NETWORK_CODES.has(c)) || /fetch failed|connection error/i.test(message)) {
    return new LlmError("network", `LLM server unreachable: ${message}`, { cause: error });
  }
  // No status and no network trouble: the server answered 200 with a body we could not use
  // (invalid JSON, no choices, no text).
  return new LlmError("malformed", `LLM response unusable: ${message}`, { cause: error });
}

/**
 * What the log may say about a failure: no request options, headers or error object (which can
 * carry the Authorization header), and the API key scrubbed from messages that echo it, as
 * OpenAI's 401 message does.
 */
export function describeFailure(error: LlmError, apiKey: string | undefined): Record<string, unknown> {
  const scrub = (text: string) => {
    let out = apiKey ? text.split(apiKey).join("[redacted]") : text;
    out = out.replace(/\b(sk-[A-Za-z0-9_-]{4})[A-Za-z0-9_*-]{8,}/g, "$1…[redacted]");
    return out;
  };
  const cause = chain(error.cause)[0];
  return {
    reason: error.reason,
    message: scrub(error.message),
    ...(cause ? { causeName: String(cause.name ?? "Error") } : {}),
    ...(typeof cause?.status === "number" ? { status: cause.status } : {}),
    ...(typeof cause?.code === "string" ? { code: cause.code } : {}),
  };
}

/**
 * Whether trying the same request again could help: rate limiting, a 5xx, or a connection that
 * failed. Not a timeout (the budget covers all attempts, so none would be left), not a 4xx
 * (wrong key or model), not an unusable body.
 */
export function isRetryable(error: LlmError): boolean {
  if (error.reason === "rate_limited" || error.reason === "network") return true;
  if (error.reason !== "server_error") return false;
  const status = chain(error.cause).map((e) => e.status).find((s): s is number => typeof s === "number");
  return status === undefined || status >= 500;
}

/** Pause before retry `attempt` (0-based): exponential from `baseMs`, with jitter (half fixed, half random). */
export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  const ceiling = baseMs * 2 ** attempt;
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

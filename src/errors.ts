/**
 * A small error hierarchy. Every message names the operation and the file or setting
 * concerned, so a user can act on it without a stack trace. `retryable` tells callers
 * (the LLM client, the API) whether trying again could help.
 */
export class AppError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A setting (environment variable) has a value the program cannot use. */
export class ConfigError extends AppError {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super("config", `${setting}: ${message}`);
    this.setting = setting;
  }
}

/** A corpus file (source, glossary entry, sources.json) cannot be ingested. */
export class CorpusError extends AppError {
  readonly file: string;
  constructor(file: string, message: string, options: { cause?: unknown } = {}) {
    super("corpus", `${file}: ${message}`, options);
    this.file = file;
  }
}

/**
 * A document is over one of the limits its extraction runs under (src/corpus/formats/limits.ts):
 * `setting` names the limit, `status` is 413 for a size (zip entry, unzipped total, pages,
 * characters) and 422 for what reading it took (time, memory).
 */
export class DocumentLimitError extends CorpusError {
  readonly setting: string;
  readonly status: 413 | 422;
  /** What was over the limit, without the file and the setting. */
  readonly reason: string;
  constructor(file: string, setting: string, reason: string, status: 413 | 422 = 413) {
    super(file, `${reason} (${setting}); nothing was added`);
    this.setting = setting;
    this.status = status;
    this.reason = reason;
  }
}

/** The persisted index is missing, corrupt or cannot be written. */
export class IndexError extends AppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("index", message, options);
  }
}

/** An LLM call failed; `reason` becomes the Answer's fallbackReason. */
export class LlmError extends AppError {
  readonly reason: "timeout" | "rate_limited" | "server_error" | "malformed" | "unverified" | "network";
  constructor(reason: LlmError["reason"], message: string, options: { cause?: unknown } = {}) {
    super("llm", message, { ...options, retryable: reason !== "malformed" && reason !== "unverified" });
    this.reason = reason;
  }
}

/** Feedback names an answer id this system never issued (or whose log record is gone). */
export class UnknownAnswerError extends AppError {
  readonly answerId: string;
  constructor(answerId: string) {
    super("unknown_answer", `no answer with id ${JSON.stringify(answerId.slice(0, 100))} was issued by this service; rate answers by the id /v1/ask returned`);
    this.answerId = answerId;
  }
}

/** A reason is added to a feedback record that does not exist (or that someone else gave). */
export class UnknownFeedbackError extends AppError {
  readonly feedbackId: string;
  constructor(feedbackId: string) {
    super("unknown_feedback", `no feedback record ${JSON.stringify(feedbackId.slice(0, 100))} of yours was found; add a reason with the id POST /v1/feedback returned`);
    this.feedbackId = feedbackId;
  }
}

/**
 * A store (PostgreSQL, Redis, or the files in DATA_DIR) cannot take a write or answer a read
 * right now: the database is down, or DATA_DIR is read-only. Retrying later may help.
 */
export class StoreUnavailableError extends AppError {
  readonly store: string;
  readonly retryAfterSeconds: number;
  /** Safe to show a client: no paths, hosts or driver messages. */
  readonly publicDetail: string;
  constructor(store: string, message: string, options: { cause?: unknown; retryAfterSeconds?: number; publicDetail?: string } = {}) {
    super("store_unavailable", `${store}: ${message}`, { cause: options.cause, retryable: true });
    this.store = store;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
    this.publicDetail = options.publicDetail ?? `${store} is unavailable right now`;
  }
}

/** Something a caller named (a glossary term, a source id) does not exist; `suggestions` are close names. */
export class NotFoundError extends AppError {
  readonly suggestions: string[] | undefined;
  constructor(message: string, suggestions?: string[]) {
    super("not_found", message);
    this.suggestions = suggestions;
  }

  static term(term: string, suggestions: string[]): NotFoundError {
    const did = suggestions.length ? `; did you mean ${suggestions.map((s) => JSON.stringify(s)).join(", ")}?` : "";
    return new NotFoundError(`no glossary entry for ${JSON.stringify(term)}${did}`, suggestions);
  }

  static source(id: string): NotFoundError {
    return new NotFoundError(`no source with id ${JSON.stringify(id)}; the source list names every id`);
  }
}

/** What a caller may be told about a failure, on every surface alike (HTTP problem+json, MCP tool errors). */
export interface CallerError {
  /** The HTTP status that fits it. */
  status: number;
  message: string;
  suggestions?: string[];
  retryAfterSeconds?: number;
}

/**
 * The errors meant for callers, with the message they get; undefined for anything else, which
 * a surface answers with a generic line and logs with its details (its message may name hosts
 * or paths).
 */
export function callerError(error: unknown): CallerError | undefined {
  if (error instanceof NotFoundError) return { status: 404, message: error.message, ...(error.suggestions ? { suggestions: error.suggestions } : {}) };
  if (error instanceof UnknownAnswerError || error instanceof UnknownFeedbackError) return { status: 404, message: error.message };
  if (error instanceof StoreUnavailableError) {
    return { status: 503, message: `${error.publicDetail}; nothing was stored, try again later`, retryAfterSeconds: error.retryAfterSeconds };
  }
  return undefined;
}

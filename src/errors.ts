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

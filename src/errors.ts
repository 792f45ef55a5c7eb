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

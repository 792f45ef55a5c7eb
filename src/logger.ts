import { pino, type Logger } from "pino";
import type { Settings } from "./config/settings.ts";

export type { Logger };

/** Structured JSON logs on stderr (stdout stays clean for CLI output). */
export function createLogger(settings: Pick<Settings, "LOG_LEVEL">, name = "kpo"): Logger {
  return pino({ name, level: settings.LOG_LEVEL, redact: ["req.headers.authorization", "authorization"] }, pino.destination(2));
}

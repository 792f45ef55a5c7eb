import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Settings } from "../config/settings.ts";
import { AppError, CorpusError, IndexError } from "../errors.ts";
import { TSX_IMPORT_FLAG } from "../tsx-loader.ts";
import type { IngestProgress, IngestSummary } from "./pipeline.ts";

/** Messages from src/ingest/child-main.ts. */
export type ChildMessage =
  | { type: "progress"; progress: IngestProgress }
  | { type: "warn"; message: string }
  | { type: "done"; summary: IngestSummary }
  | { type: "error"; error: { name: string; message: string; file?: string } };

const childMain = fileURLToPath(new URL("./child-main.ts", import.meta.url));

function revive(error: { name: string; message: string; file?: string }): Error {
  if (error.name === "CorpusError" && error.file) return new CorpusError(error.file, error.message.slice(error.file.length + 2));
  if (error.name === "IndexError") return new IndexError(error.message);
  if (error.name === "ConfigError" || error.name === "AppError") return new AppError("ingest", error.message);
  return new IndexError(`building the index failed: ${error.message}`);
}

/**
 * Runs `ingest` in a child process, so a serving process keeps answering (/readyz included)
 * while chunks are embedded: the embedding model is CPU-bound and would hold the event loop.
 * The child publishes the index atomically; the caller then loads it.
 */
export function ingestInChildProcess(
  settings: Settings,
  options: { onProgress?: (p: IngestProgress) => void; warn?: (m: string) => void } = {},
): Promise<IngestSummary> {
  return new Promise((resolve, reject) => {
    const child = fork(childMain, [], { execArgv: [TSX_IMPORT_FLAG], stdio: ["ignore", "inherit", "inherit", "ipc"], cwd: settings.rootDir });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    child.on("message", (message: ChildMessage) => {
      if (message.type === "progress") options.onProgress?.(message.progress);
      else if (message.type === "warn") options.warn?.(message.message);
      else if (message.type === "done") finish(() => resolve(message.summary));
      else finish(() => reject(revive(message.error)));
    });
    child.on("error", (error) => finish(() => reject(new IndexError(`cannot start the ingest process: ${error.message}`, { cause: error }))));
    child.on("exit", (code, signal) =>
      finish(() => reject(new IndexError(`the ingest process stopped (${signal ?? `exit code ${code}`}) before publishing; the previous index is unchanged`))),
    );
    child.send({ settings });
  });
}

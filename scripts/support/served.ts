import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { PRELOAD } from "../../src/config/project.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** Resident memory of a process, in MB (0 once it is gone). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export interface ServedApi {
  url: string;
  child: ChildProcess;
  /** Seconds from spawn to the first /readyz 200. */
  readyS: number;
  stop(): Promise<void>;
}

/**
 * The environment a benchmark serves a corpus with: the offline model, an ephemeral port, no rate
 * limit, no keys, no answer cache, no shared engines and no LLM, so only the server is measured.
 */
export function benchServerEnv(corpusDir: string, dataDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CORPUS_DIR: corpusDir,
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: "0",
    RATE_LIMIT_PER_MINUTE: "1000000",
    API_KEYS: "",
    ANSWER_CACHE_SIZE: "0",
    // error: /readyz polls are answered 503 (logged as warnings) until the server is ready.
    LOG_LEVEL: "error",
    LOG_QUESTIONS: "false",
    DATABASE_URL: "",
    REDIS_URL: "",
    OPENAI_API_KEY: "",
    LLM_BASE_URL: "",
    EMBEDDINGS: "use-lite",
  };
}

/**
 * Spawns the real server (`src/main.ts`) with `env` and waits until /readyz answers 200 (with
 * WORKERS > 1, until the primary says every worker is ready).
 * `preload` is what runs the TypeScript (default: what `npm start` uses) and anything else to preload.
 */
export async function serveUntilReady(env: NodeJS.ProcessEnv, preload: string[] = ["--import", PRELOAD]): Promise<ServedApi> {
  const started = performance.now();
  const child = spawn(process.execPath, [...preload, "src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(undefined)));
  };
  try {
    let announcedReady: () => void = () => {};
    const allReady = new Promise<void>((resolve) => (announcedReady = resolve));
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const found = /listening on (http:\/\/\S+)/.exec(line)?.[1];
        if (found) resolve(found);
        if (/^kpo api ready on /.test(line)) announcedReady();
      });
      child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening`)));
    });
    while ((await fetch(`${url}/readyz`).then((r) => r.status).catch(() => 0)) !== 200) await new Promise((r) => setTimeout(r, 25));
    // With several workers, one answering /readyz is not all of them: the primary says when all are.
    if (!["", "1", undefined].includes(env.WORKERS?.trim())) await allReady;
    return { url, child, readyS: (performance.now() - started) / 1000, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

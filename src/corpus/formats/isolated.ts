import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { CorpusError, DocumentLimitError } from "../../errors.ts";
import { PRELOAD } from "../../config/project.ts";
import type { ExtractLimits } from "./limits.ts";
import type { Extracted, Format } from "./types.ts";

/**
 * Document extraction in a separate process (isolated-main.ts), so what a document costs to read
 * is never the caller's: the process runs with a V8 heap of EXTRACT_MAX_MEMORY_MB, its resident
 * size is watched (a buffer outside the heap counts too) and it is killed past that or past
 * EXTRACT_TIMEOUT_MS; a crash, a kill or a limit becomes an error naming the file and the limit,
 * and the next document gets a fresh process. The caller's memory holds the file's bytes and
 * the extracted text (at most EXTRACT_MAX_CHARS), never the parser's working set.
 *
 * One process serves one document at a time (others queue), stays for IDLE_MS after its last
 * one so an ingest of many documents starts it once, and is replaced when a document left it
 * holding more than half its memory limit. It never keeps the caller alive while idle.
 */

/** What the extraction process is sent, and answers. */
export type ExtractionJob = { format: Format; bytes: Uint8Array; rel: string; limits: ExtractLimits };
export type ExtractionReply = { extracted: Extracted } | { error: { name: string; message: string; file?: string; setting?: string; status?: 413 | 422; reason?: string } };

const MAIN = fileURLToPath(new URL("./isolated-main.ts", import.meta.url));
const IDLE_MS = 5_000;
const WATCH_MS = 100;

/** Resident size of a process in MB from /proc (Linux); 0 where that cannot be read. */
function residentMb(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

function revive(error: Extract<ExtractionReply, { error: unknown }>["error"], rel: string): Error {
  if (error.setting && error.reason) return new DocumentLimitError(error.file ?? rel, error.setting, error.reason, error.status);
  if (error.name === "CorpusError" && error.file) return new CorpusError(error.file, error.message.slice(error.file.length + 2));
  return new CorpusError(rel, `could not be read (${error.message}); nothing was added`);
}

class ExtractionProcess {
  private child: ChildProcess | undefined;
  private starting: Promise<ChildProcess> | undefined;
  private readonly queue: { job: ExtractionJob; resolve: (e: Extracted) => void; reject: (e: Error) => void }[] = [];
  private busy = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private stderrTail = "";

  private readonly maxMemoryMb: number;

  constructor(maxMemoryMb: number) {
    this.maxMemoryMb = maxMemoryMb;
  }

  extract(job: ExtractionJob): Promise<Extracted> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      void this.next();
    });
  }

  private async next(): Promise<void> {
    if (this.busy || this.queue.length === 0) return;
    this.busy = true;
    clearTimeout(this.idleTimer);
    const { job, resolve, reject } = this.queue.shift()!;
    try {
      resolve(await this.run(job));
    } catch (error) {
      reject(error as Error);
    } finally {
      this.busy = false;
      if (this.queue.length === 0) this.idleTimer = setTimeout(() => this.stop(), IDLE_MS).unref();
      void this.next();
    }
  }

  private start(): Promise<ChildProcess> {
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= new Promise<ChildProcess>((resolve, reject) => {
      this.stderrTail = "";
      const child = fork(MAIN, [], {
        execArgv: [`--import=${PRELOAD}`, `--max-old-space-size=${this.maxMemoryMb}`],
        serialization: "advanced",
        stdio: ["ignore", "ignore", "pipe", "ipc"],
      });
      child.stderr!.on("data", (chunk: Buffer) => (this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2_000)));
      const failed = (why: string) => {
        this.starting = undefined;
        reject(new Error(`the extraction process did not start (${why})${this.stderrTail ? `: ${this.stderrTail.trim().split("\n").at(-1)}` : ""}`));
      };
      child.once("error", (error) => failed(error.message));
      child.once("exit", (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (this.starting) failed(signal ?? `exit code ${code}`);
      });
      child.once("message", () => {
        // The first message says the parsers are loaded.
        this.starting = undefined;
        this.child = child;
        this.idle(child);
        resolve(child);
      });
    });
    return this.starting;
  }

  /** Lets the caller exit while the process waits for work (it exits when its channel closes). */
  private idle(child: ChildProcess): void {
    child.unref();
    child.channel?.unref();
    (child.stderr as Socket | null)?.unref();
  }

  private async run(job: ExtractionJob): Promise<Extracted> {
    const child = await this.start().catch((error: Error) => {
      throw new CorpusError(job.rel, `could not be read: ${error.message}`, { cause: error });
    });
    child.ref();
    child.channel?.ref();
    return new Promise<Extracted>((resolve, reject) => {
      let killedFor: "EXTRACT_TIMEOUT_MS" | "EXTRACT_MAX_MEMORY_MB" | undefined;
      const kill = (setting: typeof killedFor) => {
        killedFor ??= setting;
        child.kill("SIGKILL");
      };
      const timer = setTimeout(() => kill("EXTRACT_TIMEOUT_MS"), job.limits.timeoutMs);
      const watch = setInterval(() => residentMb(child.pid) > this.maxMemoryMb && kill("EXTRACT_MAX_MEMORY_MB"), WATCH_MS);
      const done = () => {
        clearTimeout(timer);
        clearInterval(watch);
        child.off("message", onReply);
        child.off("exit", onExit);
        this.idle(child);
      };
      const onReply = (reply: ExtractionReply) => {
        done();
        // A document that left the process holding much of its budget: the next one gets a fresh process.
        if (residentMb(child.pid) > this.maxMemoryMb / 2) this.stop();
        if ("error" in reply) reject(revive(reply.error, job.rel));
        else resolve(reply.extracted);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        done();
        const outOfHeap = signal === "SIGABRT" || code === 134 || /heap limit|out of memory/i.test(this.stderrTail);
        const setting = killedFor ?? (outOfHeap ? "EXTRACT_MAX_MEMORY_MB" : undefined);
        if (setting === "EXTRACT_TIMEOUT_MS") reject(new DocumentLimitError(job.rel, setting, `took longer than ${job.limits.timeoutMs} ms to read`, 422));
        else if (setting) reject(new DocumentLimitError(job.rel, setting, `needs more than ${this.maxMemoryMb} MB of memory to read`, 422));
        else reject(new CorpusError(job.rel, `could not be read: the extraction process stopped (${signal ?? `exit code ${code}`}); nothing was added`));
      };
      child.on("message", onReply);
      child.once("exit", onExit);
      child.send(job);
    });
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    child?.kill();
  }
}

const processes = new Map<number, ExtractionProcess>();

/** Extracts one document in the extraction process for its memory limit (started on first use). */
export function extractIsolated(format: Format, bytes: Buffer, rel: string, limits: ExtractLimits): Promise<Extracted> {
  let extractor = processes.get(limits.maxMemoryMb);
  if (!extractor) processes.set(limits.maxMemoryMb, (extractor = new ExtractionProcess(limits.maxMemoryMb)));
  return extractor.extract({ format, bytes, rel, limits });
}

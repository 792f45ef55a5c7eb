import { Worker } from "node:worker_threads";
import type { LexicalHit, LexicalIndex } from "./lexical.ts";

/**
 * The lexical index searched on a thread of its own. A query's BM25 search (SQLite FTS5, tens of
 * milliseconds on a large corpus) and its embedding (the model, on the main thread) are the two
 * costs of retrieval; on separate threads they run at the same time, so a search waits for the
 * slower of the two rather than their sum. The thread opens the file itself (lexical-sqlite.ts),
 * which also takes loading its vocabulary off the main thread while the rest of the index loads.
 */

export type LexicalWorkerRequest = { id: number; query: string; k: number };
export type LexicalWorkerReply = { id: number; hits: LexicalHit[] } | { id: number; error: string };
/** The thread's first message: the index opened (with its size) or why it could not be. */
export type LexicalWorkerOpened = { opened: true; size: number } | { opened: false; error: string };

const ENTRY = new URL("./lexical-worker-entry.mjs", import.meta.url);

type Pending = { resolve: (hits: LexicalHit[]) => void; reject: (error: Error) => void };

class WorkerLexicalIndex implements LexicalIndex {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;
  private closed = false;

  private readonly worker: Worker;
  readonly size: number;
  private readonly file: string;

  constructor(
    worker: Worker,
    size: number,
    file: string,
  ) {
    this.worker = worker;
    this.size = size;
    this.file = file;
    worker.on("message", (reply: LexicalWorkerReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ("error" in reply) waiting?.reject(new Error(`lexical search in ${file} failed: ${reply.error}`));
      else waiting?.resolve(reply.hits);
    });
    worker.on("error", (error) => this.fail(new Error(`the lexical search thread for ${file} crashed: ${error.message}`, { cause: error })));
    worker.on("exit", (code) => {
      if (!this.closed) this.fail(new Error(`the lexical search thread for ${file} stopped (exit code ${code})`));
    });
    // Searches in flight keep the process alive; an idle index does not hold it open.
    worker.unref();
  }

  search(query: string, k: number): Promise<LexicalHit[]> {
    if (this.closed) return Promise.reject(new Error(`the lexical index ${this.file} is closed`));
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<LexicalHit[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, query, k } satisfies LexicalWorkerRequest);
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error(`the lexical index ${this.file} was closed during a search`));
    void this.worker.terminate();
  }
}

/** Opens the lexical index in `file` on a new thread; rejects, naming the file, if it cannot be opened there. */
export function openLexicalIndexInWorker(file: string): Promise<LexicalIndex> {
  const worker = new Worker(ENTRY, { workerData: { file }, stdout: false, stderr: false });
  return new Promise<LexicalIndex>((resolve, reject) => {
    const onError = (error: Error) => reject(new Error(`cannot open the lexical index ${file}: its thread failed: ${error.message}`, { cause: error }));
    const onExit = (code: number) => reject(new Error(`cannot open the lexical index ${file}: its thread stopped (exit code ${code})`));
    worker.once("error", onError);
    worker.once("exit", onExit);
    worker.once("message", (message: LexicalWorkerOpened) => {
      worker.off("error", onError);
      worker.off("exit", onExit);
      if (message.opened) resolve(new WorkerLexicalIndex(worker, message.size, file));
      else {
        void worker.terminate();
        reject(new Error(message.error));
      }
    });
  });
}

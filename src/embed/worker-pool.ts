import { Worker } from "node:worker_threads";
import { IndexError } from "../errors.ts";
import { lengthSortedBatches, type VectorRows, type WorkerRecipe } from "./embedder.ts";

/** A batch for a worker (src/embed/embed-worker.ts) and its answer. */
export interface WorkerRequest {
  id: number;
  texts: string[];
}
export type WorkerReply = { id: number; rows: Float32Array; dimensions: number } | { id: number; error: string };

const ENTRY = new URL("./worker-entry.mjs", import.meta.url);

interface Job {
  texts: string[];
  rows?: Float32Array;
  dimensions: number;
  batches: number[][];
  next: number;
  done: number;
  inFlight: Map<number, number[]>;
  onBatch?: (done: number) => void;
  resolve: (rows: VectorRows) => void;
  reject: (error: Error) => void;
}

/**
 * Embeds on every core: `size` worker threads, each loading the model once, fed length-sorted
 * batches one at a time (a worker asks for the next batch when it answers, so short and long
 * batches balance themselves). Used by ingest only; queries keep the in-process embedder.
 * A worker that throws or dies fails the whole call with an error naming the worker; the pool
 * is then broken and must be closed (ingest closes it in every case).
 */
export class EmbedWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private job: Job | undefined;
  private failure: Error | undefined;
  private closing = false;
  private nextId = 0;

  private readonly recipe: WorkerRecipe;
  private readonly maxBatch: number;

  private constructor(
    recipe: WorkerRecipe,
    size: number,
    maxBatch: number,
  ) {
    this.recipe = recipe;
    this.maxBatch = maxBatch;
    this.grow(size);
  }

  /** Starts `size` workers that each build the embedder `recipe` names; batches hold up to `maxBatch` texts. */
  static start(recipe: WorkerRecipe, size: number, maxBatch: number): EmbedWorkerPool {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`an embedding pool needs at least one worker, not ${size}`);
    return new EmbedWorkerPool(recipe, size, maxBatch);
  }

  /** How many workers the pool runs. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts workers until the pool runs `size` of them (never fewer than it has). Ingest starts one
   * worker early, while documents are still being chunked, and grows the pool once it knows how
   * much there is to embed; a new worker takes batches as soon as its model is loaded.
   */
  grow(size: number): void {
    if (this.closing) throw new IndexError("the embedding pool is closed");
    while (this.workers.length < size) {
      const worker = new Worker(ENTRY, { workerData: this.recipe, stdout: false, stderr: false });
      const name = () => `embedding worker ${this.workers.indexOf(worker) + 1} of ${this.size}`;
      worker.on("message", (reply: WorkerReply) => this.onReply(worker, reply));
      worker.on("error", (error) => this.fail(new IndexError(`${name()} crashed: ${error.message}`, { cause: error })));
      worker.on("messageerror", (error) => this.fail(new IndexError(`${name()} sent an unreadable message: ${error.message}`, { cause: error })));
      worker.on("exit", (code) => {
        if (!this.closing) this.fail(new IndexError(`${name()} stopped (exit code ${code}) while ingest still needed it`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
    const job = this.job;
    while (job && this.idle.length && job.next < job.batches.length) this.send(job, this.idle.pop()!);
  }

  /** Embeds `texts`; row i of the result is the vector of texts[i]. One call at a time. */
  embedAll(texts: string[], onBatch?: (done: number) => void): Promise<VectorRows> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new IndexError("the embedding pool is closed"));
    if (this.job) return Promise.reject(new Error("EmbedWorkerPool.embedAll: one call at a time"));
    if (texts.length === 0) return Promise.resolve({ rows: new Float32Array(0), dimensions: 0 });
    return new Promise<VectorRows>((resolve, reject) => {
      const job: Job = { texts, batches: lengthSortedBatches(texts, this.maxBatch), next: 0, done: 0, dimensions: 0, inFlight: new Map(), onBatch, resolve, reject };
      this.job = job;
      while (this.idle.length && job.next < job.batches.length) this.send(job, this.idle.pop()!);
    });
  }

  /** Gives `worker` the job's next batch. */
  private send(job: Job, worker: Worker): void {
    const batch = job.batches[job.next++]!;
    const id = this.nextId++;
    job.inFlight.set(id, batch);
    worker.postMessage({ id, texts: batch.map((i) => job.texts[i]!) } satisfies WorkerRequest);
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    const job = this.job;
    const batch = job?.inFlight.get(reply.id);
    if (!job || !batch) return; // an answer to a call that already failed
    job.inFlight.delete(reply.id);
    if ("error" in reply) {
      const n = this.workers.indexOf(worker) + 1;
      this.fail(new IndexError(`embedding worker ${n} of ${this.size} failed on a batch of ${batch.length} texts: ${reply.error}`));
      return;
    }
    if (!job.rows) {
      job.dimensions = reply.dimensions;
      job.rows = new Float32Array(job.batches.reduce((n, b) => n + b.length, 0) * reply.dimensions);
    }
    if (reply.dimensions !== job.dimensions || reply.rows.length !== batch.length * job.dimensions) {
      this.fail(new IndexError(`embedding worker returned ${reply.rows.length / Math.max(1, reply.dimensions)} vectors of ${reply.dimensions} dimensions for ${batch.length} texts (expected ${job.dimensions})`));
      return;
    }
    batch.forEach((i, n) => job.rows!.set(reply.rows.subarray(n * job.dimensions, (n + 1) * job.dimensions), i * job.dimensions));
    job.done += batch.length;
    job.onBatch?.(job.done);
    if (job.next < job.batches.length) this.send(job, worker);
    else {
      this.idle.push(worker);
      if (job.inFlight.size === 0) {
        this.job = undefined;
        job.resolve({ rows: job.rows, dimensions: job.dimensions });
      }
    }
  }

  private fail(error: Error): void {
    if (this.closing) return;
    this.failure ??= error;
    const job = this.job;
    this.job = undefined;
    job?.reject(this.failure);
  }

  /** Stops every worker; safe to call more than once, and after a failure. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const job = this.job;
    this.job = undefined;
    job?.reject(new IndexError("the embedding pool was closed while embedding"));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

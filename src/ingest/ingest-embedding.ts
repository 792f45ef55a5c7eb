import type { Settings } from "../config/settings.ts";
import { embedRows, type Embedder, type VectorRows } from "../embed/embedder.ts";
import { EmbedWorkerPool } from "../embed/worker-pool.ts";

/**
 * Below this many batches, starting worker threads (each loads the model: ~0.4 s) costs more
 * than it saves, unless one was started early (see anticipate): a few texts embed in this thread.
 */
const MIN_BATCHES_FOR_WORKERS = 4;

/**
 * Where one ingest embeds the texts its vector cache lacks: on EMBED_WORKERS worker threads when
 * the embedder can run in one (a local model), else in this thread. Owns its worker pool, which
 * `close` stops whatever happened (ingest calls it in a finally).
 */
export class IngestEmbedding {
  private pool: EmbedWorkerPool | undefined;

  private readonly settings: Settings;
  private readonly embedder: Embedder;

  constructor(
    settings: Settings,
    embedder: Embedder,
  ) {
    this.settings = settings;
    this.embedder = embedder;
  }

  /** What the embedder declares (rows carry their own length). */
  get dimensions(): number {
    return this.embedder.dimensions;
  }

  private get workersAllowed(): boolean {
    return Boolean(this.embedder.inWorker) && this.settings.EMBED_WORKERS > 0;
  }

  /**
   * A changed document brought texts the vector cache lacks: one worker starts now and loads
   * the model on another core while this thread chunks the rest and writes the index files that
   * need no vectors. A one-file re-ingest then finds the model loaded instead of loading it after
   * chunking (0.3-0.5 s of its ~1 s at 100x).
   */
  anticipate(): void {
    if (this.pool || !this.workersAllowed) return;
    this.pool = EmbedWorkerPool.start(this.embedder.inWorker!, 1, this.embedder.maxBatch);
  }

  /** Row i of the result is the vector of texts[i]. */
  async embed(texts: string[], onBatch: (done: number) => void): Promise<VectorRows> {
    if (texts.length === 0) return { rows: new Float32Array(0), dimensions: this.embedder.dimensions };
    const { maxBatch } = this.embedder;
    const small = texts.length <= maxBatch * MIN_BATCHES_FOR_WORKERS;
    if (!this.workersAllowed || (small && !this.pool)) return embedRows(this.embedder, texts, onBatch);
    const workers = small ? 1 : Math.min(this.settings.EMBED_WORKERS, Math.ceil(texts.length / maxBatch));
    if (this.pool) this.pool.grow(workers);
    else this.pool = EmbedWorkerPool.start(this.embedder.inWorker!, workers, maxBatch);
    return this.pool.embedAll(texts, onBatch);
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

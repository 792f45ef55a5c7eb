import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "./files.ts";

const cacheSchema = z.object({ embedder: z.string(), vectors: z.record(z.string(), z.array(z.number())) });

/** Vectors by content hash for one embedder: this file cache, or PostgreSQL's (src/store/postgres.ts). */
export interface VectorCacheStore {
  get(hash: string): number[] | undefined;
  set(hash: string, vector: number[]): void;
  /** Persists the vectors of `keep` (the current corpus). */
  save(keep: Iterable<string>): Promise<void>;
}

/**
 * Vectors by content hash, one file per embedder, so re-ingest embeds only new or changed
 * chunks. A cache that cannot be read is ignored (it only costs time), never trusted.
 */
export class VectorCache implements VectorCacheStore {
  private constructor(
    private readonly file: string,
    private readonly embedderId: string,
    private readonly vectors: Map<string, number[]>,
  ) {}

  static async open(dataDir: string, embedderId: string): Promise<VectorCache> {
    const file = path.join(dataDir, "vectors", `${embedderId.replace(/[^a-zA-Z0-9._-]+/g, "_")}.json`);
    let vectors = new Map<string, number[]>();
    try {
      const parsed = cacheSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
      if (parsed.success && parsed.data.embedder === embedderId) vectors = new Map(Object.entries(parsed.data.vectors));
    } catch {
      // Missing or unreadable: start empty.
    }
    return new VectorCache(file, embedderId, vectors);
  }

  get(hash: string): number[] | undefined {
    return this.vectors.get(hash);
  }

  set(hash: string, vector: number[]): void {
    this.vectors.set(hash, vector);
  }

  /** Persists only the given hashes (the current corpus), so the cache cannot grow without bound. */
  async save(keep: Iterable<string>): Promise<void> {
    const vectors: Record<string, number[]> = {};
    for (const hash of keep) {
      const v = this.vectors.get(hash);
      if (v) vectors[hash] = v;
    }
    await writeFileAtomic(this.file, JSON.stringify({ embedder: this.embedderId, vectors }));
  }
}

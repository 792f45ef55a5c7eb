import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "./files.ts";

/** Vectors by content hash for one embedder: this file cache, or PostgreSQL's (src/store/postgres.ts). */
export interface VectorCacheStore {
  get(hash: string): number[] | undefined;
  set(hash: string, vector: number[]): void;
  /** Persists the vectors of `keep` (the current corpus). */
  save(keep: Iterable<string>): Promise<void>;
}

/**
 * The cache file: MAGIC, a little-endian uint32 header length, the header (JSON: embedder id,
 * dimensions, the content hashes in row order), then one little-endian float32 row per hash.
 * About 2 KB per 512-d vector, against 10.7 KB as JSON, whose one big string also passed V8's
 * string limit at ~50,000 texts.
 */
const MAGIC = Buffer.from("KPOVEC1\n", "ascii");
const headerSchema = z.object({ embedder: z.string(), dimensions: z.number().int().nonnegative(), hashes: z.array(z.string()) });
/** The cache as JSON, as written before the binary form; read once to migrate, then removed. */
const legacySchema = z.object({ embedder: z.string(), vectors: z.record(z.string(), z.array(z.number())) });

/**
 * Vectors by content hash, one file per embedder, so re-ingest embeds only new or changed
 * chunks. A cache that cannot be read is ignored (it only costs time), never trusted. Vectors
 * are kept as float32 rows (what the model computes and what the index stores).
 */
export class VectorCache implements VectorCacheStore {
  private constructor(
    private readonly file: string,
    private readonly legacyFile: string,
    private readonly embedderId: string,
    private readonly vectors: Map<string, Float32Array>,
  ) {}

  static async open(dataDir: string, embedderId: string): Promise<VectorCache> {
    const base = path.join(dataDir, "vectors", embedderId.replace(/[^a-zA-Z0-9._-]+/g, "_"));
    const file = `${base}.vectors`;
    const legacyFile = `${base}.json`;
    const vectors = (await readBinary(file, embedderId)) ?? (await readLegacy(legacyFile, embedderId)) ?? new Map<string, Float32Array>();
    return new VectorCache(file, legacyFile, embedderId, vectors);
  }

  get(hash: string): number[] | undefined {
    const v = this.vectors.get(hash);
    return v && Array.from(v);
  }

  set(hash: string, vector: number[]): void {
    this.vectors.set(hash, Float32Array.from(vector));
  }

  /** Persists only the given hashes (the current corpus), so the cache cannot grow without bound. */
  async save(keep: Iterable<string>): Promise<void> {
    const hashes = [...new Set(keep)].filter((h) => this.vectors.has(h));
    const dimensions = hashes.length > 0 ? this.vectors.get(hashes[0]!)!.length : 0;
    const rows = new Float32Array(hashes.length * dimensions);
    hashes.forEach((h, i) => {
      const v = this.vectors.get(h)!;
      if (v.length !== dimensions) throw new Error(`vector cache ${this.file}: a vector of ${v.length} dimensions among ${dimensions}-dimension vectors`);
      rows.set(v, i * dimensions);
    });
    const header = Buffer.from(JSON.stringify({ embedder: this.embedderId, dimensions, hashes }), "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    await writeFileAtomic(this.file, Buffer.concat([MAGIC, length, header, littleEndian(rows)]));
    // Migrated: the JSON form is no longer read once the binary file exists.
    await rm(this.legacyFile, { force: true });
  }
}

async function readBinary(file: string, embedderId: string): Promise<Map<string, Float32Array> | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return undefined; // missing: try the JSON form, or start empty
  }
  try {
    if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return new Map();
    const headerLength = bytes.readUInt32LE(MAGIC.length);
    const rowsAt = MAGIC.length + 4 + headerLength;
    const parsed = headerSchema.safeParse(JSON.parse(bytes.subarray(MAGIC.length + 4, rowsAt).toString("utf8")));
    if (!parsed.success || parsed.data.embedder !== embedderId) return new Map();
    const { dimensions, hashes } = parsed.data;
    if (bytes.length - rowsAt !== hashes.length * dimensions * 4) return new Map();
    const vectors = new Map<string, Float32Array>();
    hashes.forEach((h, i) => {
      const row = new Float32Array(dimensions);
      for (let d = 0; d < dimensions; d++) row[d] = bytes.readFloatLE(rowsAt + (i * dimensions + d) * 4);
      vectors.set(h, row);
    });
    return vectors;
  } catch {
    return new Map(); // unreadable: start empty rather than trust it
  }
}

async function readLegacy(file: string, embedderId: string): Promise<Map<string, Float32Array> | undefined> {
  try {
    const parsed = legacySchema.safeParse(JSON.parse(await readFile(file, "utf8")));
    if (!parsed.success || parsed.data.embedder !== embedderId) return undefined;
    return new Map(Object.entries(parsed.data.vectors).map(([h, v]) => [h, Float32Array.from(v)]));
  } catch {
    return undefined;
  }
}

function littleEndian(rows: Float32Array): Buffer {
  const out = Buffer.alloc(rows.length * 4);
  for (let i = 0; i < rows.length; i++) out.writeFloatLE(rows[i]!, i * 4);
  return out;
}

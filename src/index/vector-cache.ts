import { open, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomicWith } from "./files.ts";

/** Vectors by content hash for one embedder: this file cache, or PostgreSQL's (src/store/postgres.ts). */
export interface VectorCacheStore {
  get(hash: string): Float32Array | undefined;
  set(hash: string, vector: ArrayLike<number>): void;
  /** Persists the vectors of `keep` (the current corpus). */
  save(keep: Iterable<string>): Promise<void>;
}

/**
 * The cache file is an append-only log: MAGIC, a little-endian uint32 header length, the header
 * (JSON: embedder id, dimensions) padded to 4 bytes, then records, each a uint32 key length, the
 * key (UTF-8) padded to 4 bytes, and one float32 row. New vectors are appended (one new document
 * writes its own vectors, not the corpus's); the file is rewritten whole only when rows no
 * longer used outnumber the rest. Every row is 4-byte aligned, so loading is one read and a
 * Float32Array view per row, no per-float decoding. A crash mid-append leaves a partial last
 * record, which is ignored and overwritten by the next save.
 */
const MAGIC = Buffer.from("KPOVEC2\n", "ascii");
const headerSchema = z.object({ embedder: z.string(), dimensions: z.number().int().nonnegative() });
/** The earlier binary form (all hashes in the header, then the rows); read once, then rewritten. */
const MAGIC_V1 = Buffer.from("KPOVEC1\n", "ascii");
const headerV1Schema = headerSchema.extend({ hashes: z.array(z.string()) });
/** The cache as JSON, as written before the binary form; read once to migrate, then removed. */
const legacySchema = z.object({ embedder: z.string(), vectors: z.record(z.string(), z.array(z.number())) });

const pad4 = (n: number) => (4 - (n % 4)) % 4;

if (os.endianness() !== "LE") {
  // Rows are read as Float32Array views, which use the platform's byte order.
  throw new Error("the vector cache and the index's sentence vectors are little-endian float32; this platform is big-endian");
}

interface Loaded {
  vectors: Map<string, Float32Array>;
  /** Keys whose rows are in the file as it is. */
  stored: Set<string>;
  dimensions: number;
  /** Bytes of the file that hold complete records (the next append goes there). */
  validLength: number;
  /** The file must be rewritten whole at the next save (an older form, or none). */
  rewrite: boolean;
}

/**
 * Vectors by content hash, one file per embedder, so re-ingest embeds only new or changed
 * texts. A cache that cannot be read is ignored (it only costs time), never trusted. Vectors
 * are float32 rows (what the model computes and what the index stores).
 */
export class VectorCache implements VectorCacheStore {
  private readonly file: string;
  private readonly legacyFile: string;
  private readonly embedderId: string;
  private state: Loaded;

  private constructor(
    file: string,
    legacyFile: string,
    embedderId: string,
    state: Loaded,
  ) {
    this.file = file;
    this.legacyFile = legacyFile;
    this.embedderId = embedderId;
    this.state = state;
  }

  static async open(dataDir: string, embedderId: string): Promise<VectorCache> {
    const base = path.join(dataDir, "vectors", embedderId.replace(/[^a-zA-Z0-9._-]+/g, "_"));
    const file = `${base}.vectors`;
    const legacyFile = `${base}.json`;
    const state = (await readLog(file, embedderId)) ?? (await readLegacy(legacyFile, embedderId)) ?? empty();
    return new VectorCache(file, legacyFile, embedderId, state);
  }

  /** How many vectors the cache holds. */
  get size(): number {
    return this.state.vectors.size;
  }

  get(hash: string): Float32Array | undefined {
    return this.state.vectors.get(hash);
  }

  set(hash: string, vector: ArrayLike<number>): void {
    this.state.vectors.set(hash, vector instanceof Float32Array ? vector : Float32Array.from(vector));
  }

  /**
   * Persists the kept vectors not yet in the file (appended), or rewrites the file with only
   * the kept ones when it holds more unused rows than used ones, so it cannot grow without bound.
   */
  async save(keep: Iterable<string>): Promise<void> {
    const { vectors, stored } = this.state;
    const kept = [...new Set(keep)].filter((h) => vectors.has(h));
    const dimensions = this.state.dimensions || (kept.length > 0 ? vectors.get(kept[0]!)!.length : 0);
    for (const h of kept) {
      const v = vectors.get(h)!;
      if (v.length !== dimensions) throw new Error(`vector cache ${this.file}: a vector of ${v.length} dimensions among ${dimensions}-dimension vectors`);
    }
    const fresh = kept.filter((h) => !stored.has(h));
    const live = kept.length - fresh.length;
    if (this.state.rewrite || stored.size - live > Math.max(live, 1_000) || this.state.dimensions === 0) {
      const length = await writeAtomicInBlocks(this.file, [headerBytes(this.embedderId, dimensions)], kept, (h) => recordBytes(h, vectors.get(h)!));
      this.state = { ...this.state, stored: new Set(kept), dimensions, validLength: length, rewrite: false };
    } else if (fresh.length > 0) {
      const bytes = Buffer.concat(fresh.map((h) => recordBytes(h, vectors.get(h)!)));
      const handle = await open(this.file, "r+");
      try {
        await handle.truncate(this.state.validLength); // drops a partial record a crash left
        await handle.write(bytes, 0, bytes.length, this.state.validLength);
        await handle.sync();
      } finally {
        await handle.close();
      }
      for (const h of fresh) stored.add(h);
      this.state.validLength += bytes.length;
    }
    // Migrated: the JSON form is no longer read once the binary file exists.
    await rm(this.legacyFile, { force: true });
  }
}

/**
 * Writes the head buffers then one record per item through a temp file renamed over `file`, in
 * blocks of about 4 MB: a rewrite never holds a second copy of every vector. Returns the length.
 */
async function writeAtomicInBlocks(file: string, head: Buffer[], items: string[], record: (item: string) => Buffer): Promise<number> {
  let length = 0;
  await writeFileAtomicWith(file, async (handle) => {
    let block: Buffer[] = [...head];
    let size = block.reduce((n, b) => n + b.length, 0);
    const flush = async () => {
      const bytes = Buffer.concat(block);
      await handle.write(bytes, 0, bytes.length, length);
      length += bytes.length;
      block = [];
      size = 0;
    };
    for (const item of items) {
      const bytes = record(item);
      block.push(bytes);
      size += bytes.length;
      if (size >= 4 << 20) await flush();
    }
    await flush();
  });
  return length;
}

function empty(): Loaded {
  return { vectors: new Map(), stored: new Set(), dimensions: 0, validLength: 0, rewrite: true };
}

function headerBytes(embedderId: string, dimensions: number): Buffer {
  const json = Buffer.from(JSON.stringify({ embedder: embedderId, dimensions }), "utf8");
  const length = Buffer.alloc(4);
  const padded = Buffer.concat([json, Buffer.alloc(pad4(MAGIC.length + 4 + json.length), " ")]);
  length.writeUInt32LE(padded.length);
  return Buffer.concat([MAGIC, length, padded]);
}

function recordBytes(hash: string, vector: Float32Array): Buffer {
  const key = Buffer.from(hash, "utf8");
  const head = Buffer.alloc(4 + key.length + pad4(key.length));
  head.writeUInt32LE(key.length);
  key.copy(head, 4);
  return Buffer.concat([head, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength)]);
}

/** The file's bytes in a buffer whose start is 4-byte aligned, so rows can be Float32Array views. */
async function readAligned(file: string): Promise<Buffer | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return undefined; // missing: try the JSON form, or start empty
  }
  if (bytes.byteOffset % 4 === 0) return bytes;
  const copy = Buffer.from(new ArrayBuffer(bytes.length));
  bytes.copy(copy);
  return copy;
}

async function readLog(file: string, embedderId: string): Promise<Loaded | undefined> {
  const bytes = await readAligned(file);
  if (!bytes) return undefined;
  try {
    if (bytes.length >= MAGIC_V1.length && bytes.subarray(0, MAGIC_V1.length).equals(MAGIC_V1)) return readV1(bytes, embedderId);
    if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return empty();
    const headerLength = bytes.readUInt32LE(MAGIC.length);
    let at = MAGIC.length + 4 + headerLength;
    const parsed = headerSchema.safeParse(JSON.parse(bytes.subarray(MAGIC.length + 4, at).toString("utf8")));
    if (!parsed.success || parsed.data.embedder !== embedderId || at % 4 !== 0) return empty();
    const { dimensions } = parsed.data;
    const vectors = new Map<string, Float32Array>();
    while (at + 4 <= bytes.length) {
      const keyLength = bytes.readUInt32LE(at);
      const rowAt = at + 4 + keyLength + pad4(keyLength);
      if (keyLength === 0 || keyLength > 1024 || rowAt + dimensions * 4 > bytes.length) break; // a partial last record
      vectors.set(bytes.toString("utf8", at + 4, at + 4 + keyLength), new Float32Array(bytes.buffer, bytes.byteOffset + rowAt, dimensions));
      at = rowAt + dimensions * 4;
    }
    return { vectors, stored: new Set(vectors.keys()), dimensions, validLength: at, rewrite: false };
  } catch {
    return empty(); // unreadable: start empty rather than trust it
  }
}

function readV1(bytes: Buffer, embedderId: string): Loaded {
  const headerLength = bytes.readUInt32LE(MAGIC_V1.length);
  const rowsAt = MAGIC_V1.length + 4 + headerLength;
  const parsed = headerV1Schema.safeParse(JSON.parse(bytes.subarray(MAGIC_V1.length + 4, rowsAt).toString("utf8")));
  if (!parsed.success || parsed.data.embedder !== embedderId) return empty();
  const { dimensions, hashes } = parsed.data;
  if (bytes.length - rowsAt !== hashes.length * dimensions * 4) return empty();
  const rows = new Float32Array(hashes.length * dimensions);
  Buffer.from(rows.buffer).set(bytes.subarray(rowsAt));
  return { ...empty(), vectors: new Map(hashes.map((h, i) => [h, rows.subarray(i * dimensions, (i + 1) * dimensions)])) };
}

async function readLegacy(file: string, embedderId: string): Promise<Loaded | undefined> {
  try {
    const parsed = legacySchema.safeParse(JSON.parse(await readFile(file, "utf8")));
    if (!parsed.success || parsed.data.embedder !== embedderId) return undefined;
    return { ...empty(), vectors: new Map(Object.entries(parsed.data.vectors).map(([h, v]) => [h, Float32Array.from(v)])) };
  } catch {
    return undefined;
  }
}


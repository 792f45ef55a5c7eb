import { open, readFile } from "node:fs/promises";
import path from "node:path";

/** The index file of the sentence vectors: int8 rows, then a float32 scale and a float32 norm per row. */
export const SENTENCE_VECTORS_FILE = "sentences.q8";
/** What indexes built before SENTENCE_VECTORS_FILE hold instead: float32 rows. */
export const LEGACY_SENTENCE_VECTORS_FILE = "sentences.f32";

/**
 * The sentence vectors answers compare questions with, as int8 rows (each scaled by its largest
 * component) with one norm per row: a quarter of float32, 70 MB instead of 280 MB at 1000x,
 * where they were the server's largest allocation. Cosine over the int8 rows differs from float32
 * by at most 0.0008 (mean 0.0001), measured for 30 dev questions against every sentence of the
 * real corpus, with the same best sentence for each. Quantised once, at ingest; the file is read
 * into memory as it is. A row may be missing (a large corpus embeds its sentences when an answer
 * first needs them): it reads as similarity 0 until `set` fills it.
 */
export class SentenceVectors {
  readonly dimensions: number;
  private readonly rows: Int8Array;
  /** Per row: the factor that turns its int8 values back into the float ones. */
  private readonly scales: Float32Array;
  /** Per row: the length of its int8 vector (cosine needs no scale, only this). */
  private readonly norms: Float32Array;

  private constructor(
    dimensions: number,
    rows: Int8Array,
    scales: Float32Array,
    norms: Float32Array,
  ) {
    this.dimensions = dimensions;
    this.rows = rows;
    this.scales = scales;
    this.norms = norms;
  }

  static empty(dimensions: number, count: number): SentenceVectors {
    return new SentenceVectors(dimensions, new Int8Array(count * dimensions), new Float32Array(count), new Float32Array(count));
  }

  get count(): number {
    return this.norms.length;
  }

  /** Stores `floats` (one row of `dimensions` values) quantised as row `row`. */
  set(row: number, floats: ArrayLike<number>): void {
    const d = this.dimensions;
    if (floats.length !== d) throw new Error(`a vector of ${floats.length} dimensions among ${d}-dimension vectors`);
    let max = 0;
    for (let i = 0; i < d; i++) {
      const v = floats[i]!;
      const a = v < 0 ? -v : v;
      if (a > max) max = a;
    }
    const scale = max ? 127 / max : 0;
    const at = row * d;
    let norm = 0;
    for (let i = 0; i < d; i++) {
      const q = Math.round(floats[i]! * scale);
      this.rows[at + i] = q;
      norm += q * q;
    }
    this.scales[row] = scale ? 1 / scale : 0;
    this.norms[row] = Math.sqrt(norm);
  }

  /** A row not embedded yet (the index left it to be embedded when an answer first needs it). */
  isMissing(row: number): boolean {
    return this.norms[row]! < 0;
  }

  private markMissing(row: number): void {
    this.rows.fill(0, row * this.dimensions, (row + 1) * this.dimensions);
    this.scales[row] = 0;
    this.norms[row] = MISSING;
  }

  /**
   * Writes float32 rows quantised: the int8 rows in blocks of about 1 MB (never a copy of them
   * all: ingest holds the float rows already), then the scales and the norms. An undefined row is
   * written as missing (zeros, norm -1).
   */
  static async write(file: string, rows: readonly (Float32Array | undefined)[], dimensions: number): Promise<void> {
    const perBlock = Math.max(1, Math.floor((1 << 20) / Math.max(1, dimensions)));
    const block = SentenceVectors.empty(dimensions, perBlock);
    const scales = new Float32Array(rows.length);
    const norms = new Float32Array(rows.length);
    const handle = await open(file, "w");
    try {
      for (let first = 0; first < rows.length; first += perBlock) {
        const n = Math.min(perBlock, rows.length - first);
        for (let r = 0; r < n; r++) {
          const floats = rows[first + r];
          if (floats) block.set(r, floats);
          else block.markMissing(r);
          scales[first + r] = block.scales[r]!;
          norms[first + r] = block.norms[r]!;
        }
        await handle.write(block.rows.subarray(0, n * dimensions));
      }
      await handle.write(padding(rows.length * dimensions));
      await handle.write(new Uint8Array(scales.buffer));
      await handle.write(new Uint8Array(norms.buffer));
    } finally {
      await handle.close();
    }
  }

  /**
   * Loads the `count` sentence vectors of the index in `dir`: SENTENCE_VECTORS_FILE as it is, or an
   * older index's float32 rows quantised while read in blocks of about 1 MB (never all in memory
   * as floats). Throws naming the file when it holds another number of rows.
   */
  static async load(dir: string, dimensions: number, count: number): Promise<SentenceVectors> {
    const file = path.join(dir, SENTENCE_VECTORS_FILE);
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (!bytes) return SentenceVectors.readFloat32(path.join(dir, LEGACY_SENTENCE_VECTORS_FILE), dimensions, count);
    const rowBytes = count * dimensions;
    const floatsAt = rowBytes + padding(rowBytes).length;
    if (bytes.byteLength !== floatsAt + 8 * count) throw new Error(`${SENTENCE_VECTORS_FILE} does not hold the ${count} sentence vectors the chunks have`);
    // Aligned copies of the two float arrays (small); the int8 rows stay a view of the file's bytes.
    const floats = new Float32Array(new Uint8Array(bytes.subarray(floatsAt)).buffer);
    return new SentenceVectors(dimensions, new Int8Array(bytes.buffer, bytes.byteOffset, rowBytes), floats.subarray(0, count), floats.subarray(count));
  }

  private static async readFloat32(file: string, dimensions: number, count: number): Promise<SentenceVectors> {
    const handle = await open(file, "r");
    try {
      const { size } = await handle.stat();
      if (size !== count * dimensions * 4) throw new Error(`${path.basename(file)} holds ${size / (dimensions * 4)} sentence vectors where the chunks have ${count} sentences`);
      const vectors = SentenceVectors.empty(dimensions, count);
      const perBlock = Math.max(1, Math.floor((1 << 20) / (4 * dimensions)));
      const block = new Float32Array(perBlock * dimensions);
      for (let first = 0; first < count; first += perBlock) {
        const n = Math.min(perBlock, count - first);
        const bytes = new Uint8Array(block.buffer, 0, n * dimensions * 4);
        const { bytesRead } = await handle.read(bytes, 0, bytes.length, first * dimensions * 4);
        if (bytesRead !== bytes.length) throw new Error(`${path.basename(file)} ended early`);
        for (let r = 0; r < n; r++) vectors.set(first + r, block.subarray(r * dimensions, (r + 1) * dimensions));
      }
      return vectors;
    } finally {
      await handle.close();
    }
  }

  /** Cosine similarity between a query vector and row `row`. */
  cosine(query: ArrayLike<number>, row: number): number {
    const d = this.dimensions;
    const at = row * d;
    let dot = 0;
    let nq = 0;
    for (let i = 0; i < d; i++) {
      const x = query[i]!;
      dot += x * this.rows[at + i]!;
      nq += x * x;
    }
    const nr = this.norms[row]!;
    return nq && nr > 0 ? dot / Math.sqrt(nq) / nr : 0;
  }

  /** Cosine similarity between two rows. */
  between(a: number, b: number): number {
    const d = this.dimensions;
    let dot = 0;
    for (let i = 0; i < d; i++) dot += this.rows[a * d + i]! * this.rows[b * d + i]!;
    const n = this.norms[a]! * this.norms[b]!;
    return n > 0 && this.norms[a]! > 0 ? dot / n : 0;
  }

  /** Row `row` as floats again (within half a quantisation step of each stored value). */
  row(row: number): Float32Array {
    const d = this.dimensions;
    const scale = this.scales[row]!;
    return Float32Array.from(this.rows.subarray(row * d, row * d + d), (q) => q * scale);
  }
}

const padding = (bytes: number) => new Uint8Array((4 - (bytes % 4)) % 4);

/** The norm a missing row is stored with (a real norm is never negative). */
const MISSING = -1;

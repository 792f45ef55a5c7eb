import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import hnswlib from "hnswlib-node";

/** What the dense index holds per chunk: its id (what retrieval returns) and content hash (what its vector is). */
export interface DenseEntry {
  id: string;
  hash: string;
  vector: Float32Array;
}

/** A docstore.json entry, as LangChain's HNSWLib writes and reads it ([label, document]). */
type StoredDocument = [string, { pageContent: string; metadata: { id: string; hash?: string } }];

/** Beyond this share of deleted points the graph is rebuilt rather than patched. */
const MAX_DELETED_SHARE = 0.2;

export interface HnswWriteReport {
  /** "reused" when the previous index's graph was patched; "built" when built from scratch. */
  mode: "reused" | "built";
  added: number;
  removed: number;
  /** The graph as written. */
  index: hnswlib.HierarchicalNSW;
  /** The label entries[i] is stored under. */
  labels: number[];
}

/**
 * Writes the dense index into `dir` in the files LangChain's HNSWLib loads (hnswlib.index,
 * docstore.json, args.json). When the previously published index (`previousDir`) was built the
 * same way, its graph is loaded and patched: points of chunks that are gone are marked deleted
 * and new chunks are added, so one changed document costs its chunks, not the corpus. Otherwise
 * (or once deleted points pass MAX_DELETED_SHARE) the graph is built from scratch. The previous
 * directory is only read, never changed.
 */
export async function writeHnsw(dir: string, entries: DenseEntry[], dimensions: number, previousDir?: string): Promise<HnswWriteReport> {
  const previous = previousDir ? await loadPrevious(previousDir, dimensions) : undefined;
  try {
    return await buildHnsw(dir, entries, dimensions, previous);
  } catch (error) {
    if (!previous) throw error;
    // A previous graph that does not match its docstore (damaged files): start over from the vectors.
    return buildHnsw(dir, entries, dimensions, undefined);
  }
}

async function buildHnsw(dir: string, entries: DenseEntry[], dimensions: number, previous: Awaited<ReturnType<typeof loadPrevious>>): Promise<HnswWriteReport> {
  const key = (id: string, hash: string) => `${id}\u0000${hash}`;
  let index: hnswlib.HierarchicalNSW;
  const docstore = new Map<number, StoredDocument[1]>();
  let added = 0;
  let removed = 0;
  let mode: HnswWriteReport["mode"] = "built";
  const wanted = new Map(entries.map((e) => [key(e.id, e.hash), e]));
  const labelOf = new Map<string, number>();
  if (previous) {
    // One pass decides, for every point of the previous graph, whether a wanted chunk keeps it.
    const kept = new Map<string, number>();
    const gone: number[] = [];
    for (const [label, doc] of previous.docstore) {
      const k = key(doc.metadata.id, doc.metadata.hash!);
      if (wanted.has(k) && !kept.has(k)) kept.set(k, Number(label));
      else gone.push(Number(label));
    }
    const deletedAfter = previous.index.getCurrentCount() - previous.docstore.length + gone.length;
    if (deletedAfter <= MAX_DELETED_SHARE * Math.max(1, entries.length)) {
      mode = "reused";
      index = previous.index;
      removed = gone.length;
      for (const label of gone) index.markDelete(label);
      for (const [k, label] of kept) {
        labelOf.set(k, label);
        docstore.set(label, document(wanted.get(k)!));
      }
      const fresh = entries.filter((e) => !kept.has(key(e.id, e.hash)));
      let label = index.getCurrentCount();
      if (label + fresh.length > index.getMaxElements()) index.resizeIndex(label + fresh.length);
      for (const e of fresh) {
        index.addPoint(Array.from(e.vector), label);
        docstore.set(label, document(e));
        labelOf.set(key(e.id, e.hash), label);
        label++;
        added++;
      }
    }
  }
  if (mode === "built") {
    index = new hnswlib.HierarchicalNSW("cosine", dimensions);
    index.initIndex(Math.max(1, entries.length));
    labelOf.clear();
    entries.forEach((e, label) => {
      index.addPoint(Array.from(e.vector), label);
      docstore.set(label, document(e));
      labelOf.set(key(e.id, e.hash), label);
    });
    added = entries.length;
  }
  await index!.writeIndex(path.join(dir, "hnswlib.index"));
  await writeFile(path.join(dir, "args.json"), JSON.stringify({ space: "cosine", numDimensions: dimensions }));
  await writeFile(path.join(dir, "docstore.json"), JSON.stringify([...docstore].map(([label, doc]) => [String(label), doc])));
  return { mode, added, removed, index: index!, labels: entries.map((e) => labelOf.get(key(e.id, e.hash))!) };
}

function document(e: DenseEntry): StoredDocument[1] {
  return { pageContent: "", metadata: { id: e.id, hash: e.hash } };
}

/** The previous graph and docstore, when they can be patched (same space and dimensions, hashes recorded). */
async function loadPrevious(dir: string, dimensions: number): Promise<{ index: hnswlib.HierarchicalNSW; docstore: StoredDocument[] } | undefined> {
  try {
    const args = JSON.parse(await readFile(path.join(dir, "args.json"), "utf8")) as { space?: string; numDimensions?: number };
    if (args.space !== "cosine" || args.numDimensions !== dimensions) return undefined;
    const docstore = JSON.parse(await readFile(path.join(dir, "docstore.json"), "utf8")) as StoredDocument[];
    if (!docstore.every(([, doc]) => typeof doc?.metadata?.id === "string" && typeof doc.metadata.hash === "string")) return undefined;
    const index = new hnswlib.HierarchicalNSW("cosine", dimensions);
    await index.readIndex(path.join(dir, "hnswlib.index"));
    return { index, docstore };
  } catch {
    return undefined; // unreadable: build from scratch
  }
}

/**
 * One embedding worker thread: builds the embedder its parent names (module + factory, see
 * Embedder.inWorker), loads it once, then embeds each batch it is sent and answers with one
 * Float32Array of rows, transferred rather than copied.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Embedder, WorkerRecipe } from "./embedder.ts";
import type { WorkerReply, WorkerRequest } from "./worker-pool.ts";

const recipe = workerData as WorkerRecipe;
const port = parentPort!;

// The model loads as soon as the worker starts, not on its first batch: a worker started ahead
// of its texts (a one-file re-ingest) is ready when they arrive.
const embedder: Promise<Embedder> = import(recipe.module).then(async (mod: Record<string, unknown>) => {
  const factory = mod[recipe.factory];
  if (typeof factory !== "function") throw new Error(`${recipe.module} has no export ${recipe.factory}()`);
  const built = (factory as (...args: unknown[]) => Embedder)(...(recipe.args ?? []));
  await built.load?.();
  return built;
});
embedder.catch(() => undefined); // reported on each batch instead

port.on("message", async ({ id, texts }: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const vectors = await (await embedder).embed(texts);
    const dimensions = vectors[0]?.length ?? 0;
    const rows = new Float32Array(vectors.length * dimensions);
    vectors.forEach((v, i) => {
      if (v.length !== dimensions) throw new Error(`the embedder returned vectors of ${v.length} and ${dimensions} dimensions in one batch`);
      rows.set(v, i * dimensions);
    });
    reply = { id, rows, dimensions };
    port.postMessage(reply, [rows.buffer]);
  } catch (error) {
    reply = { id, error: error instanceof Error ? `${error.message}` : String(error) };
    port.postMessage(reply);
  }
});

/** The lexical search thread: opens the index file its parent names, then answers each search. */
import { parentPort, workerData } from "node:worker_threads";
import { openLexicalIndex } from "./lexical-sqlite.ts";
import type { LexicalWorkerOpened, LexicalWorkerReply, LexicalWorkerRequest } from "./lexical-worker.ts";

const port = parentPort!;
const { file } = workerData as { file: string };

try {
  const index = openLexicalIndex(file);
  port.on("message", ({ id, query, k }: LexicalWorkerRequest) => {
    let reply: LexicalWorkerReply;
    try {
      reply = { id, hits: index.search(query, k) };
    } catch (error) {
      reply = { id, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ opened: true, size: index.size } satisfies LexicalWorkerOpened);
} catch (error) {
  port.postMessage({ opened: false, error: error instanceof Error ? error.message : String(error) } satisfies LexicalWorkerOpened);
}

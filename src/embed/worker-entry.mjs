// Entry of an embedding worker thread (src/embed/worker-pool.ts). Plain JavaScript on purpose:
// a worker does not inherit the parent's TypeScript loader (`--import tsx` in a worker's
// execArgv is ignored for its entry module), so it registers tsx itself before importing the
// TypeScript worker.
import { register } from "tsx/esm/api";

register();
await import("./embed-worker.ts");

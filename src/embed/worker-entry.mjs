// Entry of an embedding worker thread (src/embed/worker-pool.ts). Plain JavaScript on purpose:
// a worker does not inherit the parent's `--import` preloads, so on Node without type
// stripping (20) it registers the TypeScript loader itself before importing the TypeScript worker.
await import("../typescript-loader.mjs");
await import("./embed-worker.ts");

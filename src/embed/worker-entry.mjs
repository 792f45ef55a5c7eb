// Entry of an embedding worker thread (src/embed/worker-pool.ts). Plain JavaScript on purpose:
// a worker does not inherit the parent's `--import` preloads, so it loads src/preload.mjs itself
// (tsx's loader on Node without type stripping) before importing the TypeScript worker.
await import("../preload.mjs");
await import("./embed-worker.ts");

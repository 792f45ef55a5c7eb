// Entry of the lexical search thread (src/index/lexical-worker.ts). Plain JavaScript for the same
// reason as src/embed/worker-entry.mjs: a worker does not inherit the parent's preload.
await import("../preload.mjs");
await import("./lexical-worker-thread.ts");

// Preloaded by every entry point (`node --import ./src/typescript-loader.mjs ...`, bin/kpo.js,
// worker threads, the ingest child) so the TypeScript sources run without a build step.
// Node 22.18+, 24 and 26 run them themselves (type stripping: the sources use only erasable
// syntax, which tsconfig's erasableSyntaxOnly keeps so); nothing is registered then. Older
// Node (20) cannot, and gets tsx's loader instead.
if (!process.features.typescript) {
  const { register } = await import("tsx/esm/api");
  register();
}

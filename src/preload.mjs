// Preloaded by every entry point (`node --import ./src/preload.mjs ...`, bin/kpo.js, worker
// threads, the ingest child) so the TypeScript sources run without a build step, and start fast.
import module from "node:module";

// Node 22.18+, 24 and 26 run the sources themselves (type stripping: they use only erasable
// syntax, which tsconfig's erasableSyntaxOnly keeps so). Older Node (20) cannot, and gets tsx's
// loader instead.
if (!process.features.typescript) {
  const { register } = await import("tsx/esm/api");
  register();
}

// Node 22.8+ can keep the code V8 compiles for each module on disk (os.tmpdir()/node-compile-cache
// unless NODE_COMPILE_CACHE names another folder; an entry is used only while the module's content
// is unchanged), so a start after the first skips most compiling. Node 20 has no such cache, and
// where the folder cannot be written Node quietly compiles as before.
module.enableCompileCache?.();

import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/** The Node flag that lets a forked process run this project's TypeScript, as `npm start` does. */
export const TSX_IMPORT_FLAG = `--import=${pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href}`;

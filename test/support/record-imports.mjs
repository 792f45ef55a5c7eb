// Preloaded with `node --import` by tests that check what a process loads: every module URL the
// process resolves is appended to the file KPO_IMPORT_LOG names (the hooks run off-thread).
import { register } from "node:module";

register("./record-imports-hooks.mjs", import.meta.url, { data: { file: process.env.KPO_IMPORT_LOG } });

import { createAssistant } from "../src/assistant.ts";
import { loadSettings } from "../src/config/settings.ts";
const a = await createAssistant(loadSettings({ ...process.env, LOG_LEVEL: "silent" }));
for (const q of process.argv.slice(2)) { const r = await a.ask(q); console.log("Q:", q, "\n ", r.status, r.answer.slice(0, 400).replace(/\n/g, " | ")); }
await a.close();

import type { GlossaryEntry } from "../../schema/glossary.ts";

const entryPatterns = new WeakMap<GlossaryEntry, RegExp>();

/** Whether a text names a glossary entry (its term or an alias), as whole words. */
export function namesEntry(entry: GlossaryEntry, text: string): boolean {
  let pattern = entryPatterns.get(entry);
  if (!pattern) {
    const names = [entry.term, ...entry.aliases].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    pattern = new RegExp(`\\b(?:${names.join("|")})s?\\b`, "i");
    entryPatterns.set(entry, pattern);
  }
  return pattern.test(text);
}

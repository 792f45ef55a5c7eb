import { readFileSync } from "node:fs";
import path from "node:path";
import type { Chunk } from "../../schema/passage.ts";

/** The two prompt templates, read from `prompts/` once when the answerer is built. */
export interface PromptTemplates {
  system: string;
  user: string;
}

export interface PromptMessages {
  system: string;
  user: string;
}

/** The slots each pair of templates must have. */
const SLOTS = { answer: ["{{question}}", "{{passages}}"], condense: ["{{question}}", "{{history}}"] };

/**
 * Reads `<kind>-system.md` and `<kind>-user.md` from `promptsDir` (answer: the answer prompt;
 * condense: rewriting a follow-up as a standalone question). Synchronous and throwing on
 * purpose: it runs once at start-up, and a missing prompt file should stop the program there,
 * naming the file, rather than fail every question later.
 */
export function loadPromptTemplates(promptsDir: string, kind: keyof typeof SLOTS = "answer"): PromptTemplates {
  const read = (name: string) => {
    const file = path.join(promptsDir, name);
    try {
      return readFileSync(file, "utf8").trim();
    } catch (error) {
      throw new Error(`cannot read prompt template ${file}: ${(error as Error).message}`, { cause: error });
    }
  };
  const templates = { system: read(`${kind}-system.md`), user: read(`${kind}-user.md`) };
  for (const slot of SLOTS[kind]) {
    if (!templates.user.includes(slot)) throw new Error(`prompt template ${path.join(promptsDir, `${kind}-user.md`)} lacks ${slot}`);
  }
  return templates;
}

/**
 * Breaks any tag that could close or open one of our fences (`</passage>`, `<question>`, ...),
 * so text inside a fence can never appear to end it and smuggle in text outside it.
 */
export function neutraliseFences(text: string): string {
  return text.replace(/<(\s*\/?\s*)(passages?|question|history|turn|answer)\b/gi, "&lt;$1$2");
}

function attribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\s+/g, " ");
}

/** One passage fenced as `<passage n="1" source="..." section="...">text</passage>`. */
export function fencePassage(chunk: Pick<Chunk, "title" | "sourceId" | "section" | "text">, n: number): string {
  const source = attribute(chunk.title || chunk.sourceId);
  const section = attribute(chunk.section.join(" > "));
  return `<passage n="${n}" source="${source}" section="${section}">\n${neutraliseFences(chunk.text.trim())}\n</passage>`;
}

/** Fills a template's {{slots}} in one pass (a value holding "{{question}}" is not substituted again; `$&` is not interpreted). */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (slot, name: string) => values[name] ?? slot);
}

/** Fills the templates; passages are numbered 1..N in the order given. */
export function buildPrompt(
  templates: PromptTemplates,
  question: string,
  passages: readonly Pick<Chunk, "title" | "sourceId" | "section" | "text">[],
): PromptMessages {
  const values: Record<string, string> = {
    question: neutraliseFences(question.trim()),
    passages: passages.map((p, i) => fencePassage(p, i + 1)).join("\n\n"),
    count: String(passages.length),
  };
  return { system: templates.system, user: fillTemplate(templates.user, values) };
}

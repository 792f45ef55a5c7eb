import { readFile } from "node:fs/promises";
import type autocannon from "autocannon";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

export interface BenchQuestion {
  question: string;
  /** The dev set's category, or "glossary template" for the questions made from glossary terms. */
  category: string;
}

/**
 * The questions the API benchmarks send: the dev questions plus templates over every glossary
 * term and alias (so a run sends hundreds of distinct questions and the answer path, not a
 * cache, is measured), in a fixed shuffled order.
 */
export async function benchQuestions(apiUrl: string): Promise<{ ask: BenchQuestion[]; search: string[] }> {
  const dev = (await readFile(path.join(ROOT, "eval/dev.jsonl"), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as BenchQuestion)
    .filter((q) => q.question.length <= 300); // short queries only (dev.jsonl also holds a 12,500-character stress input)
  const glossary = (await (await fetch(`${apiUrl}/v1/glossary`)).json()) as { entries: { term: string; aliases: string[] }[] };
  const names = glossary.entries.flatMap((e) => [e.term, ...e.aliases]);
  const templates = [(t: string) => `What is ${t}?`, (t: string) => `define ${t}`, (t: string) => `Can you explain ${t} briefly?`, (t: string) => `why does ${t} matter in outsourcing`, (t: string) => `${t} meaning`];
  const asked = new Map<string, BenchQuestion>();
  for (const q of [...dev.map((d) => ({ question: d.question, category: d.category })), ...templates.flatMap((f) => names.map((n) => ({ question: f(n), category: "glossary template" })))]) {
    if (!asked.has(q.question)) asked.set(q.question, q);
  }
  const search = [...new Set([...names, ...names.map((n) => `${n} outsourcing`), ...dev.map((d) => d.question)])];
  return { ask: shuffle([...asked.values()]), search: shuffle(search) };
}

function shuffle<T>(items: T[]): T[] {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** POST /v1/ask (deterministic), each request the next of `questions` in turn, so no answer comes from a cache. */
export function askRequests(questions: string[]): autocannon.Request {
  let next = 0;
  return {
    method: "POST",
    path: "/v1/ask",
    headers: { "content-type": "application/json" },
    setupRequest: (req) => ({ ...req, body: JSON.stringify({ question: questions[next++ % questions.length], mode: "deterministic" }) }),
  };
}

/** GET /v1/search (k=5), each request the next of `queries` in turn. */
export function searchRequests(queries: string[]): autocannon.Request {
  let next = 0;
  return { method: "GET", setupRequest: (req) => ({ ...req, path: `/v1/search?k=5&q=${encodeURIComponent(queries[next++ % queries.length]!)}` }) };
}

/**
 * A stand-in Assistant for the Discord tests, only for what the real assistant cannot
 * produce on demand: an answer long enough to need splitting with 12 citations, quotes full
 * of Markdown and @everyone, and an assistant that throws. Everything else in the bot's
 * end-to-end tests uses the real assistant (test/support/assistant.ts).
 */
import { randomUUID } from "node:crypto";
import type { Assistant } from "../../src/assistant-types.ts";
import type { Settings } from "../../src/config/settings.ts";
import { FeedbackService } from "../../src/feedback/service.ts";
import { FileStore } from "../../src/store/file.ts";
import type { Answer, AnswerEvent, Citation } from "../../src/schema/answer.ts";
import type { GlossaryEntry } from "../../src/schema/glossary.ts";

export class InternalBoom extends Error {
  constructor() {
    super("index shard /srv/secret/data/hnswlib.index is corrupt (password=hunter2)");
  }
}

export function entry(slug: string, term: string, aliases: string[], definition: string): GlossaryEntry {
  return { slug, term, aliases, related: [], sources: ["000_x.txt"], definition, path: `corpus/glossary/${slug}.md`, start: 100, end: 100 + definition.length };
}

export const FAKE_GLOSSARY: GlossaryEntry[] = [
  entry("business-process-outsourcing", "Business process outsourcing", ["BPO"], "Business process outsourcing (BPO) hands routine operations to a provider."),
  entry("knowledge-process-outsourcing", "Knowledge process outsourcing", ["KPO"], "Knowledge process outsourcing (KPO) contracts out analytical, knowledge-based work."),
  entry("legal-process-outsourcing", "Legal process outsourcing", ["LPO"], "Legal process outsourcing moves legal support work to an outside provider."),
  entry("offshoring", "Offshoring", [], "Offshoring moves work to another country, often to lower costs."),
  entry("recruitment-process-outsourcing", "Recruitment process outsourcing", ["RPO"], "Recruitment process outsourcing hands hiring work to a provider."),
];

export function citation(n: number, extra: Partial<Citation> = {}): Citation {
  return {
    n,
    sourceId: `00${n % 5}_source.txt`,
    path: `corpus/sources/00${n % 5}_source.txt`,
    title: `Source number ${n}`,
    url: n % 2 ? `https://example.com/articles/${n}` : null,
    section: `Section ${n}`,
    quote: `Quote ${n}: ${"knowledge work is contracted out to specialists ".repeat(8)}`,
    start: n * 1000,
    end: n * 1000 + 200,
    ...extra,
  };
}

/** An answer of about 9,000 characters with 12 citations, each referenced. */
export function longAnswer(question: string): Answer {
  const paragraphs = Array.from({ length: 12 }, (_, i) =>
    `Paragraph ${i + 1}. ${"Outsourcing moves work to a specialised provider that can do it at lower cost or higher quality. ".repeat(8)}[${i + 1}]`,
  );
  return {
    id: randomUUID(),
    question,
    status: "answered",
    answer: paragraphs.join("\n\n"),
    citations: Array.from({ length: 12 }, (_, i) => citation(i + 1)),
    mode: "deterministic",
    related: [],
    timings: { retrieveMs: 1, composeMs: 1, totalMs: 2 },
  };
}

export function fakeDiscordAssistant(settings: Settings, overrides: Partial<Assistant> = {}): Assistant & { questions: string[] } {
  const questions: string[] = [];
  const list = (filter?: string) => {
    const f = filter?.toLowerCase();
    return FAKE_GLOSSARY.filter((e) => !f || [e.term, ...e.aliases].some((n) => n.toLowerCase().includes(f)));
  };
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9 ]/g, "");
  const ask = async (question: string): Promise<Answer> => {
    questions.push(question);
    if (/explode/i.test(question)) throw new InternalBoom();
    if (/long/i.test(question)) return longAnswer(question);
    if (/tungsten/i.test(question)) {
      return { id: randomUUID(), question, status: "not_found", answer: "", citations: [], mode: "deterministic", related: ["Offshoring"], timings: { retrieveMs: 1, composeMs: 1, totalMs: 2 } };
    }
    const answer: Answer = {
      id: randomUUID(),
      question,
      status: "answered",
      answer: "KPO contracts out knowledge work [1]; BPO hands over routine tasks [2].",
      citations: [citation(1), citation(2, { quote: "Use *this* @everyone <@123> [link](https://evil.example) `code`" })],
      mode: "deterministic",
      related: [],
      timings: { retrieveMs: 1, composeMs: 1, totalMs: 2 },
    };
    return answer;
  };
  const assistant = {
    questions,
    status: {
      embedder: "fake",
      defaultMode: "deterministic",
      manifest: {} as Assistant["status"]["manifest"],
    },
    ask,
    askStream: async function* (question: string): AsyncIterable<AnswerEvent> {
      yield { type: "done", answer: await ask(question) };
    },
    search: async () => [],
    glossary: {
      list,
      lookup: (term: string) => FAKE_GLOSSARY.find((e) => [e.term, ...e.aliases].some((n) => norm(n) === norm(term))),
      suggest: (term: string, limit = 5) => FAKE_GLOSSARY.filter((e) => e.term.toLowerCase().startsWith(term.toLowerCase().slice(0, 3))).slice(0, limit),
    },
    sources: { list: () => [], get: () => undefined, text: async () => undefined },
    feedback: new FeedbackService(new FileStore(settings.DATA_DIR)),
    answer: async () => undefined,
    gaps: async () => ({ generatedAt: new Date(0).toISOString(), similarity: 0.7, questions: 0, groups: [], resolved: [] }),
    resolveGap: async () => undefined,
    close: async () => undefined,
    ...overrides,
  };
  return assistant as Assistant & { questions: string[] };
}

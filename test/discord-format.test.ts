/** Unit tests of the Discord rendering against Discord's limits, and of the quiz and cooldown. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { commands } from "../bots/discord/commands/index.ts";
import { termChoices } from "../bots/discord/commands/define.ts";
import { Cooldown } from "../bots/discord/cooldown.ts";
import {
  LIMITS,
  embedLength,
  escapeText,
  formatAnswer,
  formatDefinition,
  glossaryPage,
  splitText,
  type BotMessage,
} from "../bots/discord/format.ts";
import { MASK, QuizScores, buildQuiz, formatQuiz, formatQuizResult } from "../bots/discord/quiz.ts";
import { maskDefinition } from "../src/quiz/quiz.ts";
import type { Answer } from "../src/schema/answer.ts";
import { FAKE_GLOSSARY, citation, entry, longAnswer } from "./support/fake-assistant-discord.ts";

function assertWithinLimits(messages: BotMessage[]): void {
  for (const m of messages) {
    expect(m.allowedMentions).toEqual({ parse: [] });
    expect(m.content?.length ?? 0).toBeLessThanOrEqual(LIMITS.content);
    expect(m.embeds.reduce((n, e) => n + embedLength(e), 0)).toBeLessThanOrEqual(LIMITS.embedTotal);
    for (const e of m.embeds) {
      expect(e.title?.length ?? 0).toBeLessThanOrEqual(LIMITS.title);
      expect(e.description?.length ?? 0).toBeLessThanOrEqual(LIMITS.description);
      expect(e.fields?.length ?? 0).toBeLessThanOrEqual(LIMITS.fields);
      for (const f of e.fields ?? []) {
        expect(f.name.length).toBeGreaterThan(0);
        expect(f.name.length).toBeLessThanOrEqual(LIMITS.fieldName);
        expect(f.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
      }
    }
    for (const row of m.components) for (const c of row.components) if ("custom_id" in c) expect(c.custom_id.length).toBeLessThanOrEqual(LIMITS.customId);
  }
}

const fields = (messages: BotMessage[]) => messages.flatMap((m) => m.embeds.flatMap((e) => e.fields ?? []));
const descriptions = (messages: BotMessage[]) => messages.flatMap((m) => m.embeds.map((e) => e.description ?? ""));
const words = (text: string) => text.split(/\s+/).filter(Boolean);

function answer(overrides: Partial<Answer> = {}): Answer {
  return {
    id: "0b6c2c1e-9a57-4d3f-8f6a-1f2e3d4c5b6a",
    question: "What is KPO?",
    status: "answered",
    answer: "KPO contracts out knowledge work [1].",
    citations: [citation(1)],
    mode: "deterministic",
    related: [],
    timings: { retrieveMs: 1, composeMs: 1, totalMs: 2 },
    ...overrides,
  };
}

describe("formatAnswer", () => {
  it("splits a very long answer over several messages, within every limit, losing no word", () => {
    const a = longAnswer("Tell me everything");
    a.answer = `${a.answer}\n\n${"x".repeat(9000)}`; // one unbreakable run, too
    const messages = formatAnswer(a);
    expect(messages.length).toBeGreaterThan(2);
    assertWithinLimits(messages);
    expect(words(descriptions(messages).join(" ")).join("")).toBe(words(a.answer).join(""));
  });

  it("keeps every one of 30 citations, numbered in order and uncut, continuing in follow-up messages", () => {
    const citations = Array.from({ length: 30 }, (_, i) => citation(i + 1, { quote: `${"long quoted passage ".repeat(80)}` }));
    const a = answer({ answer: citations.map((c) => `Claim ${c.n} [${c.n}].`).join(" "), citations });
    const messages = formatAnswer(a);
    assertWithinLimits(messages);
    const all = fields(messages);
    expect(all.map((f) => f.name)).toEqual(citations.map((c) => `[${c.n}]`));
    all.forEach((f, i) => {
      const c = citations[i]!;
      expect(f.value).toContain(c.url ? `[${c.title}](${c.url})` : `**${c.title}**`);
      expect(f.value).toContain(c.section);
      expect(f.value).toContain(`\`${c.path}\` ${c.start}–${c.end}`);
      expect(f.value).toMatch(/\n> long quoted passage/);
    });
    expect(messages.length).toBeGreaterThan(1);
    // the feedback buttons sit under the last message only
    expect(messages.at(-1)!.components[0]!.components.map((c) => ("custom_id" in c ? c.custom_id : ""))).toEqual([
      `fb:up:${a.id}`,
      `fb:down:${a.id}`,
    ]);
    expect(messages.slice(0, -1).every((m) => m.components.length === 0)).toBe(true);
  });

  it("escapes Markdown and defuses @everyone, @here and mentions inside quotes and the echoed question", () => {
    const a = answer({
      question: "**bold** @everyone [x](https://evil.example) <@&42>",
      citations: [citation(1, { quote: "Use *this* @everyone or @here <@123> [link](https://evil.example) `code` ~~s~~ ||spoiler||" })],
    });
    const [message] = formatAnswer(a);
    assertWithinLimits([message!]);
    const embed = message!.embeds[0]!;
    const text = `${embed.title}\n${embed.fields![0]!.value}`;
    expect(text).not.toMatch(/@everyone|@here|<@\d|<@&\d/);
    expect(text).toContain("@\u200beveryone");
    expect(embed.title).toContain("\\*\\*bold\\*\\*");
    expect(embed.title).toContain("\\[x\\](https://evil.example)");
    const quote = embed.fields![0]!.value.split("\n> ")[1]!;
    expect(quote).toContain("\\*this\\*");
    expect(quote).toContain("\\`code\\`");
    expect(quote).toContain("\\~\\~s\\~\\~");
    expect(quote).toContain("\\|\\|spoiler\\|\\|");
    expect(quote).toContain("\\[link\\](https://evil.example)");
  });

  it("links the title to the url when known, and shows the file location otherwise", () => {
    const [message] = formatAnswer(answer({ answer: "A [1] and B [2].", citations: [citation(1), citation(2)] }));
    const [withUrl, withoutUrl] = message!.embeds[0]!.fields!;
    expect(withUrl!.value.startsWith("[Source number 1](https://example.com/articles/1) · Section 1")).toBe(true);
    expect(withoutUrl!.value.startsWith("**Source number 2** · Section 2\n`corpus/sources/002_source.txt` 2000–2200")).toBe(true);
  });

  it("says plainly when nothing was found and suggests /define terms", () => {
    const [message] = formatAnswer(answer({ status: "not_found", answer: "", citations: [], related: ["KPO", "Offshoring"] }));
    const description = message!.embeds[0]!.description!;
    expect(description).toMatch(/^I could not find an answer/);
    expect(description).toContain("`/define term:KPO`");
    expect(description).toContain("`/define term:Offshoring`");
  });

  it("shows a not-found answer as written when it quotes what the sources do say", () => {
    const text = "The sources don't give a year. What they do say: Gupta coined the term [1].";
    const [message] = formatAnswer(answer({ status: "not_found", answer: text, citations: [citation(1)], related: [] }));
    const description = message!.embeds[0]!.description!;
    expect(description).toContain("What they do say: Gupta coined the term [1].");
    expect(description).not.toMatch(/^I could not find an answer/);
  });
});

describe("splitText", () => {
  it("gives chunks within the limit that keep every word in order", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.integer({ min: 20, max: 500 }), (text, max) => {
        const chunks = splitText(text, max);
        for (const c of chunks) expect(c.length).toBeLessThanOrEqual(max);
        expect(chunks.join("").replace(/\s+/g, "")).toBe(text.replace(/\s+/g, ""));
      }),
    );
  });

  it("prefers paragraph breaks", () => {
    expect(splitText(`${"a ".repeat(30)}\n\n${"b ".repeat(30)}`, 80)).toEqual(["a ".repeat(30).trim(), "b ".repeat(30).trim()]);
  });
});

describe("glossary rendering", () => {
  const many = Array.from({ length: 23 }, (_, i) => entry(`term-${i}`, `Term ${String(i).padStart(2, "0")}`, [`T${i}`], `Definition ${i}.`));

  it("pages the glossary ten terms at a time with ◀/▶ buttons that carry the page and filter", () => {
    const first = glossaryPage(many, 0, "term");
    assertWithinLimits([first]);
    expect(first.embeds[0]!.description!.split("\n")).toHaveLength(10);
    expect(first.embeds[0]!.footer!.text).toMatch(/^Page 1\/3 · 23 terms/);
    const [prev, next] = first.components[0]!.components as any[];
    expect(prev).toMatchObject({ custom_id: "glossary:page:-1:term", disabled: true });
    expect(next).toMatchObject({ custom_id: "glossary:page:1:term", disabled: false });
    const last = glossaryPage(many, 2, "term");
    expect(last.embeds[0]!.description!.split("\n")).toHaveLength(3);
    expect((last.components[0]!.components[1] as any).disabled).toBe(true);
    expect(glossaryPage([], 0, "zzz").embeds[0]!.description).toContain('No glossary term matches "zzz"');
  });

  it("renders a definition with its aliases and the glossary file as citation", () => {
    const [message] = formatDefinition(FAKE_GLOSSARY[1]!);
    assertWithinLimits([message!]);
    const embed = message!.embeds[0]!;
    expect(embed.title).toBe("Knowledge process outsourcing");
    expect(embed.description).toContain("[1]");
    expect(embed.fields![0]).toMatchObject({ name: "Also called", value: "KPO" });
    expect(embed.fields![1]!.value).toContain("`corpus/glossary/knowledge-process-outsourcing.md` 100–");
  });

  it("offers autocomplete choices from terms and aliases", () => {
    const glossary = {
      list: (f?: string) => FAKE_GLOSSARY.filter((e) => !f || [e.term, ...e.aliases].some((n) => n.toLowerCase().includes(f.toLowerCase()))),
      lookup: () => undefined,
      suggest: () => [],
    };
    expect(termChoices(glossary, "kp")).toEqual([{ name: "KPO → Knowledge process outsourcing", value: "Knowledge process outsourcing" }]);
    expect(termChoices(glossary, "legal")).toEqual([{ name: "Legal process outsourcing", value: "Legal process outsourcing" }]);
    expect(termChoices(glossary, "")).toHaveLength(FAKE_GLOSSARY.length);
  });
});

describe("quiz", () => {
  /** A tiny seeded RNG (mulberry32). */
  const seeded = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  it("builds the same question from the same seed: the answer among four distinct terms, its names masked", () => {
    const q1 = buildQuiz(FAKE_GLOSSARY, seeded(7))!;
    const q2 = buildQuiz(FAKE_GLOSSARY, seeded(7))!;
    expect(q1.options.map((o) => o.slug)).toEqual(q2.options.map((o) => o.slug));
    expect(q1.answer.slug).toBe(q2.answer.slug);
    expect(new Set(q1.options.map((o) => o.slug)).size).toBe(4);
    expect(q1.options).toContain(q1.answer);
    for (const name of [q1.answer.term, ...q1.answer.aliases]) expect(q1.prompt.toLowerCase()).not.toContain(name.toLowerCase());
    expect(q1.prompt).toContain(MASK);
    const message = formatQuiz(q1);
    assertWithinLimits([message]);
    const ids = (message.components[0]!.components as any[]).map((c) => c.custom_id);
    expect(ids).toEqual(q1.options.map((o) => `quiz:answer:${q1.answer.slug}:${o.slug}`));
  });

  it("needs at least four terms", () => {
    expect(buildQuiz(FAKE_GLOSSARY.slice(0, 3), seeded(1))).toBeUndefined();
  });

  it("uses the quiz rule every surface shares: the prompt is the masked definition, and no option is named in it", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const q = buildQuiz(FAKE_GLOSSARY, seeded(seed))!;
      expect(q.prompt).toBe(maskDefinition(q.answer));
      for (const option of q.options) if (option !== q.answer) expect(q.prompt.toLowerCase()).not.toContain(option.term.toLowerCase());
    }
  });

  it("keeps a running score per user, counting each question once", () => {
    const scores = new QuizScores({ now: () => 0 });
    expect(scores.record("u1", "m1", true)).toEqual({ correct: 1, total: 1, alreadyAnswered: false });
    expect(scores.record("u1", "m1", false)).toEqual({ correct: 1, total: 1, alreadyAnswered: true });
    expect(scores.record("u1", "m2", false)).toEqual({ correct: 1, total: 2, alreadyAnswered: false });
    expect(scores.get("u2")).toEqual({ correct: 0, total: 0 });
    const [result] = formatQuizResult({ correct: true, answer: FAKE_GLOSSARY[0]!, score: scores.get("u1") });
    expect(result!.embeds[0]!.description).toMatch(/^✅ Right!/);
    expect(result!.embeds[0]!.footer!.text).toContain("Your score: 1/2");
    expect(result!.embeds[0]!.fields!.at(-1)!.value).toContain("`corpus/glossary/business-process-outsourcing.md`");
  });
});

describe("cooldown", () => {
  it("allows one request per window per user, on an injected clock", () => {
    let now = 0;
    const cooldown = new Cooldown({ seconds: 5, now: () => now });
    expect(cooldown.take("a")).toEqual({ ok: true });
    expect(cooldown.take("b")).toEqual({ ok: true });
    now = 2000;
    expect(cooldown.take("a")).toEqual({ ok: false, retryAfterMs: 3000 });
    now = 5000;
    expect(cooldown.take("a")).toEqual({ ok: true });
  });
});

describe("commands", () => {
  it("registers /ask, /define, /compare, /glossary, /quiz and /sources with input limits", () => {
    const json = commands.map((c) => c.data.toJSON());
    expect(json.map((c) => c.name)).toEqual(["ask", "define", "compare", "glossary", "quiz", "sources"]);
    const option = (name: string, opt: string) => json.find((c) => c.name === name)!.options!.find((o) => o.name === opt) as any;
    expect(option("ask", "question").max_length).toBe(500);
    expect(option("define", "term").autocomplete).toBe(true);
    expect(option("compare", "b").required).toBe(true);
    expect(option("glossary", "filter").required).toBe(false);
  });

  it("escapes user text for display", () => {
    expect(escapeText("_a_ @here")).toBe("\\_a\\_ @\u200bhere");
  });
});

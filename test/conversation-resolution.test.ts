import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveFollowUp, type Turn } from "../src/answer/conversation/resolve.ts";
import { shownIn } from "../src/answer/conversation/shown.ts";
import { parseGlossaryFile } from "../src/corpus/glossary.ts";
import { GlossaryMatcher } from "../src/retrieve/glossary-match.ts";
import { REPO_ROOT } from "./support/assistant.ts";

/**
 * The deterministic resolution of follow-ups on its own: the real glossary's matcher, no index.
 * Each case is a kind of follow-up (a pronoun, an ellipsis, a continuation ...), not a wording.
 */
const dir = path.join(REPO_ROOT, "corpus/glossary");
const matcher = new GlossaryMatcher(readdirSync(dir).map((f) => parseGlossaryFile(readFileSync(path.join(dir, f), "utf8"), `corpus/glossary/${f}`)));

const turns = (...questions: string[]): Turn[] => questions.map((question) => ({ question }));
const resolve = (question: string, history: Turn[]) => resolveFollowUp(question, history, matcher);

describe("a first question is never changed", () => {
  it.each(["where is most of it done?", "and the downsides?", "tell me more", "What is KPO?", "what are its risks?"])("%s", (question) => {
    expect(resolve(question, [])).toEqual({ question, kind: "standalone" });
  });

  it("a standalone follow-up is answered as typed", () => {
    expect(resolve("What is BPO?", turns("What is KPO?"))).toEqual({ question: "What is BPO?", kind: "standalone" });
    // The pronoun's antecedent is in the question itself.
    expect(resolve("My boss keeps saying LPO. What is it?", turns("What is KPO?")).kind).toBe("standalone");
    expect(resolve("Is KPO risky, and is it worth it?", turns("What is BPO?")).kind).toBe("standalone");
  });
});

describe("the subject carries over to pronouns", () => {
  it.each([
    ["What is KPO?", "where is most of it done?", "Where is most of KPO done?"],
    ["What is NASSCOM?", "what did it estimate the Indian KPO market at?", "What did NASSCOM estimate the Indian KPO market at?"],
    // The subject of a clause is never what its object pronoun stands for.
    ["What does offshoring mean?", "why do KPO firms do it?", "Why do KPO firms do offshoring?"],
    ["What is BPO?", "and what are its risks?", "What are the risks of BPO?"],
    ["What is equity research?", "is that KPO or BPO?", "Is equity research KPO or BPO?"],
    // "it" takes the subject, so "they" are people in general; the place already said is not said twice.
    ["Tell me about KPO in the Philippines", "what do they call it there?", "What do they call KPO in the Philippines?"],
    ["What are the benefits of KPO?", "which of those matter most for a small company?", "Which of the benefits of KPO matter most for a small company?"],
  ])("%s / %s", (first, followUp, resolved) => {
    const resolution = resolve(followUp, turns(first));
    expect(resolution.question).toBe(resolved);
    expect(resolution.kind).toBe("reference");
  });

  it("a person or place named in the previous answer is what he or there points at", () => {
    const history = [{ question: "Who coined the term KPO?", answer: "Ashish Gupta, a former COO of Evalueserve, is credited with coining it [1]." }];
    expect(resolve("where did he study?", history).question).toBe("Where did Ashish Gupta study?");
    const places = [{ question: "Which country does most KPO?", answer: "India provides most KPO services [1]." }];
    expect(resolve("why there?", places).question).toMatch(/\bin India\b/);
  });

  it("which one, which of the two and the other one choose between the two things compared", () => {
    const compared = turns("What's the difference between KPO and BPO?");
    expect(resolve("ok, which one would handle our customer support calls?", compared).question).toBe("Which one would handle our customer support calls, KPO or BPO?");
    expect(resolve("which of the two needs more skilled staff?", compared).question).toBe("Which of the two needs more skilled staff, KPO or BPO?");
    expect(resolve("what are the risks of the other one?", turns("What is KPO?", "What is BPO?")).question).toBe("What are the risks of KPO?");
  });

  it("a chain of follow-ups keeps its subject (each turn is resolved against the ones before it)", () => {
    expect(resolve("and what did it estimate?", turns("What is NASSCOM?", "where is it based?")).question).toBe("What did NASSCOM estimate?");
  });
});

describe("elliptical follow-ups take their frame from the previous turn", () => {
  it.each([
    ["Is bookkeeping KPO or BPO?", "and legal research?", "Is legal research KPO or BPO?"],
    ["Is bookkeeping KPO or BPO?", "what about equity research?", "Is equity research KPO or BPO?"],
    ["What are the risks of KPO?", "and BPO?", "What are the risks of BPO?"],
    ["What are the benefits of KPO?", "and the downsides?", "What are the downsides of KPO?"],
    ["What is BPO?", "and the downsides?", "What are the downsides of BPO?"],
    ["What are the benefits of KPO?", "and in the Philippines?", "What are the benefits of KPO in the Philippines?"],
    ["How big is the KPO market in India?", "and in the Philippines?", "How big is the KPO market in the Philippines?"],
    // A gerund names an activity: "outsourcing" does not make a clause of the fragment.
    ["What is legal process outsourcing?", "and business process outsourcing?", "What is business process outsourcing?"],
    ["What is BPO?", "and its risks?", "What are the risks of BPO?"],
    ["What did NASSCOM estimate the Indian KPO market at in 2006?", "and in 2005?", "What did NASSCOM estimate the Indian KPO market at in 2005?"],
  ])("%s / %s", (first, followUp, resolved) => {
    const resolution = resolve(followUp, turns(first));
    expect(resolution.question).toBe(resolved);
    expect(resolution.kind).toBe("ellipsis");
  });

  it("a determiner standing for a noun left out takes it from the previous turn", () => {
    expect(resolve("are there any for small firms?", turns("What are the benefits of KPO?")).question).toBe("Are there any benefits of KPO for small firms?");
    expect(resolve("and which one leads?", turns("Which countries do KPO?")).question).toMatch(/^Which (?:KPO )?country leads\b/);
    expect(resolve("can a company find one through an intermediary?", turns("What is a third-party provider?")).question).toBe("Can a company find a third-party provider through an intermediary?");
  });

  it("a question without a subject of its own asks about the previous one", () => {
    expect(resolve("what are the main risks?", turns("What is BPO?"))).toEqual({ question: "What are the main risks of BPO?", kind: "topic" });
  });
});

describe("continuations bring what the previous answer did not show", () => {
  const shown = "Knowledge process outsourcing (KPO) is the contracting out of knowledge work [1].";
  it.each(["tell me more", "go on", "What else?"])("%s asks the previous question again, avoiding its answer", (followUp) => {
    const resolution = resolve(followUp, [{ question: "What are the risks of KPO?", answer: shown }]);
    expect(resolution).toEqual({ question: "What are the risks of KPO?", kind: "continuation", avoidText: [shown] });
  });

  it.each([
    ["give me an example", "Give me an example of transformational BPO"],
    ["an example?", "What is an example of transformational BPO?"],
  ])("%s asks for an instance of the previous subject", (followUp, resolved) => {
    const resolution = resolve(followUp, [{ question: "What is transformational BPO?", answer: shown }]);
    expect(resolution).toEqual({ question: resolved, kind: "continuation", avoidText: [shown] });
  });

  it("a sentence counts as shown whatever its capitals, line breaks and markers; a word or two never does", () => {
    const shownBefore = shownIn(["**KPO:** Knowledge process outsourcing (KPO) is the\ncontracting out of knowledge work [1]."]);
    expect(shownBefore("knowledge process outsourcing (KPO) is the contracting out of knowledge work.")).toBe(true);
    expect(shownBefore("KPO is growing in India.")).toBe(false);
    expect(shownBefore("knowledge work")).toBe(false);
  });
});

describe("a follow-up with nothing to point at is not guessed", () => {
  it.each([
    ["hello", "what are its risks?", "its"],
    ["thanks!", "and the downsides?", "the downsides"],
    ["hi there", "tell me more", "tell me more"],
  ])("%s / %s", (first, followUp, dangling) => {
    expect(resolve(followUp, turns(first))).toEqual({ question: followUp, kind: "unresolved", dangling });
  });
});

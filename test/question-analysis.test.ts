import { describe, expect, it } from "vitest";
import { analyzeQuestion, resolveSubject, stripMarkup } from "../src/answer/deterministic/question.ts";
import { GlossaryMatcher } from "../src/retrieve/glossary-match.ts";
import type { GlossaryEntry } from "../src/schema/glossary.ts";

const entry = (slug: string, term: string, aliases: string[]): GlossaryEntry => ({ slug, term, aliases, related: [], sources: ["x.txt"], definition: "d", path: `corpus/glossary/${slug}.md`, start: 0, end: 1 });
const matcher = new GlossaryMatcher([entry("knowledge-process-outsourcing", "Knowledge process outsourcing", ["KPO"]), entry("business-process-outsourcing", "Business process outsourcing", ["BPO"])]);

describe("markup is never part of a question", () => {
  it.each([
    ["<script>alert('x')</script> what is kpo", "what is kpo"],
    ["<p><b>What is KPO?</b></p>", "What is KPO?"],
    ["**What** is `KPO`?", "What is KPO?"],
    ["see [this page](http://example.com/x) what is kpo https://evil.example/y", "see this page what is kpo"],
    ["<style>p{}</style>kpo &amp; bpo", "kpo & bpo"],
  ])("%s -> %s", (input, expected) => {
    expect(stripMarkup(input)).toBe(expected);
  });
});

describe("the focus is the interrogative part; the rest is context", () => {
  it.each([
    ["My manager keeps saying KPO in meetings. What is it, briefly?", "What is it, briefly?", "My manager keeps saying KPO in meetings."],
    ["sorry if this is a dumb question but what's a third-party provider", "what's a third-party provider", "sorry if this is a dumb question"],
    ["Quick one before my interview tomorrow: how are KPO and BPO different?", "how are KPO and BPO different?", "Quick one before my interview tomorrow"],
    ["wat is KPO exactly?? keep seeing it in #ops", "wat is KPO exactly??", "keep seeing it in #ops"],
    ["Hi! Could you help me with this: what are the risks of KPO? Thanks a lot!", "what are the risks of KPO?", "Hi! Could you help me with this Thanks a lot!"],
    ["ok and bpo is what again lol", "ok and bpo is what again lol", ""],
  ])("%s", (question, focus, context) => {
    const analyzed = analyzeQuestion(question);
    expect(analyzed.focus).toBe(focus);
    expect(analyzed.context).toBe(context);
  });

  it("keeps both parts of a compound question in the focus", () => {
    const q = "Why do companies send knowledge work offshore, and what do critics say about the low-wage side of it?";
    expect(analyzeQuestion(q).focus).toBe(q);
  });

  it("marks a focus that points back at a context with a topic ('Is that a reason ...?')", () => {
    expect(analyzeQuestion("Nobody on our team can do data analysis. Is that a reason to look at KPO?").refersBack).toBe(true);
    expect(analyzeQuestion("Hi there. Is that how KPO works?").refersBack).toBe(false);
  });
});

describe("what the user says about the knowledge base is not the topic", () => {
  it("drops 'according to your sources' and 'do the sources say'", () => {
    expect(analyzeQuestion("what kind of work gets hit hardest by automation according to your sources").text).toBe("what kind of work gets hit hardest by automation");
    expect(analyzeQuestion("What do the sources say about KPO risks?").text).toBe("What do about KPO risks?");
  });

  it("applies the spelling correction it is given after markup is removed", () => {
    expect(analyzeQuestion("<b>what is auotmation</b>", (t) => t.replace("auotmation", "automation")).focus).toBe("what is automation");
  });
});

describe("constraints a question sets", () => {
  it("collects years and long numbers", () => {
    expect(analyzeQuestion("What was India's KPO market in 2022 and is ISO 27001 required?").figures).toEqual(["2022", "27001"]);
    expect(analyzeQuestion("top 5 risks of kpo").figures).toEqual([]);
  });

  it("collects capitalised names that do not open a sentence", () => {
    expect(analyzeQuestion("Which KPO vendors in Manila are certified?").names).toEqual(["Manila"]);
    expect(analyzeQuestion("Is KPO common in Germany? Also in France.").names).toEqual(["Germany", "France"]);
    expect(analyzeQuestion("What is KPO?").names).toEqual([]);
  });

  it("recognises a request for a figure as of now", () => {
    expect(analyzeQuestion("How many employees does Evalueserve have today?").wantsCurrentFigure).toBe(true);
    expect(analyzeQuestion("whats the current size of the kpo market").wantsCurrentFigure).toBe(true);
    expect(analyzeQuestion("How big was the KPO market in India in 2005?").wantsCurrentFigure).toBe(false);
  });
});

describe("a pronoun in the focus takes the glossary term of the context", () => {
  it("'What is it?' after a sentence naming KPO is about KPO", () => {
    const { question, matches } = resolveSubject(analyzeQuestion("My manager keeps saying KPO in meetings. What is it, briefly?"), matcher);
    expect(matches.map((m) => m.entry.slug)).toEqual(["knowledge-process-outsourcing"]);
    expect(question.focus).toContain("kpo");
  });

  it("leaves a focus that names its own subject alone", () => {
    const analyzed = analyzeQuestion("We use BPO today. What is KPO?");
    const { question, matches } = resolveSubject(analyzed, matcher);
    expect(question).toBe(analyzed);
    expect(matches.map((m) => m.entry.slug)).toEqual(["knowledge-process-outsourcing"]);
  });
});

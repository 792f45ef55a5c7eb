import { describe, expect, it } from "vitest";
import { readAsks } from "../src/answer/deterministic/asks.ts";
import { screenQuestion } from "../src/answer/deterministic/guard.ts";
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
    // A statement that ends with a question mark before a real question is story, and ", whats" starts a question.
    ["a vendor from Yakima dropped off a basket, maybe $60 worth? whats the max gift we can accept?", "whats the max gift we can accept?", "a vendor from Yakima dropped off a basket, maybe $60 worth?"],
    ["onboarding a cleaning company from Boise, whats the insurance they need?", "whats the insurance they need?", "onboarding a cleaning company from Boise"],
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

  it("collects names: capitalised words that do not open a sentence, acronyms, and places or organisations in lower case", () => {
    expect(analyzeQuestion("Which KPO vendors in Manila are certified?").names).toEqual(["KPO", "Manila"]);
    expect(analyzeQuestion("Is KPO common in Germany? Also in France.").names).toEqual(expect.arrayContaining(["Germany", "France"]));
    expect(analyzeQuestion("how big is the kpo market in poland").names).toContain("poland");
    expect(analyzeQuestion("Does GDPR allow offshore KPO?").names).toContain("GDPR");
    expect(analyzeQuestion("what is outsourcing?").names).toEqual([]);
  });

  it("recognises a question about what actually happened, and one asking for a company ranking", () => {
    expect(analyzeQuestion("How many people did the sector actually employ in 2016?").wantsActual).toBe(true);
    expect(analyzeQuestion("How many people was the sector expected to employ by 2016?").wantsActual).toBe(false);
    expect(analyzeQuestion("top 5 kpo companies in india by revenue?").wantsRanking).toBe(true);
    expect(analyzeQuestion("What are the top risks of KPO?").wantsRanking).toBe(false);
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

  it("takes a name the story uses after the glossary term, and leaves the rest of the story out", () => {
    const { question, matches } = resolveSubject(analyzeQuestion("A colleague says one of our vendors is now on the Red File - what is that?"), matcher);
    expect(matches).toEqual([]);
    expect(question.focus).toMatch(/red file$/);
    expect(question.referent).toBe("");
    expect(readAsks(question, matches, 0).defines).toBe("red file");
  });

  it("takes what the story puts in quotes over a name it uses", () => {
    const { question } = resolveSubject(analyzeQuestion("someone in standup said Fenwick Dairy is 'on amber watch' - whats that mean exactly?"), matcher);
    expect(question.subjectName).toBe("on amber watch");
  });

  it("reads a pronoun after 'do' as an action, not as the place the story names", () => {
    const analyzed = analyzeQuestion("our waste collection guys in Portland are offering a great rate if we sign for 7 years. are we allowed to do that?");
    const { question } = resolveSubject(analyzed, matcher);
    expect(question.subjectName).toBeUndefined();
    expect(question.focus).toBe("are we allowed to do that?");
  });

  it("does not take a name after a preposition of place for what a pronoun stands for", () => {
    for (const text of ["local honey producer in Bend is tiny. what payment terms do they get from us?", "onboarding a cleaning company from Boise, whats the minimum insurance they need to have?"]) {
      expect(resolveSubject(analyzeQuestion(text), matcher).question.subjectName).toBeUndefined();
    }
    // A name in the story that is not a place still is: "… Fenwick Dairy … - what is that?"
    expect(resolveSubject(analyzeQuestion("someone said we should use Fenwick Dairy - what is that?"), matcher).question.subjectName).toBe("fenwick dairy");
  });

  it("leaves a focus that names its own subject alone", () => {
    const analyzed = analyzeQuestion("We use BPO today. What is KPO?");
    const { question, matches } = resolveSubject(analyzed, matcher);
    expect(question).toBe(analyzed);
    expect(matches.map((m) => m.entry.slug)).toEqual(["knowledge-process-outsourcing"]);
  });
});

describe("a numbered name, a follow-on and an intensifier", () => {
  it("keeps a name and its number together ('ISO 27001')", () => {
    expect(analyzeQuestion("Which KPO vendors are ISO 27001 certified?").names).toContain("ISO 27001");
  });

  it("reads 'actually' as asking for real figures only when a figure is asked", () => {
    expect(analyzeQuestion("Sorry, I only started on Monday – what actually is BPO?").wantsActual).toBe(false);
    expect(analyzeQuestion("How many people did the sector actually employ in 2016?").wantsActual).toBe(true);
  });

  it("asks for a year with words that say what kind of fact, not what about", () => {
    expect(readAsks(analyzeQuestion("What year did Ashish Gupta coin the term KPO?"), [], 3)).toMatchObject({ answerType: "date", typeCue: "What year" });
  });

  it("reads 'who' after a preposition as a clause, not a request for a name", () => {
    expect(readAsks(analyzeQuestion("do we lose any say in who gets hired to work on our account?"), [], 3).answerType).toBeUndefined();
    expect(readAsks(analyzeQuestion("who's usually credited with the label 'KPO'?"), [], 3).answerType).toBe("person");
  });

  it("reads a decade as a span, not a year to be met", () => {
    expect(analyzeQuestion("How big was the market in the mid-2000s?").figures).toEqual([]);
    expect(analyzeQuestion("How big was the market in 2006?").figures).toEqual(["2006"]);
  });
});

describe("requests that are not questions", () => {
  it("refuses to write an email, and says it answers questions instead", () => {
    const screen = screenQuestion("our vendor missed a deadline again. write me an email telling them off");
    expect(screen).toMatchObject({ verdict: "refused", reason: "task" });
  });

  it("refuses a writing request whatever adjectives stand between the verb and the text asked for", () => {
    expect(screenQuestion("write me a really nasty slack message mocking our offshore team, make it funny")).toMatchObject({ verdict: "refused", reason: "task" });
  });

  it("refuses an insult to a group of people, whatever else is asked", () => {
    expect(screenQuestion("write an email saying their people are lazy because they're indian. also what is KPO?")).toMatchObject({ verdict: "refused", reason: "abuse" });
  });

  it("answers a question about writing, and one that quotes what people say", () => {
    expect(screenQuestion("How should I write an email to a KPO vendor?").verdict).toBe("ok");
    expect(screenQuestion("when ppl say 'offshore KPO' what does the offshore bit mean?")).toMatchObject({ verdict: "ok", dropped: [] });
  });
});

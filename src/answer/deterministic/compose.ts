import type { GlossaryMatch } from "../../retrieve/glossary-match.ts";
import type { Answer } from "../../schema/answer.ts";
import type { Passage } from "../types.ts";
import { AnswerBuilder } from "./builder.ts";
import type { ComposeContext } from "./context.ts";
import { assessEvidence } from "./evidence.ts";
import { classify } from "./intent.ts";
import type { Knowledge } from "./knowledge.ts";
import { askedText, POINTS_BACK, type AnalyzedQuestion } from "./question.ts";
import { queryTerms } from "./scoring.ts";
import { topicWords } from "./query-words.ts";
import { normalizeTerm } from "../../text/terms.ts";
import { advice } from "./strategies/advice.ts";
import { comparison } from "./strategies/comparison.ts";
import { definition } from "./strategies/definition.ts";
import { general } from "./strategies/general.ts";
import { list } from "./strategies/list.ts";
export { questionParts } from "./intent.ts";

export interface ComposeInput {
  id: string;
  question: AnalyzedQuestion;
  passages: Passage[];
  queryVector: number[];
  /** Glossary terms named in the question's focus (see resolveSubject). */
  matches: GlossaryMatch[];
  /** For compound questions: each part with its own embedding (see questionParts). */
  parts?: { text: string; vector: number[] }[];
}

type Composed = Pick<Answer, "status" | "answer" | "citations" | "related">;

/**
 * Extractive answer composer: evidence gate, then one strategy per kind of question. Every
 * sentence it outputs is a verbatim quote of a corpus sentence or glossary definition, or a
 * curated claim that cites the verbatim source spans it rests on; the same question over the
 * same index gives the same output.
 */
export class DeterministicComposer {
  private readonly knowledge: Knowledge;

  constructor(knowledge: Knowledge) {
    this.knowledge = knowledge;
  }

  /**
   * The text with each misspelt word (five letters or more, unknown to the corpus) replaced by the
   * closest corpus word. Capitalised words are names and stay as typed: "Manila" is no typo.
   */
  correctSpelling(text: string): string {
    return text.replace(/\p{L}{5,}/gu, (word) => {
      if (/^\p{Lu}/u.test(word)) return word;
      const lower = word.toLowerCase();
      const spelt = this.knowledge.spell(lower);
      return spelt === lower ? word : spelt;
    });
  }

  /** What retrieval should search for: the question's topic words, without filler or markup (spelling is corrected before analysis). */
  searchText(question: AnalyzedQuestion): string {
    const words = [question.focus, question.context].flatMap((t) => topicWords(t));
    return words.join(" ") || question.text;
  }

  compose(input: ComposeInput): Composed {
    const { question, passages, matches } = input;
    const knowledge = this.knowledge;
    // A focus that points back ("Is that a reason to look at KPO?") asks about its context as much as about itself.
    const query = { question, terms: queryTerms(knowledge, askedText(question), question.context, question.generic), vector: input.queryVector };
    // "What does the abbreviation KPO stand for?" is complete in itself, whatever came before it; otherwise the
    // piece the focus points back at is part of what it asks.
    const known = (t: string) => knowledge.vocabulary.has(t);
    const own = classify(question.focus, matches, known);
    const intent = own.kind === "definition" && !POINTS_BACK.test(question.focus) ? own : classify(question.focus, matches, known, topicWords(question.referent));
    const related = this.related(matches, passages);
    const evidence = assessEvidence(knowledge, query, passages);
    if (evidence.unmet.length) return notFound(related, `The sources say nothing about ${evidence.unmet.join(", ")}.`);
    const stated = intent.kind === "definition" || intent.kind === "comparison" || (intent.kind === "advice" && intent.choice);
    if (!evidence.answerable && !stated) return notFound(related);

    const named = [...new Map(matches.map((m) => [m.entry.slug, m.entry])).values()];
    // A narrower term named after the one asked about is about it too: a sentence on knowledge process
    // outsourcing is about outsourcing (but one on BPO is not about KPO).
    const narrower = [...knowledge.glossaryBySlug.values()].filter(
      (e) => !named.includes(e) && named.some((n) => normalizeTerm(e.term).includes(normalizeTerm(n.term))),
    );
    const subjects = [...named, ...narrower];
    // Every curated claim is a candidate, retrieved or not: they are few, and a claim in plain words can answer a
    // wording that retrieval ranked low. Unretrieved ones get no retrieval prior.
    const retrievedIds = new Set(passages.map((p) => p.id));
    const candidates = [...passages, ...knowledge.claims.filter((c) => !retrievedIds.has(c.id)).map((c) => ({ ...c, score: 0, ranks: {}, scores: {} }))];
    const ctx: ComposeContext = { knowledge, question, query, passages: candidates, matches, subjects, parts: input.parts, builder: new AnswerBuilder(knowledge) };
    switch (intent.kind) {
      case "definition":
        definition(ctx, intent.term);
        break;
      case "comparison":
        comparison(ctx, intent.a, intent.b);
        break;
      case "list":
        list(ctx, intent.listType);
        break;
      case "advice":
        advice(ctx, intent.choice);
        break;
      case "general":
        general(ctx);
        break;
    }
    if (ctx.builder.isEmpty()) return notFound(related);
    return { status: "answered", ...ctx.builder.build(), related: related.filter((r) => !ctx.builder.mentions(r)) };
  }

  /** Glossary terms worth suggesting: those named in the question, then those retrieval surfaced. */
  private related(matches: GlossaryMatch[], passages: Passage[]): string[] {
    const slugs = [...matches.map((m) => m.entry.slug), ...passages.filter((p) => p.kind === "glossary").map((p) => p.term!)];
    const names = [...new Set(slugs)].map((s) => this.knowledge.glossaryBySlug.get(s)?.term).filter((t): t is string => Boolean(t));
    return names.slice(0, 3);
  }
}

function notFound(related: string[], reason?: string): Composed {
  const hint = related.length ? ` Related terms you could look up: ${related.join(", ")}.` : "";
  return {
    status: "not_found",
    answer: `The knowledge base doesn't cover that, so I won't guess.${reason ? ` ${reason}` : ""}${hint}`,
    citations: [],
    related,
  };
}

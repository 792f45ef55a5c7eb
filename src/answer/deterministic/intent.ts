import type { GlossaryEntry } from "../../schema/glossary.ts";
import type { GlossaryMatch } from "../../retrieve/glossary-match.ts";
import { contentTerms, normalizeTerm, stem, words } from "../../text/terms.ts";

export type ListType = "risks" | "benefits" | "examples";

export type Intent =
  | { kind: "definition"; term: GlossaryEntry }
  | { kind: "comparison"; a: GlossaryEntry; b: GlossaryEntry }
  | { kind: "list"; listType: ListType }
  | { kind: "general" };

const DEFINITION_CUE =
  /\b(what(?:'?s| is| are| was| does| do)?|wat|wut|whats|define|definition|meaning|mean|means|stand|stands|refer|refers|explain|describe|who is|what's)\b|\bis what\b/iu;
const COMPARISON_CUE = /\b(vs\.?|versus|diff|differ\w*|difference|compare\w*|comparison|distinguish\w*|same as|similar|unlike|part of|subset|evolve\w*|grew out|came from|better|faster|slower|cheaper|more|less|than)\b/i;

/** Plural list nouns (or "main/key X") signal a request for several items, when they are what the question asks for. */
const LIST_NOUNS: [ListType, string][] = [
  ["risks", "risks|disadvantages|drawbacks|downsides|cons|dangers|pitfalls|problems|issues|challenges|concerns|threats"],
  ["benefits", "benefits|advantages|pros|upsides|gains"],
  ["examples", "examples|types|kinds|sorts|categories|industries|sectors|services|fields|areas|domains|applications|uses|functions|activities"],
];
const SINGULAR_AFTER_KEY: Record<ListType, string> = { risks: "risk|disadvantage|drawback|downside|challenge", benefits: "benefit|advantage", examples: "example|type" };
/** The list noun must be the object of the question: right after a determiner or question word, or among its first words. */
const listCue = (nouns: string, singular: string) =>
  new RegExp(
    `\\b(?:what|which|list|name|give(?: me)?|any|some|main|key|top|typical|common|biggest|major|the)\\b(?:\\W+\\w+){0,3}?\\W+(?:${nouns})\\b|^\\W*(?:\\w+\\W+){0,3}?(?:${nouns})\\b|\\b(?:main|key|biggest|major) (?:${singular})\\b`,
    "i",
  );
const LIST_CUES: [ListType, RegExp][] = LIST_NOUNS.map(([type, nouns]) => [type, listCue(nouns, SINGULAR_AFTER_KEY[type])]);

/** Words that frame a definition question rather than carry its subject. */
const FRAMING = new Set(["abbrevi", "acronym", "stand", "mean", "refer", "defin", "exactli", "actual", "again", "term", "call", "word", "industri", "context", "ops", "team", "hear", "heard", "keep", "see", "seen"].map(stem));

/** The two terms either side of the comparison cue ("bpo jobs faster than kpo"), or the first two after it ("difference between X and Y"). */
function comparedPair(question: string, matches: GlossaryMatch[]): [GlossaryMatch, GlossaryMatch] | undefined {
  const ws = words(question);
  const cue = ws.findIndex((w) => COMPARISON_CUE.test(w) || (w === "part" && ws.includes("of")));
  if (cue < 0 || matches.length < 2) return undefined;
  const byPosition = [...matches].sort((x, y) => x.position - y.position);
  const before = byPosition.filter((m) => m.position < cue);
  const after = byPosition.filter((m) => m.position > cue);
  if (before.length && after.length) return [before.at(-1)!, after[0]!];
  if (after.length >= 2) return [after[0]!, after[1]!];
  if (before.length >= 2) return [before.at(-2)!, before.at(-1)!];
  return undefined;
}

/**
 * Classifies a question. Definition only when, once the glossary terms and framing words
 * are removed, little is left: "what is the typical hourly rate of KPO vendors" is not a
 * definition question even though it contains "what is" and "KPO".
 */
export function classify(question: string, matches: GlossaryMatch[], known: (term: string) => boolean = () => true): Intent {
  const quoted = /['"‘“]([^'"’”]{2,60})['"’”]/.exec(question)?.[1];
  const ordered = [...matches].sort((x, y) => {
    const xq = quoted && normalizeTerm(quoted).includes(x.matched) ? 0 : 1;
    const yq = quoted && normalizeTerm(quoted).includes(y.matched) ? 0 : 1;
    return xq - yq || y.matched.split(" ").length - x.matched.split(" ").length || x.position - y.position;
  });
  const matchedTerms = new Set(matches.flatMap((m) => m.matched.split(" ").map(stem)));
  // Very short unknown words are usually another language's function words ("qué es", "was ist").
  const rest = contentTerms(question).filter((t) => !matchedTerms.has(t) && !FRAMING.has(t) && (t.length > 3 || known(t)));

  const pair = comparedPair(question, matches);
  if (pair && rest.length <= 4) return { kind: "comparison", a: pair[0].entry, b: pair[1].entry };
  for (const [listType, cue] of LIST_CUES) {
    if (cue.test(question)) return { kind: "list", listType };
  }
  if (ordered.length > 0 && rest.length <= 1 && (DEFINITION_CUE.test(question) || rest.length === 0)) {
    return { kind: "definition", term: ordered[0]!.entry };
  }
  return { kind: "general" };
}

/**
 * Splits a compound question ("Why do X, and what do critics say about Y?") into its parts,
 * so each part gets its own evidence. A single question comes back as one part.
 */
export function questionParts(question: string): string[] {
  const parts = question
    .split(/\?\s+(?=\S)|[,;]?\s+(?:and|but|also)\s+(?=(?:what|why|how|which|who|when|where|is|are|does|do|can|could|should)\b)/i)
    .map((p) => p.trim())
    .filter((p) => contentTerms(p).length >= 2);
  return parts.length > 1 ? parts.slice(0, 3) : [question];
}

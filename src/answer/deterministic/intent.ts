import type { GlossaryEntry } from "../../schema/glossary.ts";
import type { GlossaryMatch } from "../../retrieve/glossary-match.ts";
import type { ListType } from "../../schema/passage.ts";
import { normalizeTerm, stem, words } from "../../text/terms.ts";
import { topicWords } from "./query-words.ts";
import { POINTS_BACK } from "./question.ts";

export type Intent =
  | { kind: "definition"; term: GlossaryEntry }
  | { kind: "comparison"; a: GlossaryEntry; b: GlossaryEntry }
  | { kind: "list"; listType: ListType }
  | { kind: "advice"; choice: boolean }
  | { kind: "general" };

const DEFINITION_CUE =
  /\b(what(?:'?s| is| are| was| does| do)?|wat|wut|whats|define|definition|meaning|mean|means|stand|stands|refer|refers|explain|describe|who is|what's)\b|\bis what\b/iu;
const COMPARISON_CUE = /\b(vs\.?|versus|diff|differ\w*|difference|compare\w*|comparison|distinguish\w*|same as|similar|unlike|part of|subset|evolve\w*|grew out|came from|better|faster|slower|cheaper|more|less|than)\b/i;

/** Plural list nouns (or "main/key X") signal a request for several items, when they are what the question asks for. */
const LIST_NOUNS: [ListType, string][] = [
  ["risks", "risks|disadvantages|drawbacks|downsides|cons|dangers|pitfalls|problems|issues|challenges|concerns|threats|go wrong|goes wrong|watch out|look out|be careful|beware|worry about|worried about"],
  ["benefits", "benefits|advantages|pros|upsides|gains|get out of|gain from|in it for"],
  ["examples", "examples|types|kinds|sorts|categories|industries|sectors|services|fields|areas|domains|applications|uses|functions|activities"],
];
const SINGULAR_AFTER_KEY: Record<ListType, string> = { risks: "risk|disadvantage|drawback|downside|challenge|catch", benefits: "benefit|advantage|upside|point", examples: "example|type" };
/** The list noun must be the object of the question: right after a determiner or question word, or among its first words. */
const listCue = (nouns: string, singular: string) =>
  new RegExp(
    `\\b(?:what|which|list|name|give(?: me)?|any|some|main|key|top|typical|common|biggest|major|the)\\b(?:\\W+\\w+){0,3}?\\W+(?:${nouns})\\b|^\\W*(?:\\w+\\W+){0,3}?(?:${nouns})\\b|\\b(?:main|key|biggest|major) (?:${singular})\\b|\\bthe (?:${singular}) (?:of|to|in|with|for)\\b`,
    "i",
  );
const LIST_CUES: [ListType, RegExp][] = LIST_NOUNS.map(([type, nouns]) => [type, listCue(nouns, SINGULAR_AFTER_KEY[type])]);

/** Words that frame a definition question rather than carry its subject. */
const FRAMING = new Set(["industri", "context", "ops", "seen", "concept", "jargon", "buzzword", "lingo"].map(stem));

/**
 * A sourcing decision: whether to use KPO, which model fits some work, what to check before
 * choosing a provider, how to contract or pay. Matched on the question's framing, not its topic.
 */
const ADVICE_CUE =
  /\b(should (?:we|i|our|my)|shall we|do we (?:have|need)|can we|could we|is (?:it|that|this) (?:a )?(?:good|wise|smart|worth|right|sensible)|good idea|worth it|make sense|(?:a )?reason to|right (?:choice|fit|model|option)|would (?:that|this|it) (?:count|be)|counts? as|give (?:it |this |that )?to|watch out|look out|look for|check before|before (?:signing|choosing|hiring|picking|contracting|we sign|we choose)|how (?:do|should|can|would) (?:we|i|you) (?:choose|pick|select|find|contract|price|pay|decide)|priced|pricing|how much does|permanent|on-call|middleman|intermediary|directly or|go overseas|or (?:a |an )?(?:kpo|bpo)\b)/i;
/** "Is that KPO or BPO?", "would that count as KPO": the user wants to know which model some work belongs to. */
const MODEL = "(?:kpo|bpo|knowledge process outsourcing|business process outsourcing)";
const MODEL_CHOICE = new RegExp(
  `\\b${MODEL}\\s+or\\s+(?:a\\s+|an\\s+)?${MODEL}\\b(?:\\s+(?:shop|firm|company|vendor|provider|work|job|task|thing))?\\s*(?:[?.!]|$)|\\b(?:count|counts|qualify|qualifies|considered) as (?:a |an )?${MODEL}\\b`,
  "i",
);

/** The two terms either side of the comparison cue ("bpo jobs faster than kpo"), or the first two after it ("difference between X and Y"). */
function comparedPair(question: string, matches: GlossaryMatch[]): [GlossaryMatch, GlossaryMatch] | undefined {
  const ws = words(question);
  let cue = ws.findIndex((w) => COMPARISON_CUE.test(w) || (w === "part" && ws.includes("of")));
  if (matches.length < 2) return undefined;
  // "Is KPO basically just BPO?", "Is outsourcing a kind of offshoring?": a yes/no question relating two terms.
  if (cue < 0 && /^(?:is|are|was|were|isn't|aren't)$/.test(ws[0] ?? "")) {
    const [x, y] = [...matches].sort((p, q) => p.position - q.position);
    if (x!.position > 0 && x!.position <= 2 && y!.position - x!.position <= 5) cue = x!.position + 1;
  }
  if (cue < 0) return undefined;
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
export function classify(question: string, matches: GlossaryMatch[], known: (term: string) => boolean = () => true, referentWords: string[] = []): Intent {
  const quoted = /['"‘“]([^'"’”]{2,60})['"’”]/.exec(question)?.[1];
  const ordered = [...matches].sort((x, y) => {
    const xq = quoted && normalizeTerm(quoted).includes(x.matched) ? 0 : 1;
    const yq = quoted && normalizeTerm(quoted).includes(y.matched) ? 0 : 1;
    return xq - yq || y.matched.split(" ").length - x.matched.split(" ").length || x.position - y.position;
  });
  const matchedTerms = new Set(matches.flatMap((m) => m.matched.split(" ").map(stem)));
  // Very short unknown words are usually another language's function words ("qué es", "was ist").
  // Words of the piece the question points back at are part of what it asks ("Does KPO help with that?").
  const rest = [...topicWords(question), ...referentWords]
    .map(stem)
    .filter((t) => !matchedTerms.has(t) && !FRAMING.has(t) && (t.length > 3 || known(t)));

  const pair = comparedPair(question, matches);
  const choice = MODEL_CHOICE.test(question);
  // "Is bookkeeping KPO or BPO?", "We need X. Is that KPO or BPO?": which model fits some work, not how the two compare.
  if (choice && (rest.length >= 1 || POINTS_BACK.test(question)) && !COMPARISON_CUE.test(question)) return { kind: "advice", choice };
  if (pair && rest.length <= 4) return { kind: "comparison", a: pair[0].entry, b: pair[1].entry };
  if (choice) return { kind: "advice", choice };
  for (const [listType, cue] of LIST_CUES) {
    if (cue.test(question)) return { kind: "list", listType };
  }
  if (ADVICE_CUE.test(question)) return { kind: "advice", choice };
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
    .filter((p) => topicWords(p).length >= 2);
  return parts.length > 1 ? parts.slice(0, 3) : [question];
}

import { stemmer } from "stemmer";

/**
 * Text normalisation shared by indexing and querying, so both sides see the same terms.
 * Handles what users type in chat: "K.P.O.", "bpo's", "KPOs", curly quotes, accents.
 */

export const STOPWORDS = new Set(
  `a about above after again against all also am an and any are aren't as at be because been before being below between both but by
  can could did do does doing don't down during each few for from further had has have having he her here hers herself him himself his how
  i if in into is isn't it it's its itself just let's me more most my myself no nor not of off on once only or other ought our ours
  ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through
  to too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves
  whats wat wut pls please thanks thx lol ok okay hey hi hello u ur r im again exactly really kinda sort sorta anyone anybody know
  tell explain mean means meaning define definition stand stands stand-for refer refers called call term word abbreviation acronym
  thing things stuff someone something keep seeing see saw give get got guys vs versus using btwn bw diff`
    .split(/\s+/)
    .filter(Boolean),
);

/** Lower-case, strip accents and possessives, and close up dotted acronyms (K.P.O. -> kpo). */
export function normalizeText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .toLowerCase()
    .replace(/\b((?:[a-z]\.){2,})/g, (m) => m.replace(/\./g, ""))
    .replace(/(\w)'s\b/g, "$1")
    .replace(/(\w)s'(?=\s|$)/g, "$1s");
}

/** Words (letters/digits runs, keeping inner hyphens split) of normalised text. */
export function words(text: string): string[] {
  return normalizeText(text).match(/[\p{L}\p{N}]+(?:[.,]\d+)*/gu) ?? [];
}

/** Acronym plurals ("kpos", "bpos") map to the acronym; everything else goes through Porter2. */
export function stem(word: string): string {
  if (/^[a-z]{2,4}s$/.test(word) && !/[aeiou]/.test(word.slice(1, -1))) return word.slice(0, -1);
  return stemmer(word);
}

/** Content words before stemming: normalised, without stopwords and stray single letters ("bpo n kpo"). */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => !STOPWORDS.has(w) && !/^\p{L}$/u.test(w) && !STOPWORDS.has(stem(w)));
}

/** Content terms for matching: normalised, stopwords removed, stemmed. */
export function contentTerms(text: string): string[] {
  return contentWords(text).map(stem);
}

/**
 * Everyday business synonyms, by stem, so "cheaper staff" can be matched by "less
 * expensive personnel". Deliberately small and general: words people use for the same
 * idea, not facts about the corpus.
 */
const SYNONYM_GROUPS = [
  ["cheap", "cheaper", "inexpens", "expens", "cost", "low-cost", "afford"],
  ["staff", "personnel", "employe", "worker", "peopl", "workforc", "talent"],
  ["hire", "employ", "recruit"],
  ["critic", "oppon", "skeptic", "detractor"],
  ["job", "employ", "work"],
  ["fast", "faster", "quick", "quicker", "speed", "pace", "sooner"],
  ["big", "size", "larg", "larger", "worth", "revenu"],
  ["offshor", "oversea", "abroad", "foreign", "countri"],
  ["risk", "danger", "threat", "disadvantag", "drawback", "downsid"],
  ["benefit", "advantag", "gain", "upsid", "pro"],
  ["exampl", "type", "kind", "instanc"],
  ["retain", "retent", "keep", "hold"],
  ["firm", "compani", "busi", "organ", "organis", "organiz"],
  ["ai", "artifici", "autom"],
  ["global", "worldwid", "world", "intern"],
  ["market", "industri", "sector"],
  ["estim", "expect", "predict", "forecast", "project", "anticip"],
  ["profession", "expert", "specialist"],
  ["utiliz", "utilis", "employ", "hire"],
  ["use", "utiliz", "utilis", "appli", "leverag"],
  ["india", "indian"],
  ["philippin", "filipino"],
];
const SYNONYMS = new Map<string, string[]>();
for (const group of SYNONYM_GROUPS) {
  const stems = [...new Set(group.map((w) => stem(w)))];
  for (const s of stems) SYNONYMS.set(s, [...new Set([...(SYNONYMS.get(s) ?? []), ...stems.filter((o) => o !== s)])]);
}

export function synonymsOf(term: string): string[] {
  return SYNONYMS.get(term) ?? [];
}

/** Key for alias lookups: "K.P.O.", "kpo's", " KPO " all give "kpo". */
export function normalizeTerm(text: string): string {
  return words(text).join(" ");
}

/** Letter-or-digit runs, the word count used for chunk sizes and boilerplate rules. */
export function wordCount(text: string): number {
  return (text.match(/[\p{L}\p{N}]+/gu) ?? []).length;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

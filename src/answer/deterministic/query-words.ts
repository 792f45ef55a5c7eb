import { contentWords, stem } from "../../text/terms.ts";

/**
 * Query-time word lists: how people talk to a chat assistant, not what the corpus says. The
 * index never sees these; they decide which words of a question carry its topic.
 */

/** Chat shorthand, politeness and question framing: never the subject of a question. */
const CHAT_WORDS = `whats wat wut pls plz please thanks thx ty lol ok okay hey hi hello u ur r im ive id again exactly really kinda sort sorta
  anyone anybody know tell explain mean means meaning define definition stand stands refer refers abbreviation acronym thing things stuff
  someone something keep keeps seeing see saw hear heard give get got guys vs versus btwn bw diff sorry dumb stupid silly question questions
  quick quickly brief briefly short shortly basically basic actually plain english simple simply sentence help understand wondering wonder
  curious confused confusing clarify idea ask asking asked wanna gonna gotta says saying said mentioned mention mentions talk talking newbie
  noob cheers appreciate appreciated`
  .split(/\s+/)
  .filter(Boolean);

/** Words that frame a sourcing decision ("is it a good idea", "worth it", "a reason to") rather than carry its subject. */
const ADVICE_FRAMING = `good idea worth reason reasons sense right choice choose option options recommend recommended advice advise
  wise smart fit fits suit suits suitable appropriate better best look looking consider considering go going make count counts shop way`
  .split(/\s+/)
  .filter(Boolean);

/**
 * Light verbs: they carry the grammar of a question ("where is most of it done?", "where is it
 * based?"), not its topic, and a sentence that happens to use them ("done by workers") is no answer.
 */
const LIGHT_VERBS = `do does did done doing make makes made making get gets got getting go goes went gone going take takes took taken
  happen happens happened based located carried performed`
  .split(/\s+/)
  .filter(Boolean);

const FILLER = new Set([...CHAT_WORDS, ...ADVICE_FRAMING, ...LIGHT_VERBS].flatMap((w) => [w, stem(w)]));

/** Whether a (surface or stemmed) word is chat filler or decision framing. */
export function isFiller(word: string): boolean {
  return FILLER.has(word) || FILLER.has(stem(word));
}

/** The words of a question that can carry its topic: content words without chat filler, not yet stemmed. */
export function topicWords(text: string): string[] {
  return contentWords(text).filter((w) => !isFiller(w));
}

/**
 * Everyday business synonyms, by stem, so "cheaper staff" can be matched by "less expensive
 * personnel". Deliberately small and general: words people use for the same idea, not facts
 * about the corpus.
 */
const SYNONYM_GROUPS = [
  ["cheap", "cheaper", "inexpens", "expens", "cost", "low-cost", "afford", "save", "saving", "money", "price", "budget"],
  ["staff", "personnel", "employe", "worker", "peopl", "workforc", "talent", "team", "headcount", "hire"],
  ["hire", "employ", "recruit"],
  ["critic", "oppon", "skeptic", "detractor"],
  ["job", "employ", "work"],
  ["fast", "faster", "quick", "quicker", "speed", "pace", "sooner", "immedi", "deadlin", "urgent", "soon", "month", "week"],
  ["big", "size", "larg", "larger", "worth", "revenu"],
  ["offshor", "oversea", "abroad", "foreign", "countri"],
  ["risk", "danger", "threat", "disadvantag", "drawback", "downsid", "wrong", "problem", "concern", "watch", "troubl", "issu", "difficulti"],
  ["benefit", "advantag", "gain", "upsid", "pro"],
  ["exampl", "type", "kind", "instanc"],
  ["retain", "retent", "keep", "hold"],
  ["firm", "compani", "busi", "organ", "organis", "organiz", "vendor", "provid", "supplier", "partner", "shop"],
  ["ai", "artifici", "autom"],
  ["global", "worldwid", "world", "intern"],
  ["market", "industri", "sector"],
  ["estim", "expect", "predict", "forecast", "project", "anticip"],
  ["profession", "expert", "specialist", "analyst"],
  ["utiliz", "utilis", "employ", "hire"],
  ["use", "utiliz", "utilis", "appli", "leverag"],
  ["india", "indian"],
  ["philippin", "filipino"],
  ["middleman", "intermediari", "broker", "agent"],
  ["data", "inform"],
  ["secur", "confidenti", "privaci", "secret", "proprietari"],
  ["domest", "home", "local", "same country", "onshor"],
  ["price", "pricing", "charg", "fee", "rate", "negoti"],
  ["flexibl", "on-cal", "temporari", "occasion", "part-tim"],
  ["skill", "expertis", "abil", "capabl", "know-how"],
  ["set", "start", "begin", "launch", "implement", "establish", "introduc"],
  ["shortag", "gap", "lack", "nobodi", "unabl", "miss", "scarc", "in-hous"],
];
const SYNONYMS = new Map<string, string[]>();
for (const group of SYNONYM_GROUPS) {
  const stems = [...new Set(group.map((w) => stem(w)))];
  for (const s of stems) SYNONYMS.set(s, [...new Set([...(SYNONYMS.get(s) ?? []), ...stems.filter((o) => o !== s)])]);
}

export function synonymsOf(term: string): string[] {
  return SYNONYMS.get(term) ?? [];
}

import { loadSettings } from "../src/config/settings.ts";
import { createEmbedder } from "../src/embed/factory.ts";
import { withQueryBatching } from "../src/embed/batching.ts";
import { loadIndex } from "../src/index/store.ts";
import { analyzeQuestion, resolveSubject } from "../src/answer/deterministic/question.ts";
import { classify } from "../src/answer/deterministic/intent.ts";
import { queryTerms, scoreSentences } from "../src/answer/deterministic/scoring.ts";
import { assessEvidence } from "../src/answer/deterministic/evidence.ts";
import { Knowledge } from "../src/answer/deterministic/knowledge.ts";
import { HybridRetriever } from "../src/retrieve/retriever.ts";
const settings = loadSettings({ ...process.env, LOG_LEVEL: "silent" });
const embedder = withQueryBatching(createEmbedder(settings));
const index = (await loadIndex(settings.DATA_DIR, embedder))!;
const k = new Knowledge(index);
const retriever = HybridRetriever.fromIndex(index, (t) => embedder.embedQuery(t), settings);
for (const q of process.argv.slice(2)) {
  const { question, matches } = resolveSubject(analyzeQuestion(q), retriever.glossary);
  const intent = classify(question.focus, matches, (t) => k.vocabulary.has(t));
  const terms = queryTerms(k, question.refersBack ? question.text : question.focus, question.context);
  const vector = await embedder.embedQuery(question.refersBack ? question.text : question.focus);
  const passages = await retriever.retrieve(q, { k: 30, vector });
  const ev = assessEvidence(k, { question, terms, vector }, passages);
  console.log(q, JSON.stringify(question), JSON.stringify(intent).slice(0, 80), [...terms].map(([t, w]) => `${t}:${w.toFixed(2)}`).join(" "), JSON.stringify(ev));
  const scored = scoreSentences(k, { question, terms, vector }, k.chunks.filter((c) => c.kind !== "glossary").map((c) => ({ ...c, score: 0, ranks: {}, scores: {} })));
  for (const s of scored.slice(0, 4)) console.log(`  ${s.score.toFixed(3)} d=${s.dense} l=${s.lexical} ${s.sentence.chunk.kind} ${s.sentence.text.slice(0, 90)}`);
}
await embedder.close?.();

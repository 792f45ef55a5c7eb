import { normalizeTerm } from "../../../text/terms.ts";
import { aboutSubject, bestPicks, isClaim, renderPicks, type ComposeContext } from "../context.ts";
import type { Sentence } from "../knowledge.ts";
import { scoreSentences } from "../scoring.ts";

const CAP = 3;

/** Words for matching task names: normalised, with a plural "s" dropped ("designers" = "designer"), but not stemmed ("product" is not "production"). */
const taskWords = (text: string) => normalizeTerm(text).split(" ").filter(Boolean).map((w) => (w.length > 3 ? w.replace(/(?<!s)s$/, "") : w));

/** How many words of a task name ("patent research") the question has, all or nothing. Short acronyms ("IT", "HR") count only in capitals. */
function taskMatch(questionWords: Set<string>, raw: string, task: string): number {
  const words = taskWords(task);
  if (words.length === 1 && words[0]!.length <= 3 && !new RegExp(`\\b${words[0]!.toUpperCase()}\\b`).test(raw)) return 0;
  return words.length > 0 && words.every((w) => questionWords.has(w)) ? words.length : 0;
}

/** The claim that classifies the work the question names (tagged `work:` with `tasks:` in a topic note), most specific first. */
function classifyingClaim(ctx: ComposeContext): Sentence | undefined {
  const raw = ctx.question.text;
  // The question's spelling was corrected against the corpus before analysis ("bookeeping" is bookkeeping).
  const questionWords = new Set(taskWords(raw));
  let best: { sentence: Sentence; words: number } | undefined;
  for (const sentence of ctx.knowledge.claimSentences()) {
    const claim = sentence.chunk.claim;
    if (!claim?.work) continue;
    const words = Math.max(0, ...claim.tasks.map((t) => taskMatch(questionWords, raw, t)));
    if (words > (best?.words ?? 0)) best = { sentence, words };
  }
  return best?.sentence;
}

/**
 * Sourcing advice. "Is <work> KPO or BPO?" leads with the curated claim that classifies that
 * work, or says plainly that the sources do not name it; then, as for any decision question,
 * the claims and sentences that bear on it (timelines, skills, cost, contracting, risks).
 */
export function advice(ctx: ComposeContext, choice: boolean): void {
  const scored = scoreSentences(ctx.knowledge, ctx.query, ctx.passages, { aboutSubject: (s) => aboutSubject(ctx.subjects, s) });
  if (choice) {
    const classifying = classifyingClaim(ctx);
    if (classifying) {
      const lead = scored.find((s) => s.sentence.index === classifying.index) ?? { sentence: classifying, score: 1, dense: 0, lexical: 0, needsPrevious: false };
      renderPicks(ctx, [lead], undefined, 1);
      // Then the line the sources draw between the two models, from claims that are not about one kind of work.
      renderPicks(ctx, bestPicks(ctx, scored, 1, (s) => isClaim(s) && !s.sentence.chunk.claim?.work), "The distinction", 1);
      return;
    }
    ctx.builder.note("The sources don't name this kind of work, so they don't settle which model it belongs to. The line they draw between the two:");
  }
  renderPicks(ctx, bestPicks(ctx, scored, CAP));
}

import type { EvalQuestion } from "../../eval/questions.ts";
import { normalizeText } from "../../eval/score.ts";
import type { Unit } from "../deterministic/units.ts";

/** A phrase group matched by more than this share of a question's candidate units carries no signal about which one answers. */
const GENERIC_SHARE = 0.3;

/**
 * How well each candidate unit answers a labelled question, from the question's own key facts
 * (`must_include_any`): the share of its informative phrase groups the unit's text contains (a
 * group that most candidates contain, such as "outsourc", informs nothing and is left out unless
 * every group is like that). A quote from a document the question does not list as a source
 * counts half: it may state the words without being the fact.
 */
export function labelUnits(question: EvalQuestion, units: Unit[]): number[] {
  const groups = question.must_include_any.map((g) => g.map(normalizeText));
  if (groups.length === 0) return units.map(() => 0);
  const texts = units.map((u) => normalizeText(u.text));
  const covers = texts.map((t) => groups.map((g) => g.some((phrase) => t.includes(phrase))));
  const share = groups.map((_, gi) => covers.filter((c) => c[gi]).length / Math.max(1, units.length));
  const informative = groups.map((_, gi) => share[gi]! <= GENERIC_SHARE);
  const counted = informative.some(Boolean) ? informative : groups.map(() => true);
  const total = counted.filter(Boolean).length;
  const expected = new Set(question.expected_sources);
  return units.map((u, i) => {
    const hit = covers[i]!.filter((c, gi) => c && counted[gi]).length / total;
    const fromExpected = expected.size === 0 || u.kind === "glossary" || u.sourceIds.some((s) => expected.has(s));
    return fromExpected ? hit : hit / 2;
  });
}

/**
 * Onboarding quiz in Discord: the shared quiz rule (src/quiz/quiz.ts: a glossary definition
 * with its term masked, four terms to choose from) as buttons. Deterministic given `random`;
 * scores are kept in memory.
 */
import { ButtonStyle, ComponentType, type APIButtonComponent, type APIEmbedField } from "discord.js";
import type { GlossaryEntry } from "../../src/schema/glossary.ts";
import { buildQuiz as buildSharedQuiz, type QuizQuestion } from "../../src/quiz/quiz.ts";
import {
  COLORS,
  LIMITS,
  citationField,
  escapeText,
  glossaryCitation,
  layout,
  neutralizeMentions,
  noMentions,
  shorten,
  type BotMessage,
} from "./format.ts";

export { MASK } from "../../src/quiz/quiz.ts";
export type { QuizQuestion } from "../../src/quiz/quiz.ts";

/** Entries whose slug fits a button's custom_id (`quiz:answer:<slug>:<slug>`, 100 characters at most). */
const SLUG_MAX = 40;

/** A question by the quiz rule every surface shares (src/quiz/quiz.ts), from entries that fit in a button id. */
export function buildQuiz(entries: GlossaryEntry[], random: () => number = Math.random): QuizQuestion | undefined {
  return buildSharedQuiz(
    entries.filter((e) => e.slug.length <= SLUG_MAX && !e.slug.includes(":")),
    { random },
  );
}

/** customId of one option: `quiz:answer:<answer slug>:<chosen slug>`. */
export function quizCustomId(answer: GlossaryEntry, chosen: GlossaryEntry): string {
  return `quiz:answer:${answer.slug}:${chosen.slug}`;
}

export function formatQuiz(question: QuizQuestion): BotMessage {
  const buttons: APIButtonComponent[] = question.options.map((option) => ({
    type: ComponentType.Button,
    style: ButtonStyle.Primary,
    custom_id: quizCustomId(question.answer, option).slice(0, LIMITS.customId),
    label: shorten(option.term, LIMITS.buttonLabel),
  }));
  return {
    embeds: [
      {
        title: "Which term is this?",
        description: shorten(neutralizeMentions(question.prompt), LIMITS.description),
        color: COLORS.info,
        footer: { text: "Pick one below. Everyone can answer; your score is kept while the bot runs." },
      },
    ],
    components: [{ type: ComponentType.ActionRow, components: buttons }],
    allowedMentions: noMentions(),
  };
}

export interface Score {
  correct: number;
  total: number;
}

export function formatQuizResult(input: {
  correct: boolean;
  answer: GlossaryEntry;
  chosen?: GlossaryEntry;
  score: Score;
  alreadyAnswered?: boolean;
}): BotMessage[] {
  const { answer, score } = input;
  const verdict = input.alreadyAnswered
    ? `You already answered this one. It was **${escapeText(answer.term)}**.`
    : input.correct
      ? `✅ Right! It is **${escapeText(answer.term)}**.`
      : `❌ Not quite${input.chosen ? ` (you picked ${escapeText(input.chosen.term)})` : ""}. It is **${escapeText(answer.term)}**.`;
  const fields: APIEmbedField[] = [];
  if (answer.aliases.length) fields.push({ name: "Also called", value: escapeText(answer.aliases.join(", ")), inline: true });
  fields.push(citationField(glossaryCitation(answer)));
  return layout({
    title: escapeText(answer.term),
    text: `${verdict}\n\n${neutralizeMentions(answer.definition)} [1]`,
    fields,
    footer: `Your score: ${score.correct}/${score.total} · /quiz for another question`,
    color: input.correct && !input.alreadyAnswered ? COLORS.answered : COLORS.not_found,
  });
}

/** Running score per user; each (user, quiz message) counts once. */
export class QuizScores {
  private readonly scores = new Map<string, Score>();
  private readonly answered = new Map<string, number>();
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  get(userId: string): Score {
    return { ...(this.scores.get(userId) ?? { correct: 0, total: 0 }) };
  }

  /** Records an answer to question `questionKey`; a second answer to the same question does not count. */
  record(userId: string, questionKey: string, correct: boolean): Score & { alreadyAnswered: boolean } {
    const key = `${userId}:${questionKey}`;
    if (this.answered.has(key)) return { ...this.get(userId), alreadyAnswered: true };
    this.answered.set(key, this.now());
    if (this.answered.size > 50_000) this.prune();
    const score = this.scores.get(userId) ?? { correct: 0, total: 0 };
    score.total += 1;
    if (correct) score.correct += 1;
    this.scores.set(userId, score);
    return { ...score, alreadyAnswered: false };
  }

  private prune(): void {
    const cutoff = this.now() - 24 * 3600_000;
    for (const [key, at] of this.answered) if (at < cutoff) this.answered.delete(key);
  }
}

import { SlashCommandBuilder } from "discord.js";
import { buildQuiz, formatQuiz, formatQuizResult } from "../quiz.ts";
import { replyAll, replyEphemeral } from "../respond.ts";
import type { Command } from "../types.ts";

export default {
  data: new SlashCommandBuilder().setName("quiz").setDescription("Practise the vocabulary: which term matches this definition?"),
  async execute(interaction, ctx) {
    const question = buildQuiz(ctx.assistant.glossary.list(), ctx.random);
    if (!question) {
      await replyEphemeral(interaction, "The glossary needs at least four terms for a quiz.");
      return;
    }
    await interaction.reply(formatQuiz(question));
  },
  /** `quiz:answer:<answer slug>:<chosen slug>`: replies (ephemeral) right or wrong, with the definition and its citation. */
  async handleButton(interaction, args, ctx) {
    const [action, answerSlug, chosenSlug] = args;
    if (action !== "answer") return;
    const entries = ctx.assistant.glossary.list();
    const answer = entries.find((e) => e.slug === answerSlug);
    if (!answer) {
      await replyEphemeral(interaction, "This question is no longer available; try `/quiz` for a new one.");
      return;
    }
    const chosen = entries.find((e) => e.slug === chosenSlug);
    const correct = answerSlug === chosenSlug;
    const score = ctx.quizScores.record(interaction.user.id, interaction.message.id, correct);
    await replyAll(interaction, formatQuizResult({ correct, answer, chosen, score, alreadyAnswered: score.alreadyAnswered }), {
      ephemeral: true,
    });
  },
} satisfies Command;

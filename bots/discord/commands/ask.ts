import { SlashCommandBuilder } from "discord.js";
import { MAX_QUESTION_LENGTH } from "../limits.ts";
import { askAndReply, readText, takeCooldown } from "../respond.ts";
import type { Command } from "../types.ts";

export default {
  data: new SlashCommandBuilder()
    .setName("ask")
    .setDescription("Ask about outsourcing (KPO, BPO, ...): the answer cites its sources")
    .addStringOption((o) =>
      o.setName("question").setDescription("Your question, e.g. What is knowledge process outsourcing?").setRequired(true).setMaxLength(MAX_QUESTION_LENGTH),
    ),
  async execute(interaction, ctx) {
    const question = await readText(interaction, "question", ctx.config.maxQuestionLength);
    if (question === undefined || !(await takeCooldown(interaction, ctx))) return;
    await askAndReply(interaction, question, ctx, {}, { conversation: true });
  },
} satisfies Command;

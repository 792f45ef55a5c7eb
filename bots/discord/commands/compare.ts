import { SlashCommandBuilder } from "discord.js";
import { comparisonQuestion } from "../../../src/answer/questions.ts";
import { escapeText } from "../format.ts";
import { MAX_TERM_LENGTH } from "../limits.ts";
import { askAndReply, readText, takeCooldown } from "../respond.ts";
import type { Command } from "../types.ts";

export default {
  data: new SlashCommandBuilder()
    .setName("compare")
    .setDescription("Compare two outsourcing terms, e.g. KPO and BPO")
    .addStringOption((o) => o.setName("a").setDescription("First term").setRequired(true).setMaxLength(MAX_TERM_LENGTH))
    .addStringOption((o) => o.setName("b").setDescription("Second term").setRequired(true).setMaxLength(MAX_TERM_LENGTH)),
  async execute(interaction, ctx) {
    const a = await readText(interaction, "a", ctx.config.maxTermLength);
    if (a === undefined) return;
    const b = await readText(interaction, "b", ctx.config.maxTermLength);
    if (b === undefined || !(await takeCooldown(interaction, ctx))) return;
    await askAndReply(interaction, comparisonQuestion(a, b), ctx, {
      title: `${escapeText(a)} vs ${escapeText(b)}`,
    });
  },
} satisfies Command;

import { SlashCommandBuilder } from "discord.js";
import { formatSources } from "../format.ts";
import { replyAll } from "../respond.ts";
import type { Command } from "../types.ts";

export default {
  data: new SlashCommandBuilder().setName("sources").setDescription("List the documents the answers come from"),
  async execute(interaction, ctx) {
    await replyAll(interaction, formatSources(ctx.assistant.sources.list()));
  },
} satisfies Command;

import { SlashCommandBuilder } from "discord.js";
import { GLOSSARY_FILTER_MAX, cleanInput, glossaryPage } from "../format.ts";
import type { Command } from "../types.ts";

export default {
  data: new SlashCommandBuilder()
    .setName("glossary")
    .setDescription("Browse the glossary of outsourcing terms")
    .addStringOption((o) => o.setName("filter").setDescription("Only terms containing this text").setMaxLength(GLOSSARY_FILTER_MAX)),
  async execute(interaction, ctx) {
    const filter = cleanInput(interaction.options.getString("filter") ?? "").slice(0, GLOSSARY_FILTER_MAX);
    await interaction.reply(glossaryPage(ctx.assistant.glossary.list(filter || undefined), 0, filter));
  },
  /** `glossary:page:<n>:<filter>` from the ◀/▶ buttons. */
  async handleButton(interaction, args, ctx) {
    const [action, page, ...rest] = args;
    if (action !== "page") return;
    const filter = rest.join(":").slice(0, GLOSSARY_FILTER_MAX);
    await interaction.update(glossaryPage(ctx.assistant.glossary.list(filter || undefined), Number(page), filter));
  },
} satisfies Command;

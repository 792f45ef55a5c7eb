import { MessageFlags, SlashCommandBuilder, type ApplicationCommandOptionChoiceData } from "discord.js";
import type { GlossaryLookup } from "../../../src/assistant-types.ts";
import { LIMITS, cleanInput, formatDefinition, shorten, unknownTerm } from "../format.ts";
import { MAX_TERM_LENGTH } from "../limits.ts";
import { readText, replyAll } from "../respond.ts";
import type { Command } from "../types.ts";

/** Autocomplete choices: terms whose name or aliases contain the input, then close spellings. */
export function termChoices(glossary: GlossaryLookup, input: string): ApplicationCommandOptionChoiceData<string>[] {
  const q = cleanInput(input).slice(0, MAX_TERM_LENGTH);
  const lower = q.toLowerCase();
  const entries = q ? glossary.list(q) : glossary.list();
  const seen = new Set(entries.map((e) => e.slug));
  if (q && entries.length < LIMITS.choices) {
    for (const e of glossary.suggest(q, LIMITS.choices)) if (!seen.has(e.slug)) (seen.add(e.slug), entries.push(e));
  }
  return entries.slice(0, LIMITS.choices).map((e) => {
    const alias = lower && !e.term.toLowerCase().includes(lower) ? e.aliases.find((a) => a.toLowerCase().includes(lower)) : undefined;
    return { name: shorten(alias ? `${alias} → ${e.term}` : e.term, LIMITS.choiceName), value: e.term.slice(0, 100) };
  });
}

export default {
  data: new SlashCommandBuilder()
    .setName("define")
    .setDescription("Look up a term in the outsourcing glossary")
    .addStringOption((o) =>
      o.setName("term").setDescription("A term or abbreviation, e.g. KPO").setRequired(true).setAutocomplete(true).setMaxLength(MAX_TERM_LENGTH),
    ),
  async execute(interaction, ctx) {
    const term = await readText(interaction, "term", ctx.config.maxTermLength);
    if (term === undefined) return;
    const entry = ctx.assistant.glossary.lookup(term);
    if (!entry) {
      const message = unknownTerm(term, ctx.assistant.glossary.suggest(term, 3));
      await interaction.reply({ ...message, flags: MessageFlags.Ephemeral });
      return;
    }
    await replyAll(interaction, formatDefinition(entry));
  },
  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    await interaction.respond(focused.name === "term" ? termChoices(ctx.assistant.glossary, String(focused.value)) : []);
  },
} satisfies Command;

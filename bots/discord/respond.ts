/** Small helpers shared by the command handlers: sending multi-part replies, cooldown notices. */
import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type ModalSubmitInteraction } from "discord.js";
import type { Answer } from "../../src/schema/answer.ts";
import { cleanInput, formatAnswer, notice, type AnswerFormatOptions, type BotMessage } from "./format.ts";
import type { BotContext } from "./types.ts";

export type Repliable = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

/**
 * Sends the messages as the interaction's reply: the first one edits the deferred reply (or
 * replies), the others follow up. Ephemeral only applies when the reply was not deferred
 * publicly.
 */
export async function replyAll(interaction: Repliable, messages: BotMessage[], options: { ephemeral?: boolean } = {}): Promise<void> {
  const flags = options.ephemeral ? MessageFlags.Ephemeral : undefined;
  const [first, ...rest] = messages;
  if (!first) return;
  if (interaction.deferred) await interaction.editReply(first);
  else await interaction.reply(flags ? { ...first, flags } : first);
  for (const message of rest) await interaction.followUp(flags ? { ...message, flags } : message);
}

export async function replyEphemeral(interaction: Repliable, text: string): Promise<void> {
  const message = notice(text);
  if (interaction.deferred || interaction.replied) await interaction.followUp({ ...message, flags: MessageFlags.Ephemeral });
  else await interaction.reply({ ...message, flags: MessageFlags.Ephemeral });
}

export function cooldownText(retryAfterMs: number): string {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return `Easy there! You can ask again in ${seconds} second${seconds === 1 ? "" : "s"}. Meanwhile, \`/define\` and \`/glossary\` are always available.`;
}

/** Takes a cooldown slot for the user, or tells them politely (ephemeral) and returns false. */
export async function takeCooldown(interaction: Repliable, ctx: BotContext): Promise<boolean> {
  const slot = ctx.cooldown.take(interaction.user.id);
  if (slot.ok) return true;
  await replyEphemeral(interaction, cooldownText(slot.retryAfterMs));
  return false;
}

/** Cleans a text option and checks its length; replies with an ephemeral notice when unusable. */
export async function readText(
  interaction: ChatInputCommandInteraction,
  name: string,
  max: number,
): Promise<string | undefined> {
  const value = cleanInput(interaction.options.getString(name, true));
  if (!value) {
    await replyEphemeral(interaction, `Please give a ${name}.`);
    return undefined;
  }
  if (value.length > max) {
    await replyEphemeral(interaction, `That ${name} is too long (${value.length} characters; at most ${max}). Please shorten it.`);
    return undefined;
  }
  return value;
}

/** Defers (answers can take over 2 s), asks, and sends the answer with its sources and 👍/👎. */
export async function askAndReply(
  interaction: ChatInputCommandInteraction,
  question: string,
  ctx: BotContext,
  format: AnswerFormatOptions = {},
): Promise<Answer> {
  await interaction.deferReply();
  const answer = await ctx.assistant.ask(question, {}, { channel: "discord" });
  await replyAll(interaction, formatAnswer(answer, format));
  return answer;
}

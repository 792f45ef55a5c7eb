/** Small helpers shared by the command handlers: sending multi-part replies, cooldown notices. */
import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type Message, type ModalSubmitInteraction } from "discord.js";
import type { Answer } from "../../src/schema/answer.ts";
import { isConversationThread, openConversationThread, threadHistory } from "./conversation.ts";
import { cleanInput, formatAnswer, notice, type AnswerFormatOptions, type BotMessage } from "./format.ts";
import type { BotContext } from "./types.ts";

export type Repliable = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

/**
 * Sends the messages as the interaction's reply: the first one edits the deferred reply (or
 * replies), the others follow up. Ephemeral only applies when the reply was not deferred
 * publicly.
 */
export async function replyAll(interaction: Repliable, messages: BotMessage[], options: { ephemeral?: boolean } = {}): Promise<Message | undefined> {
  const flags = options.ephemeral ? MessageFlags.Ephemeral : undefined;
  const [first, ...rest] = messages;
  if (!first) return undefined;
  let sent: Message | undefined;
  if (interaction.deferred) sent = await interaction.editReply(first);
  else await interaction.reply(flags ? { ...first, flags } : first);
  for (const message of rest) await interaction.followUp(flags ? { ...message, flags } : message);
  return sent;
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

/**
 * Defers (answers can take over 2 s), asks, and sends the answer with its sources and 👍/👎.
 * In a conversation thread the question is a follow-up (its history read from the thread);
 * in a channel, with `conversation`, the answer opens a thread for follow-ups.
 */
export async function askAndReply(
  interaction: ChatInputCommandInteraction,
  question: string,
  ctx: BotContext,
  format: AnswerFormatOptions = {},
  options: { conversation?: boolean } = {},
): Promise<Answer> {
  await interaction.deferReply();
  const me = interaction.client.user.id;
  const thread = options.conversation && interaction.channel?.isThread() && isConversationThread(interaction.channel, me) ? interaction.channel : undefined;
  const history = thread ? await threadHistory(thread, me) : [];
  const answer = await ctx.assistant.ask(question, history.length ? { history } : {}, { channel: "discord" });
  const sent = await replyAll(interaction, formatAnswer(answer, { ...format, followUp: history.length > 0 }));
  if (options.conversation && !thread && sent) {
    await openConversationThread(sent, question, (error) => ctx.logger.warn({ err: error }, "could not open a conversation thread"));
  }
  return answer;
}

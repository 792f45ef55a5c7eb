/**
 * Conversations on Discord. An answer in a channel opens a thread on it; a message in such a
 * thread (or a reply to one of the bot's answers) is a follow-up, and its history is read back
 * from Discord itself: the bot keeps no state, so a restart or a second replica loses nothing.
 */
import { ChannelType, ThreadAutoArchiveDuration, type AnyThreadChannel, type Message, type TextBasedChannel } from "discord.js";
import { MAX_HISTORY_ANSWER_CHARS, recentTurns, type ConversationTurn } from "../../src/schema/conversation.ts";
import { cleanInput, notice, shorten } from "./format.ts";

/** Discord returns at most 100 messages a request: the most of a thread a follow-up reads. */
export const HISTORY_MESSAGES = 100;
/** Discord's limit on a thread name. */
const THREAD_NAME_MAX = 100;
/** How far up a chain of replies a follow-up looks (each turn is two messages). */
const MAX_REPLY_HOPS = 20;

export const THREAD_HINT = "Ask follow-up questions in this thread (“and its risks?”, “tell me more”): I answer them with the conversation so far in mind.";

/** A thread the bot opened on one of its answers: every message in it is a follow-up. */
export function isConversationThread(channel: TextBasedChannel | null, botId: string): channel is AnyThreadChannel {
  return Boolean(channel?.isThread() && channel.ownerId === botId);
}

/** Text typed by a user as a question: mentions of the bot removed, control characters and extra spaces gone. */
export function questionText(content: string, botId: string): string {
  return cleanInput(content.replace(new RegExp(`<@!?${botId}>`, "g"), " "));
}

/** Markdown escapes and defused mentions (see format.ts) taken out again: the question as typed. */
function unescape(text: string): string {
  return text.replace(/\u200b/g, "").replace(/\\([^\p{L}\p{N}\s])/gu, "$1");
}

/** The answer text of one of the bot's answer messages: its embeds' descriptions, without the "Answering" and related-terms lines. */
function answerText(message: Message): string {
  return message.embeds
    .map((e) => e.description ?? "")
    .join("\n\n")
    .replace(/^\*Answering: .*\*\n+/, "")
    .replace(/\n+\*\*Related terms:\*\*.*$/s, "")
    .trim();
}

const isAnswer = (message: Message, botId: string) => message.author.id === botId && message.embeds.some((e) => e.footer?.text.startsWith("answer "));

function turn(question: string, answer: string): ConversationTurn {
  const trimmed = answer.length > MAX_HISTORY_ANSWER_CHARS ? answer.slice(0, MAX_HISTORY_ANSWER_CHARS) : answer;
  return { question, ...(trimmed ? { answer: trimmed } : {}) };
}

/**
 * The turns of a bot thread (before the message `before`, the follow-up itself), oldest first:
 * the answer the thread was opened on, then each user's message in it with the bot's answer to
 * it. One request for the starter and one for the last HISTORY_MESSAGES messages; the last 10
 * turns are kept.
 */
export async function threadHistory(thread: AnyThreadChannel, botId: string, before?: string): Promise<ConversationTurn[]> {
  const turns: ConversationTurn[] = [];
  const starter = await thread.fetchStarterMessage().catch(() => null);
  if (starter && isAnswer(starter, botId) && starter.embeds[0]?.title) turns.push(turn(unescape(starter.embeds[0].title), answerText(starter)));
  const fetched = await thread.messages.fetch({ limit: HISTORY_MESSAGES, ...(before ? { before } : {}), cache: false });
  const messages = [...fetched.values()].reverse();
  let current: { question: string; answer: string[] } | undefined;
  const close = () => {
    if (current) turns.push(turn(current.question, current.answer.join("\n\n")));
  };
  for (const m of messages) {
    if (m.author.id === botId) {
      if (current && m.embeds.length) current.answer.push(answerText(m));
    } else if (!m.author.bot && !m.system) {
      const question = questionText(m.content, botId);
      if (!question) continue;
      close();
      current = { question, answer: [] };
    }
  }
  close();
  return recentTurns(turns);
}

/**
 * The turns of a chain of replies ending with `message`, a reply to one of the bot's answers:
 * each answer with the question it replied to (its message, or the answer's title), oldest first.
 */
export async function replyHistory(message: Message, botId: string): Promise<ConversationTurn[]> {
  const turns: ConversationTurn[] = [];
  let at: Message | undefined = message;
  for (let hop = 0; at?.reference?.messageId && hop < MAX_REPLY_HOPS; hop += 2) {
    const answer: Message | null = await at.fetchReference().catch(() => null);
    if (!answer || !isAnswer(answer, botId)) break;
    const asked: Message | null = answer.reference?.messageId ? await answer.fetchReference().catch(() => null) : null;
    const question = asked && asked.author.id !== botId ? questionText(asked.content, botId) : unescape(answer.embeds[0]?.title ?? "");
    if (!question) break;
    turns.unshift(turn(question, answerText(answer)));
    at = asked ?? undefined;
  }
  return recentTurns(turns);
}

/** Whether a message replies to one of the bot's answers (so it continues that conversation). */
export async function repliesToAnswer(message: Message, botId: string): Promise<boolean> {
  // Discord sends the replied-to message's author with the reply: only replies to the bot are looked at.
  if (!message.reference?.messageId || message.mentions.repliedUser?.id !== botId) return false;
  const referenced = await message.fetchReference().catch(() => null);
  return referenced !== null && isAnswer(referenced, botId);
}

/**
 * Opens a thread on an answer posted in a channel, named after the question, with a line saying
 * what it is for. Best effort: where threads cannot be opened (a DM, a thread already, missing
 * permissions) the answer simply stays as it is.
 */
export async function openConversationThread(answer: Message, question: string, onError: (error: unknown) => void): Promise<void> {
  if (answer.channel.type !== ChannelType.GuildText && answer.channel.type !== ChannelType.GuildAnnouncement) return;
  try {
    const thread = await answer.startThread({ name: shorten(question, THREAD_NAME_MAX), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
    await thread.send(notice(THREAD_HINT));
  } catch (error) {
    onError(error);
  }
}

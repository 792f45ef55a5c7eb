/**
 * The Discord surface: a discord.js client whose handlers call the Assistant and render
 * its results with format.ts. Built from arguments only (no process.env).
 */
import { randomUUID } from "node:crypto";
import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  type ButtonInteraction,
  type Interaction,
  type Message,
} from "discord.js";
import type { Assistant } from "../../src/assistant-types.ts";
import type { Settings } from "../../src/config/settings.ts";
import { isAcknowledgement } from "../../src/answer/conversation/resolve.ts";
import { ConfigError } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import { commandsByName } from "./commands/index.ts";
import { Cooldown } from "./cooldown.ts";
import { isConversationThread, openConversationThread, questionText, replyHistory, repliesToAnswer, threadHistory } from "./conversation.ts";
import { handleFeedbackButton, handleReasonModal, REASON_MODAL } from "./feedback.ts";
import { formatAnswer, noMentions, notice } from "./format.ts";
import { MAX_QUESTION_LENGTH, MAX_TERM_LENGTH } from "./limits.ts";
import { QuizScores } from "./quiz.ts";
import { cooldownText } from "./respond.ts";
import type { BotConfig, BotContext } from "./types.ts";

export const MISSING_TOKEN_MESSAGE =
  "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications (Bot > Reset Token), " +
  "then set DISCORD_TOKEN (and DISCORD_APP_ID for `npm run discord:register`) in the environment.";

/** The only settings the bot reads (no LLM keys, no database URLs). */
export type BotSettings = Pick<Settings, "DISCORD_TOKEN" | "DISCORD_API_BASE" | "DISCORD_ALLOWED_CHANNELS" | "DISCORD_COOLDOWN_SECONDS" | "LOG_QUESTIONS">;

export function botSettings(settings: Settings): BotSettings {
  const { DISCORD_TOKEN, DISCORD_API_BASE, DISCORD_ALLOWED_CHANNELS, DISCORD_COOLDOWN_SECONDS, LOG_QUESTIONS } = settings;
  return { DISCORD_TOKEN, DISCORD_API_BASE, DISCORD_ALLOWED_CHANNELS, DISCORD_COOLDOWN_SECONDS, LOG_QUESTIONS };
}

export interface BotDeps {
  settings: BotSettings;
  logger: Logger;
  assistant: Assistant;
  /** Clock for the cooldown and quiz bookkeeping (tests inject one). */
  now?: () => number;
  /** Randomness for quizzes (tests inject a seeded one). */
  random?: () => number;
  /** Overrides of the limits derived from settings. */
  config?: Partial<BotConfig>;
}

export interface Bot {
  client: Client;
  close(): Promise<void>;
}

function friendlyError(requestId: string): string {
  return `Sorry, something went wrong on my side and I could not finish that. Please try again in a moment. (request id: ${requestId})`;
}

/** Builds the client and wires every handler; does not log in. */
export function createBotClient(deps: BotDeps): { client: Client; context: BotContext } {
  const { settings, assistant } = deps;
  const logger = deps.logger.child({ component: "discord" });
  const context: BotContext = {
    assistant,
    logger,
    config: {
      allowedChannels: settings.DISCORD_ALLOWED_CHANNELS,
      maxQuestionLength: MAX_QUESTION_LENGTH,
      maxTermLength: MAX_TERM_LENGTH,
      ...deps.config,
    },
    cooldown: new Cooldown({ seconds: settings.DISCORD_COOLDOWN_SECONDS, now: deps.now }),
    quizScores: new QuizScores({ now: deps.now }),
    random: deps.random ?? Math.random,
  };

  const client = new Client({
    // MessageContent: a follow-up in a conversation thread (or a reply to an answer) need not mention the bot.
    // Without the intent Discord still delivers messages that mention it, so those keep working.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    allowedMentions: noMentions(),
    rest: settings.DISCORD_API_BASE ? { api: settings.DISCORD_API_BASE } : {},
  });

  const channelAllowed = (channelId: string | null, parentId?: string | null): boolean => {
    const allowed = context.config.allowedChannels;
    if (allowed.length === 0) return true;
    return Boolean((channelId && allowed.includes(channelId)) || (parentId && allowed.includes(parentId)));
  };

  client.on(Events.InteractionCreate, (interaction) => {
    void handleInteraction(interaction);
  });

  async function handleInteraction(interaction: Interaction): Promise<void> {
    const started = Date.now();
    const label = interaction.isChatInputCommand() || interaction.isAutocomplete()
      ? interaction.commandName
      : interaction.isButton() || interaction.isModalSubmit()
        ? interaction.customId.split(":")[0]!
        : `type-${interaction.type}`;
    try {
      const parentId = interaction.channel && "parentId" in interaction.channel ? interaction.channel.parentId : null;
      if (!channelAllowed(interaction.channelId, parentId)) {
        if (interaction.isAutocomplete()) await interaction.respond([]);
        else if (interaction.isRepliable()) {
          const where = context.config.allowedChannels.map((id) => `<#${id}>`).join(", ");
          await interaction.reply({ ...notice(`I only answer in ${where}.`), flags: MessageFlags.Ephemeral });
        }
        return;
      }
      if (interaction.isChatInputCommand()) {
        const command = commandsByName.get(interaction.commandName);
        if (!command) throw new Error(`unknown command /${interaction.commandName}`);
        if (settings.LOG_QUESTIONS) logger.info({ command: label, user: interaction.user.id, options: interaction.options.data.map((o) => [o.name, o.value]) }, "command");
        await command.execute(interaction, context);
      } else if (interaction.isAutocomplete()) {
        const command = commandsByName.get(interaction.commandName);
        await (command?.autocomplete ? command.autocomplete(interaction, context) : interaction.respond([]));
      } else if (interaction.isButton()) {
        await handleButton(interaction);
      } else if (interaction.isModalSubmit()) {
        const [prefix, ...id] = interaction.customId.split(":");
        if (prefix !== REASON_MODAL) throw new Error(`no handler for modal ${interaction.customId}`);
        await handleReasonModal(interaction, id.join(":"), context);
      } else {
        return;
      }
      logger.debug({ command: label, user: interaction.user.id, ms: Date.now() - started }, "handled");
    } catch (error) {
      const requestId = randomUUID().slice(0, 8);
      logger.error({ err: error, requestId, command: label, user: interaction.user.id, channel: interaction.channelId }, "discord interaction failed");
      await reportError(interaction, requestId).catch((e: unknown) =>
        logger.warn({ err: e, requestId }, "could not tell the user about the error"),
      );
    }
  }

  async function handleButton(interaction: ButtonInteraction): Promise<void> {
    const [prefix, ...args] = interaction.customId.split(":");
    if (prefix === "fb") return handleFeedbackButton(interaction, args, context);
    const command = prefix ? commandsByName.get(prefix) : undefined;
    if (!command?.handleButton) throw new Error(`no handler for button ${interaction.customId}`);
    await command.handleButton(interaction, args, context);
  }

  async function reportError(interaction: Interaction, requestId: string): Promise<void> {
    if (interaction.isAutocomplete()) {
      if (!interaction.responded) await interaction.respond([]);
      return;
    }
    if (!interaction.isRepliable()) return;
    const message = { ...notice(friendlyError(requestId)), flags: MessageFlags.Ephemeral as const };
    if (interaction.deferred && !interaction.ephemeral) {
      // A public "thinking…" placeholder: remove it, then tell only the user.
      await interaction.deleteReply().catch(() => undefined);
      await interaction.followUp(message);
    } else if (interaction.deferred || interaction.replied) {
      await interaction.followUp(message);
    } else {
      await interaction.reply(message);
    }
  }

  client.on(Events.MessageCreate, (message) => {
    void handleMessage(message);
  });

  /**
   * A mention asks a question; so does any message in a conversation thread the bot opened, and
   * a reply to one of its answers, which are follow-ups: their history is read from Discord.
   */
  async function handleMessage(message: Message): Promise<void> {
    const me = client.user;
    if (!me || message.author.bot || message.author.id === me.id || message.webhookId || message.system) return;
    const thread = isConversationThread(message.channel, me.id) ? message.channel : undefined;
    const inThread = thread !== undefined;
    const mentioned = message.mentions.users.has(me.id);
    if (!inThread && !mentioned && !message.reference) return;
    const parentId = "parentId" in message.channel ? message.channel.parentId : null;
    if (!channelAllowed(message.channelId, parentId)) return;
    try {
      const reply = !inThread && (await repliesToAnswer(message, me.id));
      if (!inThread && !mentioned && !reply) return;
      const question = questionText(message.content, me.id);
      // "thanks!" in a conversation thread is said to the people in it, not asked of the bot.
      if (!mentioned && isAcknowledgement(question)) return;
      if (!question) {
        await message.reply(notice("Ask me something after the mention, e.g. “what is KPO?”, or use `/ask`."));
        return;
      }
      if (question.length > context.config.maxQuestionLength) {
        await message.reply(
          notice(`That question is too long (${question.length} characters; at most ${context.config.maxQuestionLength}). Please shorten it.`),
        );
        return;
      }
      const slot = context.cooldown.take(message.author.id);
      if (!slot.ok) {
        await message.reply(notice(cooldownText(slot.retryAfterMs)));
        return;
      }
      if (settings.LOG_QUESTIONS) logger.info({ command: "mention", user: message.author.id, question, followUp: inThread || reply }, "mention");
      if (message.channel.isSendable()) await message.channel.sendTyping().catch(() => undefined);
      const history = thread ? await threadHistory(thread, me.id, message.id) : reply ? await replyHistory(message, me.id) : [];
      const answer = await assistant.ask(question, history.length ? { history } : {}, { channel: "discord" });
      const [first, ...rest] = formatAnswer(answer, { followUp: history.length > 0 });
      const sent = await message.reply(first!);
      for (const part of rest) {
        if (message.channel.isSendable()) await message.channel.send(part);
      }
      // A question asked in a channel continues in a thread on its answer.
      if (!inThread && !reply) await openConversationThread(sent, question, (error) => logger.warn({ err: error }, "could not open a conversation thread"));
    } catch (error) {
      const requestId = randomUUID().slice(0, 8);
      logger.error({ err: error, requestId, command: "mention", user: message.author.id, channel: message.channelId }, "discord mention failed");
      await message.reply(notice(friendlyError(requestId))).catch(() => undefined);
    }
  }

  client.on(Events.Error, (error) => logger.error({ err: error }, "discord client error"));
  client.on(Events.Warn, (warning) => logger.warn({ warning }, "discord client warning"));

  return { client, context };
}

/** Logs in and resolves once the client is ready. `close()` disconnects (the assistant stays open). */
export async function startBot(deps: BotDeps): Promise<Bot> {
  const token = deps.settings.DISCORD_TOKEN;
  if (!token) throw new ConfigError("DISCORD_TOKEN", MISSING_TOKEN_MESSAGE.replace(/^DISCORD_TOKEN /, ""));
  const { client } = createBotClient(deps);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(token);
    await ready;
  } catch (error) {
    await client.destroy();
    throw error;
  }
  deps.logger.info({ component: "discord", user: client.user?.tag, guilds: client.guilds.cache.size }, "discord bot ready");
  let closed: Promise<void> | undefined;
  return {
    client,
    close: () => (closed ??= client.destroy()),
  };
}

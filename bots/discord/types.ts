import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import type { Assistant } from "../../src/assistant-types.ts";
import type { Logger } from "../../src/logger.ts";
import type { Cooldown } from "./cooldown.ts";
import type { QuizScores } from "./quiz.ts";

/** Limits and switches of the bot, derived once from Settings by the composition root. */
export interface BotConfig {
  /** Channel ids the bot answers in; empty means everywhere. */
  allowedChannels: string[];
  /** Longest question accepted (slash option and mentions). */
  maxQuestionLength: number;
  /** Longest glossary term / compare operand accepted. */
  maxTermLength: number;
}

/** Everything a command handler may use; built once per bot, never from process.env. */
export interface BotContext {
  assistant: Assistant;
  logger: Logger;
  config: BotConfig;
  /** Rate limit for the expensive commands (/ask, /compare, mentions). */
  cooldown: Cooldown;
  quizScores: QuizScores;
  /** Uniform random number in [0, 1); injectable for deterministic quizzes. */
  random: () => number;
}

/**
 * One slash command: its registration `data` (reused by register.ts) and its handlers.
 * Buttons whose customId starts with `<name>:` are routed to `handleButton` with the rest
 * of the customId split on ":".
 */
export interface Command {
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
  handleButton?(interaction: ButtonInteraction, args: string[], ctx: BotContext): Promise<void>;
}

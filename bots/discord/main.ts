/**
 * Composition root for `npm run bot`: the Discord bot alone. Reads the environment once,
 * builds the assistant, starts the bot, and closes both on SIGINT/SIGTERM.
 * (`npm start` also starts the bot, next to the HTTP API, when DISCORD_TOKEN is set.)
 */
import { createLiveAssistant } from "../../src/live-assistant.ts";
import { loadDotEnv } from "../../src/config/project.ts";
import { loadSettings } from "../../src/config/settings.ts";
import { AppError } from "../../src/errors.ts";
import { createLogger } from "../../src/logger.ts";
import { MISSING_TOKEN_MESSAGE, botSettings, startBot } from "./bot.ts";

async function main(): Promise<void> {
  loadDotEnv(process.cwd());
  const settings = loadSettings(process.env);
  if (!settings.DISCORD_TOKEN) {
    console.error(MISSING_TOKEN_MESSAGE);
    process.exitCode = 1;
    return;
  }
  const logger = createLogger(settings, "kpo-discord");
  // Follows DATA_DIR/CURRENT, so documents added with `kpo add` are answered from without a restart.
  const live = createLiveAssistant(settings, { logger });
  await live.start();
  let bot;
  try {
    bot = await startBot({ settings: botSettings(settings), logger, assistant: live.assistant });
  } catch (error) {
    await live.close();
    throw error;
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down the discord bot");
    const timer = setTimeout(() => process.exit(1), settings.SHUTDOWN_TIMEOUT_MS).unref();
    await bot.close().catch((error: unknown) => logger.error({ err: error }, "closing the discord client failed"));
    await live.close().catch((error: unknown) => logger.error({ err: error }, "closing the assistant failed"));
    clearTimeout(timer);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof AppError) console.error(error.message);
  else if (error instanceof Error && /TokenInvalid|invalid token/i.test(`${error.name} ${error.message}`)) {
    console.error(`DISCORD_TOKEN was rejected by Discord (${error.message}). Reset it at https://discord.com/developers/applications.`);
  } else console.error(error instanceof Error ? error.stack ?? error.message : String(error));
  process.exitCode = 1;
});

/**
 * `npm run discord:register`: registers the slash commands with Discord, to DISCORD_GUILD_ID
 * when set (appears instantly in that server) or globally (can take up to an hour).
 * Reuses each command's `data`; re-running replaces the whole set (PUT).
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REST, Routes } from "discord.js";
import { loadSettings } from "../../src/config/settings.ts";
import { AppError } from "../../src/errors.ts";
import { MISSING_TOKEN_MESSAGE } from "./bot.ts";
import { commands as allCommands } from "./commands/index.ts";
import type { Command } from "./types.ts";

export interface RegisterOptions {
  token: string;
  appId: string;
  guildId?: string;
  /** REST base override (DISCORD_API_BASE); the client appends /v10. */
  apiBase?: string;
  commands?: Command[];
}

export async function registerCommands(options: RegisterOptions): Promise<{ scope: "guild" | "global"; names: string[] }> {
  const commands = options.commands ?? allCommands;
  const rest = new REST(options.apiBase ? { api: options.apiBase } : {}).setToken(options.token);
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.appId, options.guildId)
    : Routes.applicationCommands(options.appId);
  await rest.put(route, { body: commands.map((c) => c.data.toJSON()) });
  return { scope: options.guildId ? "guild" : "global", names: commands.map((c) => c.data.name) };
}

async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  if (!settings.DISCORD_TOKEN) {
    console.error(MISSING_TOKEN_MESSAGE);
    process.exitCode = 1;
    return;
  }
  if (!settings.DISCORD_APP_ID) {
    console.error("DISCORD_APP_ID is not set: copy the Application ID from https://discord.com/developers/applications (General Information).");
    process.exitCode = 1;
    return;
  }
  const result = await registerCommands({
    token: settings.DISCORD_TOKEN,
    appId: settings.DISCORD_APP_ID,
    guildId: settings.DISCORD_GUILD_ID,
    apiBase: settings.DISCORD_API_BASE,
  });
  console.log(
    result.scope === "guild"
      ? `Registered ${result.names.length} commands (/${result.names.join(", /")}) in server ${settings.DISCORD_GUILD_ID}.`
      : `Registered ${result.names.length} commands (/${result.names.join(", /")}) globally; they can take up to an hour to appear.`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof AppError || error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}

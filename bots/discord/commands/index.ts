import type { Command } from "../types.ts";
import ask from "./ask.ts";
import compare from "./compare.ts";
import define from "./define.ts";
import glossary from "./glossary.ts";
import quiz from "./quiz.ts";
import sources from "./sources.ts";

/** Every slash command, in the order they are registered. */
export const commands: Command[] = [ask, define, compare, glossary, quiz, sources];

export const commandsByName: ReadonlyMap<string, Command> = new Map(commands.map((c) => [c.data.name, c]));

/**
 * End-to-end tests of the Discord bot: the real discord.js Client, logged in to a local fake
 * Discord (REST + WebSocket gateway on 127.0.0.1), handing real questions to the REAL
 * assistant (real corpus, real index, real embedding model). Assertions are on what the bot
 * sent over REST.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBot, type Bot } from "../bots/discord/bot.ts";
import { cleanInput } from "../bots/discord/format.ts";
import { registerCommands } from "../bots/discord/register.ts";
import type { Assistant } from "../src/assistant-types.ts";
import { loadSettings } from "../src/config/settings.ts";
import { createLogger } from "../src/logger.ts";
import { isAcronym } from "../src/quiz/quiz.ts";
import { recordingAsks, REPO_ROOT, sharedTestAssistant } from "./support/assistant.ts";
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from "./support/fake-discord.ts";

let fake: FakeDiscord;
let bot: Bot;
let assistant: Assistant;
const asked: string[] = [];
let clock = 1_000_000;
let userSeq = 0;
const newUser = () => ({ id: `13000000000000${String(++userSeq).padStart(5, "0")}`, username: `user-${userSeq}` });
const ANSWER_TIMEOUT = { timeoutMs: 60_000 };

const recording = (real: Assistant) => recordingAsks(real, (question) => asked.push(question));

beforeAll(async () => {
  assistant = await sharedTestAssistant();
  fake = await startFakeDiscord();
  const settings = loadSettings(
    { DISCORD_TOKEN: "fake-token", DISCORD_APP_ID: fake.appId, DISCORD_API_BASE: fake.apiBase, DISCORD_COOLDOWN_SECONDS: "5", LOG_LEVEL: "silent" },
    process.cwd(),
  );
  bot = await startBot({ settings, logger: createLogger(settings), assistant: recording(assistant), now: () => clock });
}, 300_000);

afterAll(async () => {
  await bot?.close(); // destroy the client before closing the fake, or it retries forever
  await fake?.close();
});

const callbackOf = (token: string) => fake.waitForRequest((r) => r.method === "POST" && r.path.endsWith(`/${token}/callback`));
const editOf = (token: string) =>
  fake.waitForRequest((r) => r.method === "PATCH" && r.path === `/webhooks/${fake.appId}/${token}/messages/@original`, ANSWER_TIMEOUT);
const customIds = (body: any): string[] => (body.components ?? []).flatMap((row: any) => row.components.map((c: any) => c.custom_id));

function expectNoMentions(requests: RecordedRequest[]): void {
  for (const r of requests) {
    const data = r.path.endsWith("/callback") ? r.body?.data : r.body;
    const messageLess = r.body?.type === 5 || r.body?.type === 6 || r.body?.type === 8; // defers, autocomplete
    if (data && !messageLess && r.method !== "DELETE") expect(data.allowed_mentions, `${r.method} ${r.path}`).toEqual({ parse: [] });
  }
}

describe("discord bot end to end (real discord.js client, fake Discord, real assistant)", () => {
  it("/ask defers, then edits the reply with the answer, numbered verifiable sources and 👍/👎", async () => {
    const { token } = fake.slash("ask", { question: "What does the abbreviation KPO stand for?" }, newUser());
    const edit = await editOf(token);
    const traffic = fake.requestsFor(token);
    expect(traffic[0]!.body).toMatchObject({ type: 5 }); // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE comes first
    expect(traffic.indexOf(edit)).toBeGreaterThan(0);
    expectNoMentions(traffic);
    const embed = edit.body.embeds[0];
    expect(embed.title).toBe("What does the abbreviation KPO stand for?");
    expect(embed.description.toLowerCase()).toMatch(/knowledge process(ing)? outsourcing/);
    expect(embed.description).toMatch(/\[1\]/);
    const fields = edit.body.embeds.flatMap((e: any) => e.fields ?? []);
    expect(fields.length).toBeGreaterThan(0);
    expect(fields[0].name).toBe("[1]");
    // each source shows its file and offsets; the real citation invariant holds for them
    for (const f of fields) {
      const [, file, start, end] = /`([^`]+)` (\d+)–(\d+)/.exec(f.value)!;
      const text = await readFile(path.join(REPO_ROOT, file!), "utf8");
      const shown = f.value.split("\n> ")[1].replace(/…$/, "").replace(/\u200b/g, "").replace(/\\(.)/g, "$1");
      expect(cleanInput(text.slice(Number(start), Number(end))).startsWith(shown)).toBe(true);
    }
    const answerId = /answer ([0-9a-zA-Z-]+)/.exec(edit.body.embeds.at(-1).footer.text)![1];
    expect(customIds(edit.body)).toEqual([`fb:up:${answerId}`, `fb:down:${answerId}`]);
  });

  it("a 👍 under an answer writes to the same feedback store as the HTTP API", async () => {
    const user = newUser();
    const { token } = fake.slash("ask", { question: "ok and bpo is what again lol" }, user);
    const edit = await editOf(token);
    const upId = customIds(edit.body)[0]!;
    const message = [...fake.messages.values()].find((m) => customIds(m).includes(upId));
    const { token: clickToken } = fake.click(upId, message, user);
    const callback = await callbackOf(clickToken);
    expect(callback.body.type).toBe(4);
    expect(callback.body.data.flags & 64).toBe(64);
    expect(callback.body.data.content).toMatch(/^Thanks/);
    const records = await assistant.feedback.list();
    expect(records).toContainEqual(
      expect.objectContaining({ answerId: upId.slice("fb:up:".length), rating: "up", channel: "discord", user: user.id }),
    );
  });

  it("a 👎 opens a modal asking why; the reason written there is added to the stored rating", async () => {
    const user = newUser();
    const { token } = fake.slash("ask", { question: "What are the risks of KPO?" }, user);
    const edit = await editOf(token);
    const downId = customIds(edit.body)[1]!;
    const answerId = downId.slice("fb:down:".length);
    const message = [...fake.messages.values()].find((m) => customIds(m).includes(downId));
    const { token: clickToken } = fake.click(downId, message, user);
    const modal = await callbackOf(clickToken);
    expect(modal.body.type).toBe(9); // MODAL
    const modalId: string = modal.body.data.custom_id;
    expect(modalId).toMatch(/^fbr:[0-9a-f-]{36}$/);
    // the 👎 counts before the modal is answered
    expect(await assistant.feedback.list()).toContainEqual(expect.objectContaining({ answerId, rating: "down", channel: "discord", user: user.id }));
    const input = modal.body.data.components[0].components[0];
    expect(input).toMatchObject({ type: 4, required: false });

    // someone else cannot add a reason to it
    const stranger = newUser();
    const { token: strangerToken } = fake.submitModal(modalId, { [input.custom_id]: "off-topic" }, stranger);
    expect((await callbackOf(strangerToken)).body.data.content).toMatch(/could not find your rating/);

    const { token: submitToken } = fake.submitModal(modalId, { [input.custom_id]: "Missing: it leaves out data security" }, user);
    const thanks = await callbackOf(submitToken);
    expect(thanks.body.type).toBe(4);
    expect(thanks.body.data.flags & 64).toBe(64);
    expect(thanks.body.data.content).toMatch(/^Thanks for telling us what was wrong/);
    const [stored] = (await assistant.feedback.list()).filter((r) => r.answerId === answerId);
    expect(stored).toMatchObject({ rating: "down", reason: "missing", comment: "Missing: it leaves out data security", question: "What are the risks of KPO?" });
  });

  it("/define autocompletes from terms and aliases, then shows the definition citing the glossary file", async () => {
    const user = newUser();
    const { token: acToken } = fake.autocomplete("define", "term", "kp", user);
    const ac = await callbackOf(acToken);
    expect(ac.body.type).toBe(8); // APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    expect(ac.body.data.choices.length).toBeLessThanOrEqual(25);
    expect(ac.body.data.choices).toContainEqual({ name: "KPO → Knowledge process outsourcing", value: "Knowledge process outsourcing" });

    const { token } = fake.slash("define", { term: "K.P.O." }, user);
    const reply = await callbackOf(token);
    expect(reply.body.type).toBe(4);
    expectNoMentions([reply]);
    const embed = reply.body.data.embeds[0];
    expect(embed.title).toBe("Knowledge process outsourcing");
    const entry = assistant.glossary.lookup("KPO")!;
    const citation = embed.fields.find((f: any) => f.name === "[1]");
    expect(citation.value).toContain(`\`${entry.path}\` ${entry.start}–${entry.end}`);
    const file = await readFile(path.join(REPO_ROOT, entry.path), "utf8");
    expect(file.slice(entry.start, entry.end)).toBe(entry.definition);
  });

  it("/define with an unknown term says so (ephemeral) and suggests close terms", async () => {
    const { token } = fake.slash("define", { term: "outsorcing" }, newUser());
    const reply = await callbackOf(token);
    expect(reply.body.data.flags & 64).toBe(64);
    expect(reply.body.data.content).toMatch(/no glossary entry for "outsorcing"/);
  });

  it("/compare asks the difference between the two terms and answers with sources", async () => {
    const { token } = fake.slash("compare", { a: "KPO", b: "BPO" }, newUser());
    const edit = await editOf(token);
    expect(fake.requestsFor(token)[0]!.body.type).toBe(5);
    expect(asked).toContain("What is the difference between KPO and BPO?");
    expect(edit.body.embeds[0].title).toBe("KPO vs BPO");
    expect(edit.body.embeds.flatMap((e: any) => e.fields ?? []).length).toBeGreaterThan(0);
  });

  it("/quiz asks with four buttons; answers say right or wrong with the definition, its citation and a running score", async () => {
    const alice = newUser();
    const bob = newUser();
    const { token } = fake.slash("quiz", {}, alice);
    const question = await callbackOf(token);
    expect(question.body.type).toBe(4);
    const ids = customIds(question.body.data);
    expect(ids).toHaveLength(4);
    const [, , answerSlug] = ids[0]!.split(":");
    const right = ids.find((id) => id.endsWith(`:${answerSlug}`))!;
    const wrong = ids.find((id) => !id.endsWith(`:${answerSlug}`))!;
    const entry = assistant.glossary.list().find((e) => e.slug === answerSlug)!;
    const description: string = question.body.data.embeds[0].description;
    for (const name of [entry.term, ...entry.aliases]) {
      if (isAcronym(name)) expect(description.split(/[^\p{L}\p{N}&]+/u), `${entry.term}: ${name}`).not.toContain(name);
      else expect(description.toLowerCase()).not.toMatch(new RegExp(`\\b${name.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`));
    }
    const message = fake.messageFromCallback(question);

    const a = await callbackOf(fake.click(right, message, alice).token);
    expect(a.body.data.flags & 64).toBe(64);
    expect(a.body.data.embeds[0].description).toMatch(/^✅ Right!/);
    expect(a.body.data.embeds[0].fields.at(-1).value).toContain(`\`${entry.path}\` ${entry.start}–${entry.end}`);
    expect(a.body.data.embeds.at(-1).footer.text).toContain("Your score: 1/1");

    const b = await callbackOf(fake.click(wrong, message, bob).token);
    expect(b.body.data.embeds[0].description).toMatch(/^❌ Not quite/);
    expect(b.body.data.embeds[0].description).toContain(entry.term);
    expect(b.body.data.embeds.at(-1).footer.text).toContain("Your score: 0/1");

    const again = await callbackOf(fake.click(wrong, message, alice).token);
    expect(again.body.data.embeds[0].description).toMatch(/already answered/);
    expect(again.body.data.embeds.at(-1).footer.text).toContain("Your score: 1/1");
  });

  it("/glossary pages with buttons", async () => {
    const user = newUser();
    const first = await callbackOf(fake.slash("glossary", {}, user).token);
    const total = assistant.glossary.list().length;
    expect(first.body.data.embeds[0].footer.text).toContain(`Page 1/${Math.ceil(total / 10)} · ${total} terms`);
    const next = customIds(first.body.data)[1]!;
    const page2 = await callbackOf(fake.click(next, fake.messageFromCallback(first), user).token);
    expect(page2.body.type).toBe(7); // UPDATE_MESSAGE
    expect(page2.body.data.embeds[0].footer.text).toMatch(/^Page 2\//);
    expectNoMentions([first, page2]);
  });

  it("/sources lists the documents", async () => {
    const reply = await callbackOf(fake.slash("sources", {}, newUser()).token);
    const fields = reply.body.data.embeds.flatMap((e: any) => e.fields ?? []);
    expect(fields).toHaveLength(assistant.sources.list().length);
  });

  it("answers a mention as a reply, and ignores bots, itself and messages that do not mention it", async () => {
    const before = fake.requests.length;
    fake.say(`<@${fake.botId}> what is KPO?`, { id: "13000000000000900", username: "other-bot", bot: true }, { mentionBot: true });
    fake.say(`<@${fake.botId}> what is KPO?`, { id: fake.botId, username: "kpo-bot", bot: true }, { mentionBot: true });
    fake.say("what is KPO?", newUser());
    const { id } = fake.say(`<@${fake.botId}> wat is KPO exactly?? keep seeing it in #ops`, newUser(), { mentionBot: true });
    const reply = await fake.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${fake.channelId}/messages`, { after: before, ...ANSWER_TIMEOUT });
    expect(reply.body.message_reference.message_id).toBe(id);
    expect(reply.body.allowed_mentions).toEqual({ parse: [] });
    expect(asked.at(-1)).toBe("wat is KPO exactly?? keep seeing it in #ops");
    expect(reply.body.embeds[0].fields.length).toBeGreaterThan(0);
    const replies = fake.requests.slice(before).filter((r) => r.path === `/channels/${fake.channelId}/messages`);
    expect(replies.every((r) => r.body.message_reference?.message_id === id)).toBe(true);
  });

  it("holds a second question within the cooldown with a polite ephemeral notice", async () => {
    const user = newUser();
    await editOf(fake.slash("ask", { question: "What is offshoring?" }, user).token);
    const count = asked.length;
    const second = await callbackOf(fake.slash("ask", { question: "And nearshoring?" }, user).token);
    expect(second.body.type).toBe(4);
    expect(second.body.data.flags & 64).toBe(64);
    expect(second.body.data.content).toMatch(/You can ask again in 5 seconds/);
    expect(asked.length).toBe(count);
    clock += 5_000;
    await editOf(fake.slash("ask", { question: "And nearshoring?" }, user).token);
  });

  it("says plainly when the sources do not answer, and suggests /define", async () => {
    const { token } = fake.slash("ask", { question: "What is the boiling point of tungsten?" }, newUser());
    const edit = await editOf(token);
    expect(edit.body.embeds[0].description).toMatch(/^I could not find an answer to that/);
    expect(edit.body.embeds[0].description).toContain("/define");
  });

  it("registers the six slash commands to the guild", async () => {
    const result = await registerCommands({ token: "fake-token", appId: fake.appId, guildId: fake.guildId, apiBase: fake.apiBase });
    expect(result).toEqual({ scope: "guild", names: ["ask", "define", "compare", "glossary", "quiz", "sources"] });
    const put = await fake.waitForRequest((r) => r.method === "PUT");
    expect(put.path).toBe(`/applications/${fake.appId}/guilds/${fake.guildId}/commands`);
    expect(put.body.map((c: any) => c.name)).toEqual(result.names);
  });
});

/**
 * Conversations on Discord, end to end: the real discord.js client against the fake Discord
 * (threads and message history over its REST API), answering with the REAL assistant. An answer
 * in a channel opens a thread; messages in it, and replies to an answer, are follow-ups whose
 * history the bot reads back from Discord.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBot, type Bot } from "../bots/discord/bot.ts";
import { THREAD_HINT } from "../bots/discord/conversation.ts";
import type { Assistant } from "../src/assistant-types.ts";
import { loadSettings } from "../src/config/settings.ts";
import { createLogger } from "../src/logger.ts";
import { recordingAsks, sharedTestAssistant } from "./support/assistant.ts";
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from "./support/fake-discord.ts";

let fake: FakeDiscord;
let bot: Bot;
let settings: ReturnType<typeof loadSettings>;
let assistant: Assistant;
const asked: { question: string; history: number }[] = [];
let userSeq = 0;
const newUser = () => ({ id: `14000000000000${String(++userSeq).padStart(5, "0")}`, username: `asker-${userSeq}` });
const ANSWER_TIMEOUT = { timeoutMs: 60_000 };

/** The real assistant, with each question and the number of earlier turns it came with recorded. */
const recording = (real: Assistant) => recordingAsks(real, (question, options) => asked.push({ question, history: options?.history?.length ?? 0 }));

beforeAll(async () => {
  assistant = await sharedTestAssistant();
  fake = await startFakeDiscord();
  settings = loadSettings({ DISCORD_TOKEN: "fake-token", DISCORD_APP_ID: fake.appId, DISCORD_API_BASE: fake.apiBase, DISCORD_COOLDOWN_SECONDS: "0", LOG_LEVEL: "silent" }, process.cwd());
  bot = await startBot({ settings, logger: createLogger(settings), assistant: recording(assistant) });
}, 300_000);

afterAll(async () => {
  await bot?.close(); // destroy the client before closing the fake, or it retries forever
  await fake?.close();
});

const posted = (channelId: string, after: number) =>
  fake.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${channelId}/messages` && Boolean(r.body?.embeds?.[0]?.footer), { after, ...ANSWER_TIMEOUT });
const threadOpened = (after: number) => fake.waitForRequest((r) => r.method === "POST" && /^\/channels\/[^/]+\/messages\/[^/]+\/threads$/.test(r.path), { after, ...ANSWER_TIMEOUT });
const description = (r: RecordedRequest): string => r.body.embeds[0].description;

describe("discord conversations", () => {
  it("/ask opens a thread on its answer; messages in the thread are follow-ups with the thread as history", async () => {
    const user = newUser();
    const start = fake.requests.length;
    const { token } = fake.slash("ask", { question: "What is offshoring?" }, user);
    const opened = await threadOpened(start);
    const edit = fake.requests.find((r) => r.method === "PATCH" && r.path.includes(token))!;
    expect(edit.body.embeds[0].title).toBe("What is offshoring?");
    expect(opened.body).toMatchObject({ name: "What is offshoring?", auto_archive_duration: 1440 });
    const threadId = opened.path.split("/")[4]!;
    expect(opened.path).toBe(`/channels/${fake.channelId}/messages/${threadId}/threads`);
    const hint = await fake.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${threadId}/messages`, { after: start });
    expect(hint.body.embeds?.[0]?.description ?? hint.body.content).toContain(THREAD_HINT);

    // A follow-up in the thread, without a mention: its history is read from the thread.
    let before = fake.requests.length;
    const { id } = fake.say("what are the risks of it?", user, { channelId: threadId });
    const answer = await posted(threadId, before);
    expect(answer.body.message_reference.message_id).toBe(id);
    expect(description(answer)).toMatch(/^\*Answering: What are the risks of offshoring\?\*/);
    expect(description(answer).toLowerCase()).toMatch(/offshor/);
    expect(asked.at(-1)).toEqual({ question: "what are the risks of it?", history: 1 });
    const reads = fake.requests.slice(before).filter((r) => r.method === "GET");
    // The thread's messages are read from Discord (its starter, the bot's own answer, is in discord.js's cache).
    expect(reads.map((r) => r.path)).toContain(`/channels/${threadId}/messages`);
    for (const read of reads.filter((r) => r.path === `/channels/${threadId}/messages`)) expect(Number(read.query.get("limit"))).toBeLessThanOrEqual(100);
    // No new thread inside a thread.
    expect(fake.requests.slice(before).some((r) => r.path.endsWith("/threads"))).toBe(false);

    // The next follow-up sees both earlier turns; "tell me more" continues the last one.
    before = fake.requests.length;
    fake.say("tell me more", user, { channelId: threadId });
    const more = await posted(threadId, before);
    expect(asked.at(-1)).toEqual({ question: "tell me more", history: 2 });
    expect(description(more)).toMatch(/^\*Answering: What are the risks of offshoring\?\*/);

    // Thanks are for people, not a question for the bot.
    before = fake.requests.length;
    fake.say("thanks!", user, { channelId: threadId });
    // /ask inside the thread is a follow-up too.
    const { token: inThread } = fake.slash("ask", { question: "and the benefits?" }, user, threadId);
    const followUp = await fake.waitForRequest((r) => r.method === "PATCH" && r.path.includes(inThread), ANSWER_TIMEOUT);
    expect(description(followUp)).toMatch(/^\*Answering: What are the benefits of offshoring\?\*/);
    expect(asked.filter((a) => a.question === "thanks!")).toEqual([]);
    expect(fake.requests.slice(before).some((r) => r.path.endsWith("/threads"))).toBe(false);
  });

  it("a mention is answered as a reply that opens a thread; a reply to an answer is a follow-up of it", async () => {
    const user = newUser();
    const start = fake.requests.length;
    const { id } = fake.say(`<@${fake.botId}> What is NASSCOM?`, user, { mentionBot: true });
    const answer = await posted(fake.channelId, start);
    expect(answer.body.message_reference.message_id).toBe(id);
    await threadOpened(start);
    const answerId = [...fake.messages.values()].find((m) => m.message_reference?.message_id === id && m.author.id === fake.botId)!.id;

    const before = fake.requests.length;
    const { id: replyId } = fake.say("what did it estimate the Indian KPO market at?", user, { replyTo: answerId });
    const followUp = await posted(fake.channelId, before);
    expect(followUp.body.message_reference.message_id).toBe(replyId);
    expect(description(followUp)).toMatch(/^\*Answering: What did NASSCOM estimate the Indian KPO market at\?\*/);
    expect(description(followUp)).toContain("$1.5 billion");
    expect(asked.at(-1)).toEqual({ question: "what did it estimate the Indian KPO market at?", history: 1 });
  });

  it("a follow-up that points at nothing is answered by asking for the subject", async () => {
    const user = newUser();
    const start = fake.requests.length;
    fake.slash("ask", { question: "hello there" }, user);
    const threadId = (await threadOpened(start)).path.split("/")[4]!;
    const before = fake.requests.length;
    fake.say("what are its risks?", user, { channelId: threadId });
    const answer = await posted(threadId, before);
    expect(description(answer)).toMatch(/I can.t tell what “its” refers to/);
  });

  it("a restarted bot (nothing cached, nothing kept) still follows a conversation: the history is read from Discord", async () => {
    const user = newUser();
    const start = fake.requests.length;
    fake.slash("ask", { question: "What is transformational BPO?" }, user);
    const threadId = (await threadOpened(start)).path.split("/")[4]!;
    await bot.close();
    bot = await startBot({ settings, logger: createLogger(settings), assistant: recording(assistant) });
    const before = fake.requests.length;
    fake.say("give me an example", user, { channelId: threadId });
    const answer = await posted(threadId, before);
    expect(description(answer)).toMatch(/^\*Answering: Give me an example of transformational BPO\*/);
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toContain(`GET /channels/${fake.channelId}/messages/${threadId}`);
  });

  it("messages that are neither in a conversation thread, nor replies to an answer, nor mentions are ignored", async () => {
    const before = asked.length;
    const user = newUser();
    const { id } = fake.say("what is KPO?", user);
    fake.say("and its risks?", newUser(), { replyTo: id });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(asked.length).toBe(before);
  });
});

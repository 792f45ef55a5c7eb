/**
 * End-to-end tests of the Discord bot (real discord.js Client against the local fake Discord)
 * for what the real assistant cannot produce on demand: an answer long enough to need
 * splitting, an assistant that fails, and the allowed-channel list.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBot, type Bot } from "../bots/discord/bot.ts";
import { LIMITS, embedLength } from "../bots/discord/format.ts";
import { loadSettings } from "../src/config/settings.ts";
import { fakeDiscordAssistant } from "./support/fake-assistant-discord.ts";
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from "./support/fake-discord.ts";

let fake: FakeDiscord;
let bot: Bot;
let dataDir: string;
const logLines: string[] = [];
let clock = 1_000_000;
let userSeq = 0;
const newUser = () => ({ id: `12000000000000${String(++userSeq).padStart(5, "0")}`, username: `edge-user-${userSeq}` });

beforeAll(async () => {
  fake = await startFakeDiscord();
  dataDir = await mkdtemp(path.join(tmpdir(), "kpo-discord-edge-"));
  const settings = loadSettings(
    {
      DATA_DIR: dataDir,
      DISCORD_TOKEN: "fake-token",
      DISCORD_API_BASE: fake.apiBase,
      DISCORD_ALLOWED_CHANNELS: fake.channelId,
      DISCORD_COOLDOWN_SECONDS: "5",
      LOG_LEVEL: "info",
    },
    process.cwd(),
  );
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: "info" }, stream);
  bot = await startBot({ settings, logger, assistant: fakeDiscordAssistant(settings), now: () => clock });
});

afterAll(async () => {
  await bot?.close();
  await fake?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Every message body the bot sent for one interaction, in order (callback data, edits, follow-ups). */
function sentFor(token: string): RecordedRequest[] {
  return fake.requestsFor(token);
}

function checkLimits(body: any): void {
  const data = body?.data ?? body;
  expect(data.allowed_mentions).toEqual({ parse: [] });
  if (data.content) expect(data.content.length).toBeLessThanOrEqual(LIMITS.content);
  for (const embed of data.embeds ?? []) {
    expect(embed.description?.length ?? 0).toBeLessThanOrEqual(LIMITS.description);
    expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(LIMITS.fields);
    for (const f of embed.fields ?? []) expect(f.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
  }
  expect((data.embeds ?? []).reduce((n: number, e: any) => n + embedLength(e), 0)).toBeLessThanOrEqual(LIMITS.embedTotal);
}

describe("discord bot against a fake Discord (edge cases)", () => {
  it("splits a very long /ask answer over the deferred reply and follow-ups, keeping all 12 sources", async () => {
    const { token } = fake.slash("ask", { question: "Give me the long story of outsourcing" }, newUser());
    await fake.waitForRequest((r) => r.method === "POST" && r.path === `/webhooks/${fake.appId}/${token}` && r.body?.components?.length > 0);
    const sent = sentFor(token);
    expect(sent[0]!.path).toBe(`/interactions/${sent[0]!.path.split("/")[2]}/${token}/callback`);
    expect(sent[0]!.body.type).toBe(5); // deferred channel message
    expect(sent[1]!.method).toBe("PATCH");
    expect(sent[1]!.path).toBe(`/webhooks/${fake.appId}/${token}/messages/@original`);
    const bodies = sent.slice(1).map((r) => r.body);
    expect(bodies.length).toBeGreaterThan(1);
    bodies.forEach(checkLimits);
    const text = bodies.flatMap((b) => b.embeds.map((e: any) => e.description ?? "")).join("\n\n");
    for (let i = 1; i <= 12; i++) expect(text).toContain(`Paragraph ${i}.`);
    const fields = bodies.flatMap((b) => b.embeds.flatMap((e: any) => e.fields ?? []));
    expect(fields.map((f: any) => f.name)).toEqual(Array.from({ length: 12 }, (_, i) => `[${i + 1}]`));
    // feedback buttons only under the last part
    expect(bodies.at(-1).components[0].components.map((c: any) => c.custom_id)[0]).toMatch(/^fb:up:/);
    expect(bodies.slice(0, -1).every((b) => b.components.length === 0)).toBe(true);
  });

  it("splits a very long answer to a mention over a reply and further channel messages", async () => {
    const before = fake.requests.length;
    fake.say(`<@${fake.botId}> tell me the long version`, newUser(), { mentionBot: true });
    await fake.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${fake.channelId}/messages` && r.body?.components?.length > 0, { after: before });
    const posts = fake.requests.slice(before).filter((r) => r.path === `/channels/${fake.channelId}/messages`);
    expect(posts.length).toBeGreaterThan(1);
    expect(posts[0]!.body.message_reference).toBeDefined();
    posts.forEach((p) => checkLimits(p.body));
    expect(posts.flatMap((p) => p.body.embeds.flatMap((e: any) => e.fields ?? [])).length).toBe(12);
  });

  it("answers an assistant failure with an ephemeral message and a request id; the details go only to the log", async () => {
    const { token } = fake.slash("ask", { question: "please explode" }, newUser());
    const followUp = await fake.waitForRequest((r) => r.method === "POST" && r.path === `/webhooks/${fake.appId}/${token}`);
    expect(followUp.body.flags & 64).toBe(64);
    const requestId = /request id: ([0-9a-f]{8})/.exec(followUp.body.content)?.[1];
    expect(requestId).toBeDefined();
    // the public "thinking…" placeholder was removed
    expect(sentFor(token).some((r) => r.method === "DELETE" && r.path.endsWith("/messages/@original"))).toBe(true);
    const everything = JSON.stringify(sentFor(token).map((r) => r.body));
    expect(everything).not.toContain("hunter2");
    expect(everything).not.toContain("/srv/secret");
    const logged = logLines.find((l) => l.includes(requestId!));
    expect(logged).toContain("hunter2");
  });

  it("refuses politely (ephemeral) in a channel that is not on the allowed list, and ignores mentions there", async () => {
    const other = fake.otherChannelIds[0]!;
    const { token } = fake.slash("ask", { question: "What is KPO?" }, newUser(), other);
    const callback = await fake.waitForRequest((r) => r.path.includes(`/${token}/callback`));
    expect(callback.body.type).toBe(4);
    expect(callback.body.data.flags & 64).toBe(64);
    expect(callback.body.data.content).toContain(`<#${fake.channelId}>`);

    const before = fake.requests.length;
    fake.say(`<@${fake.botId}> what is KPO?`, newUser(), { mentionBot: true, channelId: other });
    // a later event in the allowed channel proves the first one was processed (events are handled in order)
    const { token: later } = fake.slash("glossary", {}, newUser());
    await fake.waitForRequest((r) => r.path.includes(`/${later}/callback`), { after: before });
    expect(fake.requests.slice(before).some((r) => r.path.startsWith(`/channels/${other}`))).toBe(false);
  });

  it("replies to a mention that fails with a friendly message and a request id, nothing more", async () => {
    const before = fake.requests.length;
    const { id } = fake.say(`<@${fake.botId}> please explode`, newUser(), { mentionBot: true });
    const reply = await fake.waitForRequest((r) => r.path === `/channels/${fake.channelId}/messages`, { after: before });
    expect(reply.body.message_reference.message_id).toBe(id);
    expect(reply.body.allowed_mentions).toEqual({ parse: [] });
    expect(reply.body.content).toMatch(/request id: [0-9a-f]{8}/);
    expect(JSON.stringify(reply.body)).not.toContain("hunter2");
  });

  it("answers a second mention within the cooldown with a polite notice instead of an answer", async () => {
    const user = newUser();
    const before = fake.requests.length;
    fake.say(`<@${fake.botId}> what is KPO?`, user, { mentionBot: true });
    await fake.waitForRequest((r) => r.path === `/channels/${fake.channelId}/messages`, { after: before });
    const { id } = fake.say(`<@${fake.botId}> and BPO?`, user, { mentionBot: true });
    const notice = await fake.waitForRequest((r) => r.body?.message_reference?.message_id === id, { after: before });
    expect(notice.body.content).toMatch(/You can ask again in 5 seconds/);
    expect(notice.body.embeds ?? []).toEqual([]);
  });

  it("rejects a question longer than the limit before asking", async () => {
    const { token } = fake.slash("ask", { question: "why ".repeat(200) }, newUser());
    const callback = await fake.waitForRequest((r) => r.path.includes(`/${token}/callback`));
    expect(callback.body.data.flags & 64).toBe(64);
    expect(callback.body.data.content).toMatch(/too long/);
  });
});

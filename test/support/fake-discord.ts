/**
 * A local stand-in for Discord that speaks the real protocol, for end-to-end tests of the bot
 * with the real discord.js Client: an HTTP server for the REST API (point the client's
 * `rest.api` at `apiBase`) and a WebSocket gateway on the same port (GET /gateway/bot returns
 * its ws:// URL). It sends HELLO, answers IDENTIFY with READY + GUILD_CREATE, ACKs heartbeats,
 * and lets tests dispatch INTERACTION_CREATE and MESSAGE_CREATE. Every REST request is
 * recorded (path URL-decoded, so `%40original` reads `@original`).
 *
 * Messages (the bot's and the users') are kept per channel, so the bot can read them back
 * (GET /channels/{id}/messages, newest first, at most 100; GET one message), open a thread on
 * one (POST /channels/{id}/messages/{id}/threads: the thread's id is the message's, THREAD_CREATE
 * is dispatched), and post in it. As on Discord, without the MESSAGE_CONTENT intent the content
 * of other users' messages that do not mention the bot arrives empty.
 *
 * Shutdown order: destroy the discord.js client first, then `close()` the fake.
 */
import { once, EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface RecordedRequest {
  method: string;
  /** URL-decoded path without the `/api/v10` prefix, e.g. `/webhooks/app/token/messages/@original`. */
  path: string;
  query: URLSearchParams;
  body: any;
  at: number;
}

export interface FakeUser {
  id: string;
  username: string;
  bot?: boolean;
}

export interface FakeDiscordOptions {
  botId?: string;
  appId?: string;
  guildId?: string;
  channelId?: string;
  /** Extra text channels in the guild. */
  otherChannelIds?: string[];
}

/** GatewayIntentBits.MessageContent. */
const MESSAGE_CONTENT_INTENT = 1 << 15;

let snowflake = BigInt("1300000000000000000");
export function nextId(): string {
  snowflake += 1n;
  return snowflake.toString();
}

export class FakeDiscord {
  readonly botId: string;
  readonly appId: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly otherChannelIds: string[];
  readonly requests: RecordedRequest[] = [];
  /** Emits "request" (RecordedRequest) and "identify". */
  readonly events = new EventEmitter();
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private gateway: WebSocket | undefined;
  private seq = 0;
  private port = 0;
  /** Messages created through REST or said by users, by id, so interactions and reads can refer to them. */
  readonly messages = new Map<string, any>();
  /** Threads opened through REST, by id. */
  readonly threads = new Map<string, any>();
  /** The intents the client identified with. */
  private intents = 0;
  /** The channel of each interaction, by token: where its response messages appear. */
  private readonly interactionChannels = new Map<string, string>();

  constructor(options: FakeDiscordOptions = {}) {
    this.botId = options.botId ?? "1100000000000000001";
    this.appId = options.appId ?? this.botId;
    this.guildId = options.guildId ?? "1100000000000000100";
    this.channelId = options.channelId ?? "1100000000000000200";
    this.otherChannelIds = options.otherChannelIds ?? ["1100000000000000201"];
    this.events.setMaxListeners(100);
    this.server = createServer((req, res) => void this.handleHttp(req, res));
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on("connection", (socket) => this.handleSocket(socket));
  }

  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get botUser() {
    return { id: this.botId, username: "kpo-bot", discriminator: "0", global_name: null, avatar: null, bot: true };
  }

  async listen(): Promise<this> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // -------------------------------------------------------------------------------------------
  // REST

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = decodeURIComponent(url.pathname).replace(/^\/api(\/v\d+)?/, "");
    let body: any = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const request: RecordedRequest = { method: req.method ?? "GET", path, query: url.searchParams, body, at: Date.now() };
    const reply = (status: number, json?: unknown) => {
      res.writeHead(status, json === undefined ? {} : { "content-type": "application/json" });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };
    const route = `${request.method} ${path}`;
    let m: RegExpMatchArray | null;
    if (route === "GET /gateway/bot") {
      reply(200, {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 60_000, max_concurrency: 1 },
      });
      return; // not recorded: plumbing
    }
    this.requests.push(request);
    if ((m = route.match(/^POST \/interactions\/([^/]+)\/([^/]+)\/callback$/))) {
      reply(204);
    } else if ((m = route.match(/^PATCH \/webhooks\/([^/]+)\/([^/]+)\/messages\/(.+)$/))) {
      reply(200, this.storeMessage(body, { interaction: true, channelId: this.interactionChannels.get(m[2]!) }));
    } else if ((m = route.match(/^POST \/webhooks\/([^/]+)\/([^/]+)$/))) {
      reply(200, this.storeMessage(body, { interaction: true, channelId: this.interactionChannels.get(m[2]!) }));
    } else if ((m = route.match(/^DELETE \/webhooks\/([^/]+)\/([^/]+)\/messages\/(.+)$/))) {
      reply(204);
    } else if ((m = route.match(/^POST \/channels\/([^/]+)\/messages$/))) {
      reply(200, this.storeMessage(body, { channelId: m[1] }));
    } else if ((m = route.match(/^POST \/channels\/([^/]+)\/messages\/([^/]+)\/threads$/))) {
      const thread = this.openThread(m[1]!, m[2]!, body);
      if (thread) reply(201, thread);
      else reply(404, { message: "Unknown Message", code: 10008 });
    } else if ((m = route.match(/^GET \/channels\/([^/]+)\/messages$/))) {
      const limit = Number(url.searchParams.get("limit") ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) reply(400, { message: "Invalid Form Body", code: 50035, errors: { limit: { _errors: [{ code: "NUMBER_TYPE_MAX", message: "int value should be less than or equal to 100." }] } } });
      else reply(200, this.channelMessages(m[1]!, limit, url.searchParams.get("before") ?? undefined));
    } else if ((m = route.match(/^GET \/channels\/([^/]+)\/messages\/([^/]+)$/))) {
      const message = this.messages.get(m[2]!);
      if (message && message.channel_id === m[1]) reply(200, this.asSeen(message));
      else reply(404, { message: "Unknown Message", code: 10008 });
    } else if ((m = route.match(/^POST \/channels\/([^/]+)\/typing$/))) {
      reply(204);
    } else if ((m = route.match(/^PUT \/applications\/([^/]+)(\/guilds\/[^/]+)?\/commands$/))) {
      reply(200, (body as any[]).map((c) => ({ ...c, id: nextId(), application_id: this.appId, version: nextId() })));
    } else {
      reply(404, { message: `fake discord: no route for ${route}`, code: 0 });
    }
    this.events.emit("request", request);
  }

  /** Opens a thread on a message (as the bot), as Discord does: the thread's id is the message's id. */
  private openThread(channelId: string, messageId: string, body: any): any {
    const message = this.messages.get(messageId);
    if (!message || message.channel_id !== channelId) return undefined;
    const now = new Date().toISOString();
    const thread = {
      id: messageId,
      type: 11,
      guild_id: this.guildId,
      parent_id: channelId,
      owner_id: this.botId,
      name: String(body?.name ?? "thread").slice(0, 100),
      last_message_id: null,
      rate_limit_per_user: 0,
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      flags: 0,
      applied_tags: [],
      thread_metadata: { archived: false, auto_archive_duration: body?.auto_archive_duration ?? 1440, archive_timestamp: now, locked: false, create_timestamp: now },
    };
    this.threads.set(thread.id, thread);
    message.thread = thread;
    this.dispatch("THREAD_CREATE", { ...thread, newly_created: true });
    return thread;
  }

  /** A channel's messages newest first (as Discord lists them), before a message id when given. */
  private channelMessages(channelId: string, limit: number, before?: string): any[] {
    return [...this.messages.values()]
      .filter((msg) => msg.channel_id === channelId && (before === undefined || BigInt(msg.id) < BigInt(before)))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
      .slice(0, limit)
      .map((msg) => this.asSeen(msg));
  }

  /** A message as the client may see it: another user's content is empty without the MESSAGE_CONTENT intent, unless it mentions the bot. */
  private asSeen(message: any): any {
    const readable = (this.intents & MESSAGE_CONTENT_INTENT) !== 0 || message.author.id === this.botId || message.mentions.some((u: any) => u.id === this.botId);
    return readable ? message : { ...message, content: "", embeds: [], attachments: [], components: [] };
  }

  /** The message Discord creates for an interaction callback that replied (type 4), for later button clicks. */
  messageFromCallback(callback: RecordedRequest): any {
    if (callback.body?.type !== 4) throw new Error(`fake discord: callback type ${callback.body?.type} creates no message`);
    return this.storeMessage(callback.body.data, { interaction: true });
  }

  /** A full message object for a message the bot sent, as Discord returns it. */
  private storeMessage(body: any, where: { channelId?: string; interaction?: boolean }): any {
    const message = {
      id: nextId(),
      type: body?.message_reference ? 19 : 0,
      channel_id: where.channelId ?? this.channelId,
      guild_id: this.guildId,
      author: this.botUser,
      content: body?.content ?? "",
      embeds: body?.embeds ?? [],
      components: body?.components ?? [],
      attachments: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      flags: body?.flags ?? 0,
      ...(where.interaction ? { webhook_id: this.appId, application_id: this.appId } : {}),
      ...(body?.message_reference ? { message_reference: body.message_reference } : {}),
    };
    this.messages.set(message.id, message);
    return message;
  }

  /** Resolves with the first recorded request (already made or future) matching `predicate`. */
  waitForRequest(predicate: (r: RecordedRequest) => boolean, options: { after?: number; timeoutMs?: number } = {}): Promise<RecordedRequest> {
    const from = options.after ?? 0;
    const found = this.requests.slice(from).find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off("request", listener);
        reject(new Error(`fake discord: no matching request; got ${this.requests.slice(from).map((r) => `${r.method} ${r.path}`).join(", ") || "none"}`));
      }, options.timeoutMs ?? 10_000);
      const listener = (r: RecordedRequest) => {
        if (this.requests.indexOf(r) >= from && predicate(r)) {
          clearTimeout(timer);
          this.events.off("request", listener);
          resolve(r);
        }
      };
      this.events.on("request", listener);
    });
  }

  /** Requests recorded from index `after` on whose path contains `token` (an interaction's traffic). */
  requestsFor(token: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(`/${token}`));
  }

  // -------------------------------------------------------------------------------------------
  // gateway

  private handleSocket(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
    socket.on("message", (raw) => {
      const packet = JSON.parse(raw.toString());
      if (packet.op === 1) socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      else if (packet.op === 2) {
        this.intents = Number(packet.d?.intents ?? 0);
        this.identify(socket);
      }
    });
  }

  private identify(socket: WebSocket): void {
    this.gateway = socket;
    this.dispatch("READY", {
      v: 10,
      user: { ...this.botUser, verified: true, mfa_enabled: false, flags: 0 },
      guilds: [{ id: this.guildId, unavailable: true }],
      session_id: "fake-session",
      resume_gateway_url: this.gatewayUrl,
      shard: [0, 1],
      application: { id: this.appId, flags: 0 },
      private_channels: [],
      relationships: [],
      user_settings: {},
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
    });
    this.dispatch("GUILD_CREATE", this.guild());
    this.events.emit("identify");
  }

  private guild() {
    const channel = (id: string, name: string, position: number) => ({
      id,
      type: 0,
      guild_id: this.guildId,
      name,
      position,
      permission_overwrites: [],
      nsfw: false,
      parent_id: null,
      topic: null,
      last_message_id: null,
      rate_limit_per_user: 0,
    });
    return {
      id: this.guildId,
      name: "Fake outsourcing team",
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: "1100000000000000999",
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [{ id: this.guildId, name: "@everyone", color: 0, hoist: false, position: 0, permissions: "104324673", managed: false, mentionable: false, flags: 0 }],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      joined_at: new Date().toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      voice_states: [],
      members: [],
      channels: [channel(this.channelId, "general", 0), ...this.otherChannelIds.map((id, i) => channel(id, `other-${i}`, i + 1))],
      // Active threads come with the guild, as on Discord (a client that restarts still knows them).
      threads: [...this.threads.values()],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: "en-US",
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
    };
  }

  /** Sends a gateway dispatch (op 0) to the connected client. */
  dispatch(t: string, d: unknown): void {
    if (!this.gateway) throw new Error("fake discord: no client has identified yet");
    this.seq += 1;
    this.gateway.send(JSON.stringify({ op: 0, t, s: this.seq, d }));
  }

  /** Resolves once a client has identified (READY and GUILD_CREATE sent). */
  async identified(): Promise<void> {
    if (this.gateway) return;
    await once(this.events, "identify");
  }

  // -------------------------------------------------------------------------------------------
  // things users do

  member(user: FakeUser) {
    return {
      user: { id: user.id, username: user.username, discriminator: "0", global_name: user.username, avatar: null, ...(user.bot ? { bot: true } : {}) },
      roles: [],
      joined_at: new Date().toISOString(),
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      nick: null,
      avatar: null,
      premium_since: null,
      permissions: "104324673",
    };
  }

  private interaction(type: number, data: unknown, user: FakeUser, extra: Record<string, unknown> = {}, channelId = this.channelId) {
    const id = nextId();
    const token = `tok-${id}`;
    this.interactionChannels.set(token, channelId);
    const thread = this.threads.get(channelId);
    this.dispatch("INTERACTION_CREATE", {
      id,
      application_id: this.appId,
      type,
      data,
      guild_id: this.guildId,
      channel_id: channelId,
      channel: thread ? { ...thread, permissions: "104324673" } : { id: channelId, type: 0, guild_id: this.guildId, name: "general", permissions: "104324673" },
      member: this.member(user),
      token,
      version: 1,
      app_permissions: "104324673",
      locale: "en-US",
      guild_locale: "en-US",
      entitlements: [],
      authorizing_integration_owners: { "0": this.guildId },
      context: 0,
      attachment_size_limit: 8_388_608,
      ...extra,
    });
    return { id, token };
  }

  /** A chat-input command with string options. */
  slash(name: string, options: Record<string, string>, user: FakeUser, channelId?: string) {
    return this.interaction(
      2,
      {
        id: nextId(),
        name,
        type: 1,
        guild_id: this.guildId,
        options: Object.entries(options).map(([n, value]) => ({ name: n, type: 3, value })),
      },
      user,
      {},
      channelId,
    );
  }

  /** An autocomplete request with `focused` being typed. */
  autocomplete(name: string, focused: string, value: string, user: FakeUser) {
    return this.interaction(4, { id: nextId(), name, type: 1, options: [{ name: focused, type: 3, value, focused: true }] }, user);
  }

  /** A click on a button of `message` (a message object the bot sent, from `messages`). */
  click(customId: string, message: any, user: FakeUser) {
    return this.interaction(3, { custom_id: customId, component_type: 2 }, user, { message });
  }

  /** A submitted modal (MODAL_SUBMIT): one text input per value, as Discord sends it. */
  submitModal(customId: string, values: Record<string, string>, user: FakeUser) {
    return this.interaction(5, {
      custom_id: customId,
      components: Object.entries(values).map(([id, value]) => ({ type: 1, components: [{ type: 4, custom_id: id, value }] })),
    }, user);
  }

  /**
   * A user message in the channel (or a thread); `mentionBot` puts the bot in `mentions` like
   * Discord does; `replyTo` makes it a reply to that message (type 19, with the message it
   * references, whose author Discord sends along).
   */
  say(content: string, author: FakeUser, options: { mentionBot?: boolean; channelId?: string; replyTo?: string } = {}) {
    const id = nextId();
    const channelId = options.channelId ?? this.channelId;
    const referenced = options.replyTo ? this.messages.get(options.replyTo) : undefined;
    if (options.replyTo && !referenced) throw new Error(`fake discord: no message ${options.replyTo} to reply to`);
    const message = {
      id,
      type: referenced ? 19 : 0,
      channel_id: channelId,
      guild_id: this.guildId,
      author: { id: author.id, username: author.username, discriminator: "0", global_name: author.username, avatar: null, ...(author.bot ? { bot: true } : {}) },
      member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: options.mentionBot ? [{ ...this.botUser, member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 } }] : [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
      flags: 0,
      components: [],
      ...(referenced ? { message_reference: { type: 0, message_id: referenced.id, channel_id: referenced.channel_id, guild_id: this.guildId }, referenced_message: referenced } : {}),
    };
    this.messages.set(id, message);
    this.dispatch("MESSAGE_CREATE", this.asSeen(message));
    return { id };
  }
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  return new FakeDiscord(options).listen();
}

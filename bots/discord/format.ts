/**
 * Pure rendering of assistant results into Discord message payloads.
 *
 * Every payload respects Discord's limits (content 2000, embed title 256, description 4096,
 * field name 256 / value 1024, 25 fields, 6000 characters per message), carries
 * `allowedMentions: { parse: [] }`, and escapes Markdown in text that was not written as
 * Markdown (user input, corpus quotes, titles). Answer text is split over several messages
 * when it is too long; sources are never dropped or cut: each citation is one field, and
 * fields that do not fit continue in follow-up messages. Only the quote inside a source is
 * shortened (it is meant to be a short excerpt).
 */
import {
  ButtonStyle,
  ComponentType,
  escapeMarkdown,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
  type APIEmbedField,
  type MessageMentionTypes,
} from "discord.js";
import type { Answer, Citation } from "../../src/schema/answer.ts";
import type { GlossaryEntry } from "../../src/schema/glossary.ts";
import type { SourceInfo } from "../../src/schema/source.ts";

export const LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  footer: 2048,
  embedTotal: 6000,
  customId: 100,
  buttonLabel: 80,
  choiceName: 100,
  choices: 25,
} as const;

/** Longest shown excerpt of a cited passage (before escaping). */
export const QUOTE_MAX = 220;
/** Answer text per embed: below the 4096 limit, leaving room for title and footer in the 6000 total. */
const DESCRIPTION_CHUNK = 4000;
/** Room kept in every embed for a footer. */
const FOOTER_RESERVE = 200;

export const COLORS = { answered: 0x2e8b57, not_found: 0xe67e22, refused: 0x7f8c8d, info: 0x3498db, error: 0xc0392b } as const;

export type ButtonRow = APIActionRowComponent<APIButtonComponent>;

/** One message the bot sends; every one of them has `allowedMentions: { parse: [] }`. */
export interface BotMessage {
  content?: string;
  embeds: APIEmbed[];
  components: ButtonRow[];
  allowedMentions: { parse: MessageMentionTypes[] };
}

export function noMentions(): { parse: MessageMentionTypes[] } {
  return { parse: [] };
}

// ---------------------------------------------------------------------------------------------
// text helpers

/** Breaks @everyone, @here and <@id>/<@&id> so they render as text and can never ping. */
export function neutralizeMentions(text: string): string {
  return text.replace(/@(everyone|here)/gi, "@\u200b$1").replace(/<@/g, "<@\u200b");
}

/** Text typed by a user or read from a corpus file, made inert for Discord Markdown. */
export function escapeText(text: string): string {
  // Escaping every bracket also defuses masked links ([text](url)).
  const escaped = escapeMarkdown(text, { heading: true, bulletedList: true, numberedList: true });
  return neutralizeMentions(escaped.replace(/[[\]]/g, (c) => `\\${c}`));
}

/** Removes control characters and collapses whitespace (one-line user input). */
export function cleanInput(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim();
}

/** Cuts `text` to at most `max` characters on a word boundary when one is near, adding "…". */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return "…".slice(0, max);
  let cut = max - 1;
  if (isLowSurrogate(text.charCodeAt(cut))) cut -= 1;
  const space = text.lastIndexOf(" ", cut);
  if (space > max * 0.6) cut = space;
  return `${text.slice(0, cut).trimEnd()}…`;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Splits text into chunks of at most `max` characters, preferring paragraph breaks, then
 * line breaks, then sentence ends, then spaces; never splits a surrogate pair. Joining the
 * chunks with the separators trimmed gives the same words in the same order.
 */
export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = -1;
    for (const separator of ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " "]) {
      const at = window.lastIndexOf(separator);
      if (at > max * 0.5) {
        cut = separator.trim() ? at + separator.length - 1 : at;
        break;
      }
    }
    if (cut <= 0 || cut > max) {
      cut = max;
      if (isLowSurrogate(rest.charCodeAt(cut))) cut -= 1;
    }
    chunks.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) chunks.push(rest);
  return chunks;
}

/** Total characters Discord counts for an embed (title, description, fields, footer, author). */
export function embedLength(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}

// ---------------------------------------------------------------------------------------------
// citations

/** A citation for a glossary entry: the definition inside its file, like any other citation. */
export function glossaryCitation(entry: GlossaryEntry, n = 1): Citation {
  return {
    n,
    sourceId: entry.path.split("/").pop() ?? entry.path,
    path: entry.path,
    title: entry.term,
    url: null,
    section: "Glossary",
    quote: entry.definition,
    start: entry.start,
    end: entry.end,
  };
}

function safeUrl(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url) || url.length > 400) return undefined;
  return url.replace(/[()\s<>]/g, (c) => encodeURIComponent(c));
}

/**
 * One numbered source as an embed field: title (linked when the url is known), section,
 * the file location, and a short quote. The quote is the only part that is shortened.
 */
export function citationField(citation: Citation): APIEmbedField {
  const title = escapeText(shorten(cleanInput(citation.title), 150));
  const url = citation.url ? safeUrl(citation.url) : undefined;
  const head = [
    url ? `[${title}](${url})` : `**${title}**`,
    citation.section ? ` · ${escapeText(shorten(cleanInput(citation.section), 100))}` : "",
    `\n\`${shorten(citation.path.replace(/`/g, "'"), 150)}\` ${citation.start}–${citation.end}`,
  ].join("");
  const quote = cleanInput(citation.quote);
  let budget = Math.min(QUOTE_MAX, quote.length);
  let value = head;
  while (budget > 0) {
    const line = `\n> ${escapeText(shorten(quote, budget))}`;
    if (head.length + line.length <= LIMITS.fieldValue) {
      value = head + line;
      break;
    }
    budget = Math.floor(budget * 0.8) - 1;
  }
  return { name: `[${citation.n}]`, value };
}

// ---------------------------------------------------------------------------------------------
// generic layout: text + fields over as many messages as needed

export interface LayoutInput {
  title?: string;
  /** Markdown already safe to show (escape user text before). */
  text: string;
  fields?: APIEmbedField[];
  footer?: string;
  color?: number;
  /** Attached to the last message. */
  components?: ButtonRow[];
  url?: string;
}

/**
 * Lays out a title, a long text and many fields over one or more messages with one embed
 * each: the text first (split into description chunks), then the fields, starting in the
 * last text embed and continuing in new embeds. Nothing is dropped.
 */
export function layout(input: LayoutInput): BotMessage[] {
  const title = input.title ? shorten(input.title, LIMITS.title) : undefined;
  const footer = input.footer ? shorten(input.footer, Math.min(LIMITS.footer, FOOTER_RESERVE)) : undefined;
  const chunks = input.text.trim() ? splitText(input.text, DESCRIPTION_CHUNK) : [];
  const embeds: APIEmbed[] = chunks.map((description) => ({ description }));
  if (embeds.length === 0) embeds.push({});
  if (title) embeds[0]!.title = title;
  if (title && input.url) embeds[0]!.url = input.url;

  const budget = LIMITS.embedTotal - FOOTER_RESERVE;
  for (const field of input.fields ?? []) {
    const f: APIEmbedField = {
      name: shorten(field.name, LIMITS.fieldName),
      value: shorten(field.value, LIMITS.fieldValue),
      ...(field.inline ? { inline: true } : {}),
    };
    let embed = embeds[embeds.length - 1]!;
    const count = embed.fields?.length ?? 0;
    if (count >= LIMITS.fields || embedLength(embed) + f.name.length + f.value.length > budget) {
      embed = { title: "Sources (continued)", fields: [] };
      embeds.push(embed);
    }
    (embed.fields ??= []).push(f);
  }
  const last = embeds[embeds.length - 1]!;
  if (footer) last.footer = { text: footer };
  return embeds.map((embed, i) => ({
    embeds: [{ ...(input.color === undefined ? {} : { color: input.color }), ...embed }],
    components: i === embeds.length - 1 ? (input.components ?? []) : [],
    allowedMentions: noMentions(),
  }));
}

// ---------------------------------------------------------------------------------------------
// answers

export function feedbackButtons(answerId: string): ButtonRow[] {
  const up = `fb:up:${answerId}`;
  const down = `fb:down:${answerId}`;
  if (down.length > LIMITS.customId) return [];
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        { type: ComponentType.Button, style: ButtonStyle.Secondary, custom_id: up, emoji: { name: "👍" }, label: "Helpful" },
        { type: ComponentType.Button, style: ButtonStyle.Secondary, custom_id: down, emoji: { name: "👎" }, label: "Not helpful" },
      ],
    },
  ];
}

export interface AnswerFormatOptions {
  /** Shown as the embed title; defaults to the (escaped) question. Must already be escaped. */
  title?: string;
  /** Glossary terms to suggest when nothing was found (besides answer.related). */
  suggestions?: string[];
  /** A follow-up in a conversation: when nothing was found, the assistant's own words say why (it may not know what "it" is). */
  followUp?: boolean;
}

/** An Answer as one or more messages: answer text, numbered sources, 👍/👎 under the last one. */
export function formatAnswer(answer: Answer, options: AnswerFormatOptions = {}): BotMessage[] {
  const title = options.title ?? escapeText(cleanInput(answer.question));
  let text: string;
  // A not-found answer that says, cited, what the sources do say ("they don't give a year; what they say: …") reads as an answer.
  if (answer.status === "not_found" && answer.citations.length === 0) {
    const terms = [...new Set([...(answer.related ?? []), ...(options.suggestions ?? [])])].slice(0, 5);
    text =
      (options.followUp ? `${escapeText(answer.answer)}\n` : "I could not find an answer to that in the sources I know.\n") +
      (terms.length
        ? `Try a glossary term: ${terms.map((t) => `\`/define term:${t.replace(/`/g, "'")}\``).join(", ")}`
        : "Try `/define` with a term, or browse the terms with `/glossary`.");
  } else if (answer.status === "refused") {
    text = answer.answer.trim() ? neutralizeMentions(answer.answer) : "I can't answer that one.";
  } else {
    text = neutralizeMentions(answer.answer);
    if (answer.related?.length) {
      text += `\n\n**Related terms:** ${answer.related.map((t) => escapeText(t)).join(", ")}`;
    }
  }
  // "Answering: What are the risks of BPO?" when a follow-up was answered as the standalone question it stands for.
  if (answer.resolvedQuestion !== undefined && answer.resolvedQuestion !== answer.question && answer.status !== "refused") {
    text = `*Answering: ${escapeText(cleanInput(answer.resolvedQuestion))}*\n\n${text}`;
  }
  const footer = [
    `answer ${answer.id}`,
    answer.mode === "llm" ? "rephrased by an LLM, citations verified" : answer.mode,
    answer.fallbackReason ? `LLM unavailable (${answer.fallbackReason}), extractive answer` : undefined,
  ]
    .filter(Boolean)
    .join(" · ");
  return layout({
    title,
    text,
    fields: answer.citations.map(citationField),
    footer,
    color: COLORS[answer.status],
    components: feedbackButtons(answer.id),
  });
}

/** A glossary entry with its aliases, related terms and the glossary file as its citation. */
export function formatDefinition(entry: GlossaryEntry): BotMessage[] {
  const fields: APIEmbedField[] = [];
  if (entry.aliases.length) fields.push({ name: "Also called", value: escapeText(entry.aliases.join(", ")), inline: true });
  if (entry.related.length) fields.push({ name: "Related", value: escapeText(entry.related.join(", ")), inline: true });
  fields.push(citationField(glossaryCitation(entry)));
  return layout({
    title: escapeText(entry.term),
    text: `${neutralizeMentions(entry.definition)} [1]`,
    fields,
    footer: "Glossary · /quiz to practise the terms",
    color: COLORS.info,
  });
}

/** A short notice (cooldown, errors, not allowed here): plain content, no embeds. */
export function notice(text: string): BotMessage {
  return { content: shorten(text, LIMITS.content), embeds: [], components: [], allowedMentions: noMentions() };
}

export function unknownTerm(term: string, suggestions: GlossaryEntry[]): BotMessage {
  const did = suggestions.length
    ? ` Did you mean ${suggestions.map((s) => `**${escapeText(s.term)}**`).join(", ")}?`
    : " Browse the terms with `/glossary`.";
  return notice(`There is no glossary entry for "${escapeText(term)}".${did}`);
}

// ---------------------------------------------------------------------------------------------
// glossary pages, sources

export const GLOSSARY_PAGE_SIZE = 10;
export const GLOSSARY_FILTER_MAX = 50;

export function glossaryPage(entries: GlossaryEntry[], page: number, filter = ""): BotMessage {
  const pages = Math.max(1, Math.ceil(entries.length / GLOSSARY_PAGE_SIZE));
  const p = Math.min(Math.max(0, Math.floor(page) || 0), pages - 1);
  const shown = entries.slice(p * GLOSSARY_PAGE_SIZE, (p + 1) * GLOSSARY_PAGE_SIZE);
  const f = filter.slice(0, GLOSSARY_FILTER_MAX);
  const lines = shown.map((e) => {
    const aliases = e.aliases.length ? ` (${e.aliases.join(", ")})` : "";
    return `**${escapeText(shorten(e.term, 100))}**${escapeText(shorten(aliases, 150))}: ${escapeText(shorten(cleanInput(e.definition), 180))}`;
  });
  const description = lines.length
    ? lines.join("\n")
    : f
      ? `No glossary term matches "${escapeText(f)}".`
      : "The glossary is empty.";
  const button = (label: string, target: number, disabled: boolean): APIButtonComponent => ({
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    custom_id: `glossary:page:${target}:${f}`.slice(0, LIMITS.customId),
    label,
    disabled,
  });
  return {
    embeds: [
      {
        title: f ? `Glossary: terms matching "${escapeText(f)}"`.slice(0, LIMITS.title) : "Glossary",
        description: shorten(description, LIMITS.description),
        color: COLORS.info,
        footer: { text: `Page ${p + 1}/${pages} · ${entries.length} term${entries.length === 1 ? "" : "s"} · /define <term> for details` },
      },
    ],
    components:
      pages > 1
        ? [{ type: ComponentType.ActionRow, components: [button("◀ Previous", p - 1, p === 0), button("Next ▶", p + 1, p >= pages - 1)] }]
        : [],
    allowedMentions: noMentions(),
  };
}

export function formatSources(sources: SourceInfo[]): BotMessage[] {
  const fields = sources.map((s, i) => {
    const title = escapeText(shorten(cleanInput(s.title), 150));
    const url = s.url ? safeUrl(s.url) : undefined;
    const value = [
      url ? `[${title}](${url})` : `**${title}**`,
      [s.publisher ? escapeText(s.publisher) : undefined, s.kind, `${s.chunks} passages`].filter(Boolean).join(" · "),
      `\`${s.path.replace(/`/g, "'")}\``,
    ].join("\n");
    return { name: `${i + 1}. ${shorten(cleanInput(s.id), 240)}`, value };
  });
  return layout({
    title: "Sources",
    text: sources.length
      ? `Answers are drawn from these ${sources.length} documents and the curated glossary.`
      : "No sources are indexed yet.",
    fields,
    color: COLORS.info,
  });
}

/**
 * Boilerplate removal for raw web captures (HTML pages, and text captures sources.json marks as
 * web pages: see isWebCapture); other documents keep all their text (documentBlocks). The raw file is never modified: the cleaner
 * returns the spans to keep, with offsets into the raw text, and the spans it dropped with
 * a reason (for tests and `kpo ingest --explain`).
 *
 * The rules are about page structure, not about particular sites:
 * - navigation menus are runs of three or more short lines with no sentence punctuation;
 * - lone URLs, symbols, share/print/"more" buttons, bylines, dates and view counts are page chrome;
 * - a paragraph that talks about the site itself (we/our + advertising, affiliate,
 *   editorial, newsletter vocabulary) is site boilerplate, not article text;
 * - a heading like "Related Articles", "See also", "Advertiser Disclosure" starts a
 *   boilerplate section that lasts until a heading that introduces real prose;
 * - a paragraph right after a "By Jane Doe" byline that names the author is an author bio;
 * - "Comments" sections hold reader opinions: dropped unless comments are included, and
 *   then tagged as comments, one comment per "By name — date" header.
 */

import { findInstruction, type InstructionRule } from "../text/instructions.ts";
import { escapeRegExp, wordCount } from "../text/terms.ts";
import { splitSentences } from "./sentences.ts";

export type BlockKind = "heading" | "text" | "list" | "comment";

export interface Block {
  start: number;
  end: number;
  kind: BlockKind;
  /** Heading depth (1 = document title); 0 for non-headings. */
  level: number;
  text: string;
}

export interface DroppedSpan {
  start: number;
  end: number;
  reason: string;
}

/** A sentence that gives instructions (to an AI, or to the reader: send a password, email an address). */
export interface FlaggedSpan {
  start: number;
  end: number;
  rule: InstructionRule;
  /** The words that matched the rule. */
  match: string;
}

export interface CleanResult {
  blocks: Block[];
  dropped: DroppedSpan[];
  /** Sentences that give instructions; dropped (reason `instruction`) unless `includeFlagged`. */
  flagged: FlaggedSpan[];
}

export interface CleanOptions {
  includeComments?: boolean;
  /** Keep flagged sentences as text (they are still reported). */
  includeFlagged?: boolean;
}

interface Line {
  start: number;
  end: number;
  text: string;
  /** Set when the line carries explicit markup (wiki "== x ==", markdown "## x", list bullet). */
  markupLevel?: number;
  bullet?: boolean;
}

const WIKI_HEADING = /^(={1,6})\s*(.*?)\s*\1\s*$/;
const MD_HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
/** A list bullet, with a Markdown task box after it ("- [ ] item") counted as part of the marker. */
const BULLET = /^(?:[-*•·]|\d{1,2}[.)])\s+(?:\[[ xX]\]\s+)?/;
/** A row of a Markdown or plain-text table ("| a | b |"); its separator row ("|---|---|") has no letters and is dropped as a symbol line. */
const TABLE_ROW = /^\|.*\|$/;
/** A rule line drawn with dashes, equals signs, underscores or stars. */
const RULE_LINE = /^[-=_*~]{3,}$/;
const URL_ONLY = /^(?:https?:\/\/|www\.)\S+$/i;
const CHROME_LINE =
  /^(?:share(?: this)?|copy (?:this )?link|learn more|read more|more|submit|print|email|tweet|pin|reply|advertisement|sponsored|sign (?:up|in)|log ?in|subscribe|close|menu|search|skip to (?:main )?content|back to top|next|previous)$/i;
const META_LINE = /^(?:updated|posted|published|modified|last (?:updated|modified|reviewed)|reviewed by|fact checked by|views|reading time|\d+\s+min(?:ute)?s? read)\b/i;
const DATE_LINE = /^(?:on\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}$/i;
const PERSON_BYLINE = /^By\s+((?:\p{Lu}[\p{L}'.-]*\.?\s*){1,4})$/u;
const COMMENT_HEADER = /^By\s+(\S.{0,60}?)\s+[—–-]\s+On\s+\w{3,9}\.?\s+\d{1,2},\s+\d{4}$/u;
const BYLINE = /^By(?:\s+\S.*)?$/;

const BOILERPLATE_HEADING =
  /^(?:related(?:\s+\w+)?|partner links|editors?'? ?picks|see also|sources|references|notes|citations|external links|further reading|bibliography|advertis\w*(?: disclosure)?|.*\bdisclosure|how we make money|our promise(?: to you)?|editorial (?:standards|policy|process|guidelines)|about (?:us|the author|the authors)|more from .*|popular(?: \w+)?|trending(?: \w+)?|recommended(?: \w+)?|you (?:may|might) also like.*|take the next step.*|newsletter|follow us|share this.*|terms of (?:use|service)|privacy policy|cookie.*|table of contents|contents)$/i;
const COMMENTS_HEADING = /^(?:(?:discussion|reader|user)\s+)?comments?(?:\s*\(\d+\))?$|^\d+\s+comments?$|^leave a (?:comment|reply)$/i;

/** Vocabulary of a site talking about itself rather than the article's subject. */
const SITE_VOCAB =
  /\b(?:advertis\w*|affiliate\w*|commissions?|sponsor\w*|newsletters?|inbox|subscrib\w*|delivered daily|cookies?|privacy policy|terms of use|all rights reserved|copyright|editorial\w*|fact[- ]check\w*|compensation|partnerships?|our readers|our content|our website|our site|trusted resource)\b/gi;
const FIRST_PERSON_PLURAL = /\b(?:we|our|ours|us)\b/gi;

const endsSentence = (s: string) => /[.!?:;…"”)]$/.test(s) && !/^\(.*\)$/.test(s);

function splitLines(raw: string): Line[] {
  const lines: Line[] = [];
  const re = /[^\r\n]*(?:\r\n|\r|\n|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw)) && m[0] !== "") {
    const body = m[0].replace(/[\r\n]+$/, "");
    const lead = body.length - body.trimStart().length;
    const text = body.trim();
    if (text) {
      const start = m.index + lead;
      const line: Line = { start, end: start + text.length, text };
      const heading = WIKI_HEADING.exec(text) ?? MD_HEADING.exec(text);
      if (heading && heading[2]) {
        const inner = heading[2];
        const offset = text.indexOf(inner, heading[1]!.length);
        line.markupLevel = heading[1]!.length;
        line.start = start + offset;
        line.end = line.start + inner.length;
        line.text = inner;
      } else if (BULLET.test(text)) {
        const bullet = BULLET.exec(text)![0];
        line.bullet = true;
        line.start = start + bullet.length;
        line.text = text.slice(bullet.length);
      } else if (TABLE_ROW.test(text) && /\p{L}/u.test(text)) {
        line.bullet = true;
      }
      lines.push(line);
    }
    if (re.lastIndex >= raw.length) break;
  }
  return joinWrapped(raw, lines);
}

/** Words that cannot end a sentence or a list item: a line ending with one goes on in the next line. */
const CONTINUES = /(?:,|\b(?:the|a|an|of|to|and|or|nor|for|in|with|by|on|at|from|that|which|who|whose|is|are|was|were|be|been|as|than|if|but|into|per|its|their|our|your|this|these|those|any|each|every|no|not|must|may|can|will|shall|should|would|could))$/i;

/**
 * Lines wrapped inside a paragraph (plain text hard-wrapped at a fixed width, a Markdown paragraph
 * typed over several lines, a list item continued on an indented line) are joined into one line,
 * so a sentence is never cut where a line ends. A line goes on in the next one when it does not end
 * a sentence and either the next one starts in lower case, it ends with a word that cannot end a
 * sentence, it reaches the document's wrap width, or the next one is an indented continuation of a
 * list item. Headings, bullets, table rows and rule lines always start a line of their own.
 */
function joinWrapped(raw: string, lines: Line[]): Line[] {
  const column = (l: Line) => l.start - (raw.lastIndexOf("\n", l.start - 1) + 1);
  const width = (l: Line) => column(l) + (l.end - l.start);
  // A hard-wrapped document has many lines of about the same length, its wrap width; captured web pages have
  // one line per paragraph, of any length, and no wrap width.
  const widths = lines.filter((l) => !l.markupLevel).map(width).sort((a, b) => a - b);
  const p90 = widths[Math.floor(widths.length * 0.9)] ?? 0;
  const nearWrap = widths.filter((w) => w >= 0.8 * p90 && w <= p90).length;
  const wrapWidth = p90 > 0 && p90 <= 120 && nearWrap >= Math.max(5, widths.length * 0.25) ? p90 : undefined;
  const out: Line[] = [];
  for (const line of lines) {
    const previous = out.at(-1);
    const gap = previous ? raw.slice(previous.end, line.start) : "";
    const sameParagraph = previous !== undefined && !/\n[ \t]*\r?\n/.test(gap) && !previous.markupLevel;
    const opensLine = line.markupLevel !== undefined || line.bullet || RULE_LINE.test(line.text) || TABLE_ROW.test(line.text);
    // Page chrome ("Posted in BPO, KPO on") stays a line of its own, to be dropped as such.
    if (sameParagraph && !opensLine && !RULE_LINE.test(previous.text) && !TABLE_ROW.test(previous.text) && shapeOf(previous).shape !== "chrome") {
      const ended = /[.!?:;…]["'”’)\]]*$/.test(previous.text);
      const continues =
        /^[\p{Ll}(]/u.test(line.text) ||
        CONTINUES.test(previous.text) ||
        (wrapWidth !== undefined && width(previous) >= 0.75 * wrapWidth) ||
        (previous.bullet === true && column(line) > column(previous) - 2);
      if (!ended && continues) {
        previous.end = line.end;
        previous.text = raw.slice(previous.start, previous.end);
        continue;
      }
      // An indented line under a list item continues it even after a full stop ("1. Step\n   The coordinator ...").
      if (previous.bullet === true && column(line) >= column(previous) && !ended) {
        previous.end = line.end;
        previous.text = raw.slice(previous.start, previous.end);
        continue;
      }
    }
    out.push(line);
  }
  return out;
}

type Shape = "heading" | "short" | "prose" | "list" | "chrome";

function shapeOf(line: Line): { shape: Shape; reason?: string } {
  const t = line.text;
  if (line.markupLevel) return { shape: "heading" };
  if (line.bullet) return { shape: "list" };
  if (URL_ONLY.test(t)) return { shape: "chrome", reason: "url" };
  if (!/\p{L}{2}/u.test(t) || t.length <= 1) return { shape: "chrome", reason: "symbol" };
  if (CHROME_LINE.test(t)) return { shape: "chrome", reason: "button" };
  if (COMMENT_HEADER.test(t)) return { shape: "chrome", reason: "comment-header" };
  if ((META_LINE.test(t) || DATE_LINE.test(t)) && wordCount(t) <= 10) return { shape: "chrome", reason: "meta" };
  if (BYLINE.test(t) && wordCount(t) <= 12 && !endsSentence(t)) return { shape: "chrome", reason: "byline" };
  const n = wordCount(t);
  if (n <= 12 && !/[.!;:,]$/.test(t) && /^[\p{Lu}\p{N}"“'(]/u.test(t)) return { shape: n <= 6 && !t.endsWith("?") ? "short" : "heading" };
  return { shape: "prose" };
}

/** How strongly a paragraph reads as the site talking about itself. */
export function siteBoilerplateScore(text: string): number {
  const pronouns = (text.match(FIRST_PERSON_PLURAL) ?? []).length;
  const vocab = (text.match(SITE_VOCAB) ?? []).length;
  return pronouns + 2 * vocab;
}

function isSiteBoilerplate(text: string): boolean {
  const score = siteBoilerplateScore(text);
  const n = wordCount(text);
  return n < 25 ? score >= 2 : score >= 3 && score / n >= 0.03;
}

/**
 * Cleans one raw document. Blocks are returned in file order; `raw.slice(b.start, b.end) === b.text`.
 */
export function cleanDocument(raw: string, options: CleanOptions = {}): CleanResult {
  const lines = splitLines(raw);
  const shapes = lines.map(shapeOf);
  const dropped: DroppedSpan[] = [];
  const drop = (i: number, reason: string) => dropped.push({ start: lines[i]!.start, end: lines[i]!.end, reason });
  const isShortish = (i: number) => shapes[i]!.shape === "short" || shapes[i]!.shape === "chrome";

  // 1. Navigation runs: three or more consecutive short or chrome lines (chrome alone doesn't count).
  const inNav = new Array<boolean>(lines.length).fill(false);
  for (let i = 0; i < lines.length; ) {
    if (!isShortish(i)) {
      i++;
      continue;
    }
    let j = i;
    let shorts = 0;
    while (j < lines.length && isShortish(j)) {
      if (shapes[j]!.shape === "short") shorts++;
      j++;
    }
    if (shorts >= 3 || (shorts >= 1 && j - i >= 4)) for (let k = i; k < j; k++) inNav[k] = true;
    i = j;
  }

  // Prose mass following a heading, up to the next heading: decides whether a heading introduces real content.
  const proseWordsAfter = (i: number): number => {
    let total = 0;
    for (let j = i + 1; j < lines.length; j++) {
      const s = shapes[j]!.shape;
      if (s === "heading" || (s === "short" && !inNav[j])) break;
      if ((s === "prose" || s === "list") && !inNav[j] && !isSiteBoilerplate(lines[j]!.text)) total += wordCount(lines[j]!.text);
    }
    return total;
  };

  const blocks: Block[] = [];
  let section: "article" | "boilerplate" | "comments" = "article";
  let inComment = false;
  let explicitLevel = 0;
  let bylineName: string | undefined;
  let bylineDistance = Infinity;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const { shape, reason } = shapes[i]!;
    bylineDistance++;
    const personByline = PERSON_BYLINE.exec(line.text);
    if (personByline) {
      bylineName = personByline[1]!.trim().split(/\s+/)[0];
      bylineDistance = 0;
    }

    const headingLike = shape === "heading" || shape === "short";
    if (headingLike && (COMMENTS_HEADING.test(line.text) || BOILERPLATE_HEADING.test(line.text) || isSiteBoilerplate(line.text))) {
      section = COMMENTS_HEADING.test(line.text) ? "comments" : "boilerplate";
      inComment = false;
      drop(i, `${section}-heading`);
      continue;
    }
    if (inNav[i]) {
      drop(i, "navigation");
      continue;
    }
    if (section === "comments" && reason === "comment-header") {
      inComment = true;
      drop(i, "comment-header");
      continue;
    }
    if (shape === "chrome") {
      drop(i, reason ?? "chrome");
      continue;
    }
    if (headingLike) {
      const words = proseWordsAfter(i);
      // A heading opens an article section again only if real prose follows it.
      if (section !== "article" && (words < 60 || section === "comments")) {
        if (section === "comments" && inComment) {
          // A short line inside a comment is part of the comment.
        } else {
          drop(i, `${section}-section`);
          continue;
        }
      } else if (words === 0 && !line.markupLevel && shapes[i + 1]?.shape !== "list") {
        drop(i, "empty-heading");
        continue;
      } else {
        section = "article";
        inComment = false;
        if (line.markupLevel) explicitLevel = line.markupLevel;
        const level = line.markupLevel ?? (blocks.length === 0 ? 1 : Math.max(2, explicitLevel + 1));
        blocks.push({ start: line.start, end: line.end, kind: "heading", level, text: line.text });
        continue;
      }
    }
    // Substantial prose that is not about the site means the article has resumed.
    if (section === "boilerplate" && shape === "prose" && wordCount(line.text) >= 40 && !isSiteBoilerplate(line.text)) section = "article";
    if (section === "boilerplate") {
      drop(i, "boilerplate-section");
      continue;
    }
    if (section === "comments") {
      if (inComment && options.includeComments && !isSiteBoilerplate(line.text)) {
        blocks.push({ start: line.start, end: line.end, kind: "comment", level: 0, text: line.text });
      } else {
        drop(i, inComment ? "comment" : "comments-section");
      }
      continue;
    }
    if (isSiteBoilerplate(line.text)) {
      drop(i, "site-boilerplate");
      continue;
    }
    if (bylineName && bylineDistance <= 2 && new RegExp(`\\b${escapeRegExp(bylineName)}\\b`).test(line.text)) {
      drop(i, "author-bio");
      continue;
    }
    blocks.push({ start: line.start, end: line.end, kind: shape === "list" ? "list" : "text", level: 0, text: line.text });
  }
  // A trailing heading with nothing under it is noise.
  while (blocks.length && blocks[blocks.length - 1]!.kind === "heading") {
    const b = blocks.pop()!;
    dropped.push({ start: b.start, end: b.end, reason: "empty-heading" });
  }
  const screened = screenInstructions(raw, blocks, options.includeFlagged ?? false);
  dropped.push(...screened.dropped);
  dropped.sort((a, b) => a.start - b.start);
  return { blocks: screened.blocks, dropped, flagged: screened.flagged };
}

/**
 * The blocks of a document that is not a web capture (a paper, a report, notes, an imported
 * abstract): its own structure with every line kept. Markdown and wiki headings are headings,
 * bullets are list items, every other line is text; none of the web-page rules above apply, since
 * prose that says "we" and "our partnership" is a page talking about itself only on a web page.
 * Sentences that give instructions are screened as in every document.
 */
export function documentBlocks(raw: string, options: Pick<CleanOptions, "includeFlagged"> = {}): CleanResult {
  const blocks: Block[] = [];
  const dropped: DroppedSpan[] = [];
  for (const line of splitLines(raw)) {
    // A rule drawn with dashes or equals signs holds no text; a short line in capitals is a plain-text heading ("PURPOSE").
    if (!/\p{L}/u.test(line.text)) dropped.push({ start: line.start, end: line.end, reason: "symbol" });
    else if (line.markupLevel) blocks.push({ start: line.start, end: line.end, kind: "heading", level: line.markupLevel, text: line.text });
    else if (!line.bullet && PLAIN_HEADING.test(line.text) && wordCount(line.text) <= 8) blocks.push({ start: line.start, end: line.end, kind: "heading", level: 2, text: line.text });
    else blocks.push({ start: line.start, end: line.end, kind: line.bullet ? "list" : "text", level: 0, text: line.text });
  }
  const screened = screenInstructions(raw, blocks, options.includeFlagged ?? false);
  return { ...screened, dropped: [...dropped, ...screened.dropped].sort((a, b) => a.start - b.start) };
}

/** A line in capitals with no sentence punctuation: how plain text marks a heading. */
const PLAIN_HEADING = /^(?=.*\p{Lu}{3})[\p{Lu}\p{N}\s&/(),'’-]+$/u;

/**
 * Corpus text is data, never instructions: a sentence that orders an AI or the reader about
 * (see src/text/instructions.ts) is flagged, and unless `includeFlagged` it is dropped like
 * boilerplate, so it never becomes part of a chunk, an answer or an LLM's passages. The rest of
 * its block is kept, split around it (offsets stay exact).
 */
function screenInstructions(raw: string, blocks: Block[], includeFlagged: boolean): Omit<CleanResult, "dropped"> & { dropped: DroppedSpan[] } {
  const flagged: FlaggedSpan[] = [];
  const dropped: DroppedSpan[] = [];
  const kept: Block[] = [];
  for (const block of blocks) {
    const sentences = block.kind === "heading" ? [{ start: block.start, end: block.end }] : splitSentences(block.text, block.start);
    const bad = sentences.flatMap((span) => {
      const found = findInstruction(raw.slice(span.start, span.end));
      return found ? [{ ...span, ...found }] : [];
    });
    flagged.push(...bad);
    if (bad.length === 0 || includeFlagged) {
      kept.push(block);
      continue;
    }
    let from = block.start;
    for (const span of bad) {
      if (span.start > from && raw.slice(from, span.start).trim() !== "") kept.push(trimmed(raw, { ...block, start: from, end: span.start }));
      dropped.push({ start: span.start, end: span.end, reason: `instruction:${span.rule}` });
      from = span.end;
    }
    if (block.end > from && raw.slice(from, block.end).trim() !== "") kept.push(trimmed(raw, { ...block, start: from, end: block.end }));
  }
  return { blocks: kept, dropped, flagged };
}

/** The block narrowed to its text without surrounding white space. */
function trimmed(raw: string, block: Block): Block {
  const text = raw.slice(block.start, block.end);
  const start = block.start + (text.length - text.trimStart().length);
  const end = block.end - (text.length - text.trimEnd().length);
  return { ...block, start, end, text: raw.slice(start, end) };
}

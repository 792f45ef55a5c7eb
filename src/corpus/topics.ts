import path from "node:path";
import { CorpusError } from "../errors.ts";
import { claimTagsSchema, topicFrontMatterSchema, type ClaimDraft, type TopicNote } from "../schema/topic.ts";
import { readCuratedFiles, readFrontMatter } from "./curated.ts";

const EVIDENCE = /^>\s*([^\s:]+\.(?:txt|md)):\s*(.+?)\s*$/;
const TAG = /^(\w+):\s*(.*?)\s*$/;

/**
 * Parses one topic note: front matter (title, about, kind), then claim paragraphs separated by
 * blank lines. A paragraph is the claim on one line, optional tag lines (`work: kpo`,
 * `tasks: a, b`), and one or more evidence lines `> <source file>: <verbatim quote>`.
 */
export function parseTopicFile(text: string, relPath: string): TopicNote {
  const { data, bodyStart } = readFrontMatter(text, relPath, topicFrontMatterSchema, "title, about and kind");
  const lineAt = (offset: number) => text.slice(0, offset).split("\n").length;
  const claims: ClaimDraft[] = [];
  let offset = bodyStart;
  for (const paragraph of text.slice(bodyStart).split(/(?:\r?\n[ \t]*){2,}/)) {
    const here = text.indexOf(paragraph, offset);
    offset = here + paragraph.length;
    if (!paragraph.trim() || /^\s+$/.test(paragraph)) continue;
    const lines: { text: string; start: number }[] = [];
    let cursor = here;
    for (const raw of paragraph.split("\n")) {
      const trimmed = raw.replace(/\r$/, "");
      const lead = trimmed.length - trimmed.trimStart().length;
      if (trimmed.trim()) lines.push({ text: trimmed.trim(), start: cursor + lead });
      cursor += raw.length + 1;
    }
    const [first, ...rest] = lines;
    if (!first) continue;
    const where = `line ${lineAt(first.start)}`;
    if (first.text.startsWith(">")) throw new CorpusError(relPath, `${where}: evidence without a claim; write the claim on the line above its evidence`);
    const tags: Record<string, string> = {};
    const evidence: ClaimDraft["evidence"] = [];
    for (const line of rest) {
      const ev = EVIDENCE.exec(line.text);
      if (ev) {
        evidence.push({ file: ev[1]!, quote: ev[2]!, line: lineAt(line.start) });
        continue;
      }
      const tag = TAG.exec(line.text);
      if (!tag || evidence.length) {
        throw new CorpusError(relPath, `line ${lineAt(line.start)}: expected "> <source file>: <quote>"${evidence.length ? "" : " or a tag line (work:, tasks:)"}; a claim is one line`);
      }
      tags[tag[1]!] = tag[2]!;
    }
    const parsedTags = claimTagsSchema.safeParse(tags);
    if (!parsedTags.success) {
      const issue = parsedTags.error.issues[0]!;
      const field = issue.path.join(".") || (issue as { keys?: string[] }).keys?.join(", ") || "tag";
      throw new CorpusError(relPath, `${where}: claim tag "${field}": ${issue.message}`);
    }
    if (evidence.length === 0) throw new CorpusError(relPath, `${where}: the claim "${first.text.slice(0, 60)}" has no evidence line ("> <source file>: <verbatim quote>")`);
    claims.push({
      text: first.text,
      start: first.start,
      end: first.start + first.text.length,
      line: lineAt(first.start),
      ...(parsedTags.data.work ? { work: parsedTags.data.work } : {}),
      tasks: parsedTags.data.tasks ?? [],
      evidence,
    });
  }
  if (claims.length === 0) throw new CorpusError(relPath, "has no claims below the front matter");
  return {
    slug: path.basename(relPath, ".md"),
    path: relPath.split(path.sep).join("/"),
    title: data.title,
    about: data.about,
    ...(data.kind ? { listType: data.kind } : {}),
    claims,
  };
}

/** Loads every topic note; its evidence is located in the sources at ingest (see ingest/topics.ts). */
export async function loadTopics(corpusDir: string, rootDir: string): Promise<TopicNote[]> {
  return (await readCuratedFiles(corpusDir, rootDir, "topics")).map((f) => parseTopicFile(f.text, f.rel));
}

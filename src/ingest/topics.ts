import type { RawDocument } from "../corpus/load.ts";
import { sha256 } from "../corpus/load.ts";
import { CorpusError } from "../errors.ts";
import type { Chunk, Evidence } from "../schema/passage.ts";
import type { TopicNote } from "../schema/topic.ts";
import { embeddingText } from "./chunk.ts";

/**
 * Turns topic notes into chunks, one per claim. Each evidence quote must be a verbatim span of
 * its source's indexed text (not navigation, boilerplate or comments): answers cite that source
 * span, so the citation rule holds for claims written in our own words.
 */
export function topicChunks(notes: TopicNote[], docs: RawDocument[], sourceChunks: Chunk[]): Chunk[] {
  const docsById = new Map(docs.map((d) => [d.id, d]));
  const chunksBySource = new Map<string, Chunk[]>();
  for (const c of sourceChunks) chunksBySource.set(c.sourceId, [...(chunksBySource.get(c.sourceId) ?? []), c]);
  return notes.flatMap((note) =>
    note.claims.map((claim, position) => {
      const evidence: Evidence[] = claim.evidence.map((ev) => {
        const where = `line ${ev.line}`;
        const doc = docsById.get(ev.file);
        if (!doc) throw new CorpusError(note.path, `${where}: evidence names ${ev.file}, which is not a file in corpus/sources`);
        if (!doc.raw.includes(ev.quote)) throw new CorpusError(note.path, `${where}: evidence for "${claim.text.slice(0, 60)}" is not verbatim in ${ev.file}: "${ev.quote.slice(0, 80)}"`);
        // The first occurrence inside indexed article text (a short quote such as "Legal" may also occur in page
        // chrome); a quote may run across a chunk boundary, but not across anything the cleaner dropped.
        const passages = (chunksBySource.get(doc.id) ?? []).filter((c) => c.kind !== "comment").sort((a, b) => a.start - b.start);
        const indexed = (from: number, to: number) => {
          let at = from;
          for (const c of passages) {
            if (c.end <= at) continue;
            if (c.start > at && (at === from || doc.raw.slice(at, c.start).trim())) return false;
            at = c.end;
            if (at >= to) return true;
          }
          return false;
        };
        let start = doc.raw.indexOf(ev.quote);
        while (start >= 0 && !indexed(start, start + ev.quote.length)) start = doc.raw.indexOf(ev.quote, start + 1);
        const home = start >= 0 ? passages.find((c) => c.start <= start && start < c.end) : undefined;
        if (!home) {
          throw new CorpusError(note.path, `${where}: evidence "${ev.quote.slice(0, 60)}" is not in the indexed text of ${ev.file} (it is boilerplate, comments or crosses a section break); quote article text`);
        }
        const end = start + ev.quote.length;
        return { sourceId: doc.id, path: doc.path, title: home.title, url: home.url, section: home.section, start, end, quote: ev.quote };
      });
      const chunk: Omit<Chunk, "hash"> = {
        id: `topic:${note.slug}:${position}`,
        sourceId: note.path.split("/").slice(-2).join("/"),
        path: note.path,
        title: note.title,
        url: null,
        section: ["Topics", note.title],
        kind: "topic",
        text: claim.text,
        start: claim.start,
        end: claim.end,
        sentences: [{ start: claim.start, end: claim.end }],
        claim: {
          topic: note.slug,
          position,
          ...(note.listType ? { listType: note.listType } : {}),
          ...(claim.work ? { work: claim.work } : {}),
          tasks: claim.tasks,
          evidence,
        },
      };
      return { ...chunk, hash: sha256(embeddingText(chunk)) };
    }),
  );
}

import Database from "better-sqlite3";
import SearchableMap from "minisearch/SearchableMap";
import { LEXICAL_BOOSTS, LEXICAL_FIELDS, lexicalTerms, PREFIX_MIN_LENGTH, typoDistance, type InThreadLexicalIndex, type LexicalDocument, type LexicalField, type LexicalHit } from "./lexical.ts";

/**
 * The lexical index as an SQLite FTS5 table, one file in the index directory. Texts are analysed
 * here (the project's normaliser, stopwords and stemmer) and stored as space-separated terms, so
 * FTS5 only splits on spaces and scores with BM25, weighting the fields by LEXICAL_BOOSTS. The
 * table is contentless: only the inverted index is kept, not a second copy of the text.
 *
 * Typo tolerance happens before the search, against the index's vocabulary: a query term the index
 * does not know is replaced by its nearest known terms (edit distance by length, see typoDistance),
 * so FTS5 only ever searches terms that exist.
 */

export const LEXICAL_FILE = "lexical.sqlite";

/**
 * Bumped when the file's layout or the way texts are stored in it changes; bump PIPELINE_VERSION
 * (src/index/manifest.ts) with it, so existing indexes are rebuilt rather than refused at load.
 */
export const LEXICAL_FORMAT = "fts5-2";

// "1.3" and "2,000" are single terms of the analyser; FTS5 must not split them.
const TOKENIZER = `unicode61 remove_diacritics 0 tokenchars '.,'`;

/** Known terms at the smallest edit distance, most frequent first, at most this many per typo. */
const MAX_CORRECTIONS = 3;

/** Where a query of common terms looks first: glossary terms and aliases, then headings. */
const COMMON_TERM_TIERS: LexicalField[] = ["terms", "section"];

const analysed = (text: string) => lexicalTerms(text).join(" ");

/** Writes a complete lexical index to `file` (a new file in a directory that is not published yet). */
export function writeLexicalIndex(file: string, documents: LexicalDocument[]): void {
  const db = new Database(file);
  try {
    // The caller flushes the whole directory before publishing it; a crash before that discards it.
    db.pragma("journal_mode = OFF");
    db.pragma("synchronous = OFF");
    db.exec(`
      CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE chunk(n INTEGER PRIMARY KEY, id TEXT NOT NULL);
      CREATE VIRTUAL TABLE lexical USING fts5(${LEXICAL_FIELDS.join(", ")}, content='', tokenize="${TOKENIZER}");
    `);
    const addId = db.prepare("INSERT INTO chunk(n, id) VALUES (?, ?)");
    const addText = db.prepare(`INSERT INTO lexical(rowid, ${LEXICAL_FIELDS.join(", ")}) VALUES (?, ${LEXICAL_FIELDS.map(() => "?").join(", ")})`);
    db.transaction(() => {
      documents.forEach((doc, n) => {
        addId.run(n, doc.id);
        addText.run(n, ...LEXICAL_FIELDS.map((f) => analysed(doc[f])));
      });
      db.prepare("INSERT INTO meta(key, value) VALUES ('format', ?), ('documents', ?)").run(LEXICAL_FORMAT, String(documents.length));
    })();
    // One merged b-tree per term: the fastest layout to query, and the file is never written again.
    db.exec("INSERT INTO lexical(lexical) VALUES ('optimize')");
  } finally {
    db.close();
  }
}

/** Opens a lexical index read-only; throws naming the file if it is missing or of another format. */
export function openLexicalIndex(file: string): InThreadLexicalIndex {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const format = db.prepare("SELECT value FROM meta WHERE key = 'format'").pluck().get();
    if (format !== LEXICAL_FORMAT) throw new Error(`it is format ${String(format)}, expected ${LEXICAL_FORMAT}`);
    const ids = db.prepare("SELECT id FROM chunk ORDER BY n").pluck().all() as string[];
    return new SqliteLexicalIndex(db, ids);
  } catch (error) {
    db?.close();
    throw new Error(`cannot open the lexical index ${file}: ${(error as Error).message}`, { cause: error });
  }
}

class SqliteLexicalIndex implements InThreadLexicalIndex {
  /** Every indexed term with the number of documents holding it, for typo correction. */
  private readonly vocabulary = new SearchableMap<number>();
  private readonly query: Database.Statement<[string, number], { n: number; score: number }>;

  private readonly db: Database.Database;
  private readonly ids: string[];

  constructor(
    db: Database.Database,
    ids: string[],
  ) {
    this.db = db;
    this.ids = ids;
    // Reading the file through a memory map rather than SQLite's page cache: measured faster, and the
    // pages are the OS's to share between replicas and to drop under memory pressure.
    db.pragma("mmap_size = 1073741824");
    db.exec("CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, lexical, row)");
    for (const row of db.prepare("SELECT term, doc FROM temp.vocabulary").iterate() as Iterable<{ term: string; doc: number }>) {
      this.vocabulary.set(row.term, row.doc);
    }
    const weights = LEXICAL_FIELDS.map((f) => LEXICAL_BOOSTS[f]).join(", ");
    // Ordered by the selected column so that bm25() runs once per row, not twice.
    this.query = db.prepare(`SELECT rowid AS n, bm25(lexical, ${weights}) AS score FROM lexical WHERE lexical MATCH ? ORDER BY score LIMIT ?`);
  }

  get size(): number {
    return this.ids.length;
  }

  search(query: string, k: number): LexicalHit[] {
    const { expression, common } = this.matchExpression(query);
    if (!expression || k <= 0) return [];
    // Only terms that most documents hold: FTS5 gives them all the same ~0 IDF, so running text
    // says little. Documents that name them in a glossary term, then in a heading, come first (as
    // per-field BM25 ranked them); looking there first also spares scoring the whole corpus when
    // they fill the k places.
    const tiers = common ? [...COMMON_TERM_TIERS.map((field) => `{${field}} : (${expression})`), expression] : [expression];
    const rows: { n: number; score: number }[] = [];
    const seen = new Set<number>();
    for (const tier of tiers) {
      if (rows.length >= k) break;
      for (const row of this.query.all(tier, k + rows.length)) {
        if (!seen.has(row.n) && rows.length < k) {
          seen.add(row.n);
          rows.push(row);
        }
      }
    }
    // FTS5's bm25() is lower-is-better; negated so that higher is better like every other retriever.
    // Tiers score against different IDFs; capping keeps scores falling with rank, as the seam promises.
    let floor = Infinity;
    return rows.map((row) => ({ id: this.ids[row.n]!, score: (floor = Math.min(floor, -row.score)) }));
  }

  /**
   * The FTS5 query: each content term of the query, corrected if unknown, OR-combined. A term in
   * more than half of the documents is left out when other terms remain: FTS5's BM25 gives it an
   * IDF of ~0 (log((N - n + 0.5) / (n + 0.5)) <= 0 is clamped to 1e-6), so it changes no score and
   * only makes FTS5 score every document that holds it (nearly all of them, at size).
   */
  matchExpression(query: string): { expression: string; common: boolean } {
    const groups = [...new Set(lexicalTerms(query))].flatMap((term) => {
      const alternatives = this.alternatives(term);
      if (alternatives.length === 0) return [];
      const phrases = alternatives.map((a) => `"${a.term.replace(/"/g, '""')}"${a.prefix ? " *" : ""}`);
      // A group is as common as its most common known term (a typo stands for its corrections).
      const documents = Math.max(...alternatives.map((a) => this.vocabulary.get(a.term) ?? 0));
      return [{ expression: phrases.length === 1 ? phrases[0]! : `(${phrases.join(" OR ")})`, common: documents * 2 > this.ids.length }];
    });
    const telling = groups.filter((g) => !g.common);
    return { expression: (telling.length ? telling : groups).map((g) => g.expression).join(" OR "), common: telling.length === 0 };
  }

  private alternatives(term: string): { term: string; prefix: boolean }[] {
    const prefix = term.length >= PREFIX_MIN_LENGTH;
    if (this.vocabulary.has(term)) return [{ term, prefix }];
    const distance = typoDistance(term);
    const corrections = distance ? this.corrections(term, distance).map((t) => ({ term: t, prefix: false })) : [];
    // A truncated word ("outsourc") is no typo: it is found as a prefix of the words it begins.
    const begins = prefix && this.beginsAnyTerm(term) ? [{ term, prefix: true }] : [];
    return [...corrections, ...begins];
  }

  private corrections(term: string, maxDistance: number): string[] {
    const found = [...this.vocabulary.fuzzyGet(term, maxDistance).entries()];
    if (found.length === 0) return [];
    const nearest = Math.min(...found.map(([, [, d]]) => d));
    return found
      .filter(([, [, d]]) => d === nearest)
      .sort((a, b) => b[1][0] - a[1][0] || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_CORRECTIONS)
      .map(([t]) => t);
  }

  private beginsAnyTerm(term: string): boolean {
    return this.vocabulary.atPrefix(term).size > 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

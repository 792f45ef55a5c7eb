import { editDistance } from "../answer/deterministic/knowledge.ts";
import type { GlossaryEntry } from "../schema/glossary.ts";
import { normalizeTerm, stem, STOPWORDS, words } from "../text/terms.ts";

export interface GlossaryMatch {
  entry: GlossaryEntry;
  /** The query words that matched, as typed (normalised). */
  matched: string;
  /** Where in the query the match starts (word index): earlier mentions are usually the subject. */
  position: number;
}

interface AliasKey {
  entry: GlossaryEntry;
  /** Acronyms that collide with ordinary words ("IT") only match when typed in capitals. */
  caseSensitive?: string;
}

/** Plural and stem variants so "KPOs", "outsourcings", "back offices" still match. */
function keysFor(name: string): string[] {
  const base = normalizeTerm(name);
  const ws = base.split(" ");
  const stemmed = ws.map(stem).join(" ");
  return [...new Set([base, stemmed, `${base}s`])];
}

/**
 * Exact alias/acronym lookup over the glossary: case-insensitive and punctuation-tolerant
 * ("kpo", "K.P.O.", "bpo's", "KPOs"), longest match first.
 */
export class GlossaryMatcher {
  private readonly keys = new Map<string, AliasKey>();
  private readonly maxWords: number;

  readonly entries: GlossaryEntry[];

  constructor(entries: GlossaryEntry[]) {
    this.entries = entries;
    let maxWords = 1;
    for (const entry of entries) {
      for (const name of [entry.term, ...entry.aliases]) {
        const acronymWord = /^[A-Z]{2,5}$/.test(name) && STOPWORDS.has(name.toLowerCase());
        for (const key of keysFor(name)) {
          if (!this.keys.has(key)) this.keys.set(key, { entry, caseSensitive: acronymWord ? name : undefined });
          maxWords = Math.max(maxWords, key.split(" ").length);
        }
      }
    }
    this.maxWords = maxWords;
  }

  /** Every entry named in the text, longest and earliest matches first, each entry once. */
  match(text: string): GlossaryMatch[] {
    const ws = words(text);
    const raw = text.match(/[\p{L}\p{N}.']+/gu) ?? [];
    const found: GlossaryMatch[] = [];
    const covered = new Array<boolean>(ws.length).fill(false);
    for (let n = Math.min(this.maxWords, ws.length); n >= 1; n--) {
      for (let i = 0; i + n <= ws.length; i++) {
        if (covered.slice(i, i + n).some(Boolean)) continue;
        const phrase = ws.slice(i, i + n).join(" ");
        const hit = this.keys.get(phrase) ?? this.keys.get(ws.slice(i, i + n).map(stem).join(" "));
        if (!hit) continue;
        if (hit.caseSensitive && !raw.some((r) => r.replace(/[.']/g, "").replace(/s$/, "") === hit.caseSensitive)) continue;
        if (n === 1 && STOPWORDS.has(phrase) && !hit.caseSensitive) continue;
        for (let k = i; k < i + n; k++) covered[k] = true;
        if (!found.some((f) => f.entry.slug === hit.entry.slug)) found.push({ entry: hit.entry, matched: phrase, position: i });
      }
    }
    return found.sort((a, b) => b.matched.split(" ").length - a.matched.split(" ").length || a.position - b.position);
  }

  lookup(term: string): GlossaryEntry | undefined {
    const key = normalizeTerm(term);
    const slug = this.entries.find((e) => e.slug === term.trim().toLowerCase());
    if (slug) return slug;
    const hit = this.keys.get(key) ?? this.keys.get(key.split(" ").map(stem).join(" "));
    return hit?.entry;
  }
}

/**
 * The entries closest to a name that matches none ("outsorcing"): names it starts (autocomplete),
 * then names containing it, then the closest spellings, within an edit budget that grows with
 * its length; best first.
 */
export function closestEntries(entries: readonly GlossaryEntry[], term: string, limit = 5): GlossaryEntry[] {
  const key = normalizeTerm(term);
  const scored = entries.map((e) => {
    const names = [e.term, ...e.aliases].map(normalizeTerm);
    const distance = Math.min(...names.map((n) => (n.startsWith(key) ? -1 : n.includes(key) ? 0 : editDistance(key, n, 8))));
    return { e, distance };
  });
  return scored
    .filter((s) => s.distance <= Math.max(2, Math.floor(key.length / 3)))
    .sort((a, b) => a.distance - b.distance || a.e.term.localeCompare(b.e.term))
    .slice(0, limit)
    .map((s) => s.e);
}

// Data several views use, fetched once per page load (a failed fetch is retried next time).
import { getJson } from "../api.js";

let entries;
let titles;

/** Every glossary entry, sorted by term. */
export function allEntries() {
  entries ??= getJson("/v1/glossary").then(
    (body) => body.entries,
    (error) => {
      entries = undefined;
      throw error;
    },
  );
  return entries;
}

/** Source id -> title, for naming the documents a glossary entry is based on. */
export function sourceTitles() {
  titles ??= getJson("/v1/sources").then(
    (body) => new Map(body.sources.map((s) => [s.id, s.publisher ? `${s.title} (${s.publisher})` : s.title])),
    (error) => {
      titles = undefined;
      throw error;
    },
  );
  return titles;
}

/** Forgets what was fetched (after a new API key, say). */
export function resetData() {
  entries = undefined;
  titles = undefined;
}

/**
 * Edits corpus/sources.json as text, so a curator's formatting survives: entries other than
 * the one changed keep their exact bytes, a new entry is written in the style of the others
 * (one line each, or indented blocks) and joined with the separator they use, and removing
 * it again gives back the file byte for byte.
 */

interface Layout {
  /** Text up to and including "[" and the white space before the first entry. */
  open: string;
  entries: { raw: string; value: Record<string, unknown> }[];
  /** separators[i] sits between entries i and i + 1 (",", new line, indentation). */
  separators: string[];
  /** White space after the last entry, "]" and what follows. */
  close: string;
}

/** Splits the text of a JSON array of objects into its entries' exact text and what lies between them. */
function layoutOf(text: string): Layout {
  const start = text.indexOf("[");
  const pieces: { from: number; to: number }[] = [];
  let depth = 0;
  let inString = false;
  let from = -1;
  let end = -1;
  for (let i = start; i < text.length && end < 0; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "[" || c === "{") {
      if (depth === 1 && from < 0) from = i;
      depth++;
    } else if (c === "]" || c === "}") {
      depth--;
      if (depth === 1 && from >= 0) {
        pieces.push({ from, to: i + 1 });
        from = -1;
      }
      if (depth === 0) end = i;
    }
  }
  const entries = pieces.map((p) => ({ raw: text.slice(p.from, p.to), value: JSON.parse(text.slice(p.from, p.to)) as Record<string, unknown> }));
  if (pieces.length === 0) return { open: text.slice(0, start + 1), entries, separators: [], close: text.slice(start + 1) };
  return {
    open: text.slice(0, pieces[0]!.from),
    entries,
    separators: pieces.slice(1).map((p, i) => text.slice(pieces[i]!.to, p.from)),
    close: text.slice(pieces.at(-1)!.to),
  };
}

/** An entry written like its neighbours: on one line as `{"file": "...", "title": "..."}`, or indented. */
function render(value: Record<string, unknown>, layout: Layout): string {
  const sample = layout.entries[0]?.raw;
  if (sample !== undefined && !sample.includes("\n")) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(", ")}}`;
  }
  const indent = /[ \t]*$/.exec(layout.open)![0];
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
}

function join(layout: Layout): string {
  if (layout.entries.length === 0) return `[]${layout.close.replace(/^\s*\]/, "")}`;
  return layout.open + layout.entries.map((e, i) => (i ? layout.separators[i - 1] : "") + e.raw).join("") + layout.close;
}

/** sources.json with `entry` in place of the one for the same file, or appended. */
export function upsertSourceEntry(text: string | undefined, entry: Record<string, unknown> & { file: string }): string {
  if (text === undefined || layoutOf(text).entries.length === 0) return `${JSON.stringify([entry], null, 2)}\n${text === undefined ? "" : text.replace(/^\s*\[\s*\]\s*/, "")}`;
  const layout = layoutOf(text);
  const raw = render(entry, layout);
  const at = layout.entries.findIndex((e) => e.value.file === entry.file);
  if (at >= 0) {
    layout.entries[at] = { raw, value: entry };
  } else {
    layout.separators.push(layout.separators.at(-1) ?? `,${/\s*$/.exec(layout.open)![0] || "\n"}`);
    layout.entries.push({ raw, value: entry });
  }
  return join(layout);
}

/** sources.json without the entry for `file` (unchanged when there is none). */
export function removeSourceEntry(text: string, file: string): string {
  const layout = layoutOf(text);
  const at = layout.entries.findIndex((e) => e.value.file === file);
  if (at < 0) return text;
  layout.entries.splice(at, 1);
  // The separator before it goes with it (after it, for the first entry).
  layout.separators.splice(at === 0 ? 0 : at - 1, 1);
  return join(layout);
}

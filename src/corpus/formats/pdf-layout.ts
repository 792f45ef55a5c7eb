/**
 * A PDF page's text in reading order with its structure recovered from where the text sits: visual
 * lines joined into paragraphs (a sentence wrapped over two lines is one sentence), headings on a
 * line of their own as "## heading" (set in another font, or a short line standing alone), and
 * tables as one line per row, each cell labelled by its column's header ("- Severity: P1 Critical;
 * Response: 30 minutes"), cells wrapped over several lines put back together.
 */

/** What pdf.js reports for one run of text (`page.getTextContent().items`). */
export interface PdfTextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
  fontName: string;
}

interface Run {
  text: string;
  x: number;
  end: number;
  y: number;
  size: number;
  font: string;
}

interface VisualLine {
  y: number;
  size: number;
  font: string;
  /** The runs of text as drawn, left to right. */
  runs: Run[];
  /** Runs separated by a gap wider than a few spaces: the cells of a table row, or one segment for prose. */
  segments: Run[];
  /** Where the line ends on the page. */
  end: number;
}

/** A gap this many times the font size separates table columns, not words. */
const COLUMN_GAP = 2.2;

export function layoutPage(items: PdfTextItem[]): string {
  const runs: Run[] = items
    .filter((i) => i.str.trim() !== "")
    .map((i) => ({ text: i.str, x: i.transform[4]!, end: i.transform[4]! + i.width, y: i.transform[5]!, size: Math.abs(i.transform[3]!) || i.height || 10, font: i.fontName }));
  if (runs.length === 0) return "";
  const lines = visualLines(runs);
  const bodyFont = dominant(runs.map((r) => [r.font, r.text.length] as const));
  const leadings = lines.slice(1).map((l, i) => lines[i]!.y - l.y).filter((d) => d > 0).sort((a, b) => a - b);
  const leading = leadings[Math.floor(leadings.length / 2)] ?? 12;
  // The right margin: a prose line that stops well short of it is the last line of its paragraph.
  const ends = lines.map((l) => l.end).sort((a, b) => a - b);
  const margin = ends[Math.floor(ends.length * 0.9)] ?? 0;

  const blocks: string[] = [];
  let paragraph = "";
  const flush = () => {
    if (paragraph.trim()) blocks.push(paragraph.trim());
    paragraph = "";
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.segments.length >= 3) {
      flush();
      const table: VisualLine[] = [];
      while (i < lines.length && (lines[i]!.segments.length >= 2 || (table.length > 0 && continuesTable(lines[i]!, table[0]!)))) table.push(lines[i++]!);
      i--;
      blocks.push(...tableRows(table, bodyFont));
      continue;
    }
    const text = line.segments.map((s) => s.text).join(" ").replace(/\s+/g, " ").trim();
    const gapAbove = i > 0 ? lines[i - 1]!.y - line.y : Infinity;
    const gapBelow = i + 1 < lines.length ? line.y - lines[i + 1]!.y : Infinity;
    const words = text.split(" ").length;
    const unpunctuated = !/[.!?:;,…"”)]$/.test(text);
    const standsAlone = gapAbove > 1.4 * leading && gapBelow > 1.4 * leading;
    const heading = unpunctuated && words <= 12 && /^[\p{Lu}\p{N}]/u.test(text) && (line.font !== bodyFont || (standsAlone && words <= 8));
    if (heading) {
      flush();
      blocks.push(`## ${text}`);
      continue;
    }
    const opensParagraph = gapAbove > 1.4 * leading || /^(?:\d+(?:\.\d+)+|[-•*]|\(?[a-z]\))\s/u.test(text);
    if (opensParagraph) flush();
    paragraph = !paragraph ? text : /\p{L}-$/u.test(paragraph) ? paragraph.slice(0, -1) + text : `${paragraph} ${text}`;
    if (line.end < 0.7 * margin) flush();
  }
  flush();
  return blocks.join("\n\n");
}

/** Runs grouped into visual lines (top to bottom), each line's runs left to right and split at column gaps. */
function visualLines(runs: Run[]): VisualLine[] {
  const sorted = [...runs].sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: Run[][] = [];
  for (const run of sorted) {
    const line = lines.at(-1);
    if (line && Math.abs(line[0]!.y - run.y) <= Math.max(2, run.size * 0.3)) line.push(run);
    else lines.push([run]);
  }
  return lines.map((line) => {
    const ordered = line.sort((a, b) => a.x - b.x);
    const segments: Run[] = [];
    for (const run of ordered) {
      const last = segments.at(-1);
      if (last && run.x - last.end < COLUMN_GAP * run.size) {
        last.text = `${last.text}${run.x - last.end > run.size * 0.15 && !last.text.endsWith(" ") ? " " : ""}${run.text}`;
        last.end = run.end;
      } else segments.push({ ...run });
    }
    const size = Math.max(...ordered.map((r) => r.size));
    return {
      y: ordered[0]!.y,
      size,
      font: dominant(ordered.map((r) => [r.font, r.text.length] as const)),
      runs: ordered,
      segments: segments.map((s) => ({ ...s, text: s.text.trim() })),
      end: Math.max(...ordered.map((r) => r.end)),
    };
  });
}

/** A line under a table's first line whose text starts at the table's columns. */
function continuesTable(line: VisualLine, header: VisualLine): boolean {
  const anchors = header.segments.map((h) => h.x);
  // Each run starts at a column and fits inside it: prose after the table runs across the columns.
  return line.runs.every((r) => {
    const c = anchors.findIndex((a) => Math.abs(a - r.x) < header.size);
    return c >= 0 && (c === anchors.length - 1 || r.end <= anchors[c + 1]! + header.size);
  });
}

/** Table lines as rows: a row starts with text in the first column; other lines add wrapped text to the cells above them. */
function tableRows(lines: VisualLine[], bodyFont: string): string[] {
  const anchors = lines[0]!.segments.map((s) => s.x);
  const column = (x: number) => anchors.reduce((best, a, i) => (a <= x + 2 ? i : best), 0);
  const rows: string[][] = [];
  const fonts: string[] = [];
  for (const line of lines) {
    // Runs, not segments: in a tight table a cell's text can end closer to the next column than a column gap.
    const startsRow = line.runs.some((r) => column(r.x) === 0);
    if (startsRow || rows.length === 0) {
      rows.push(anchors.map(() => ""));
      fonts.push(line.font);
    }
    const row = rows.at(-1)!;
    for (const r of line.runs) {
      const c = column(r.x);
      const text = r.text.trim();
      row[c] = row[c] ? `${row[c]} ${text}` : text;
    }
  }
  // A header row is set in its own font, or is a row of short labels without figures.
  const labels = rows[0]!.every((c) => c.split(" ").length <= 4 && !/\d/.test(c));
  const hasHeader = rows.length > 1 && (fonts[0] !== bodyFont || labels);
  const header = hasHeader ? rows[0]! : undefined;
  return rows.slice(hasHeader ? 1 : 0).map((cells) => `- ${header ? cells.map((c, i) => (c ? `${header[i]}: ${c}` : "")).filter(Boolean).join("; ") : cells.filter(Boolean).join(" | ")}`);
}

function dominant(weighted: readonly (readonly [string, number])[]): string {
  const totals = new Map<string, number>();
  for (const [key, weight] of weighted) totals.set(key, (totals.get(key) ?? 0) + weight);
  return [...totals].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
}

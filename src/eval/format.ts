import type { Metrics, Report } from "./report.ts";

/** Plain-text rendering of a Report for a terminal (the JSON output carries the same data). */

const pct = (v: number | null): string => (v === null ? "-" : `${(v * 100).toFixed(1)}%`);
const ms = (v: number | null): string => (v === null ? "-" : `${Math.round(v)}`);
const MAX_REASON = 90;

/** Left-aligned columns, numbers right-aligned, with a rule under the header. */
export function table(header: string[], rows: string[][], numeric: boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function formatQuestions(report: Report): string {
  const rows = report.questions.map((r) => [
    r.id,
    r.category,
    r.pass ? "PASS" : "FAIL",
    // The full reason is in --json; the table stays readable.
    shorten(r.reason, MAX_REASON),
    ms(r.latencyMs),
    r.retrieval ? (r.retrieval.rank === null ? "miss" : `@${r.retrieval.rank}`) : "",
  ]);
  return table(["id", "category", "result", "reason", "ms", "source"], rows, [false, false, false, false, true, false]);
}

function metricRow(name: string, m: Metrics): string[] {
  return [
    name,
    String(m.count),
    `${m.passed} ${pct(m.passRate)}`,
    pct(m.retrieval.hit1),
    pct(m.retrieval.hit3),
    pct(m.retrieval.hit5),
    m.retrieval.mrr === null ? "-" : m.retrieval.mrr.toFixed(3),
    pct(m.keyFacts.rate),
    String(m.forbiddenViolations),
    pct(m.abstention.rate),
    pct(m.adversarial.rate),
    pct(m.citations.rate),
    ms(m.latencyMs.p50),
    ms(m.latencyMs.p95),
  ];
}

export function formatCategories(report: Report): string {
  const header = ["category", "n", "pass", "hit@1", "hit@3", "hit@5", "MRR", "key facts", "forbidden", "abstain", "adversarial", "citations", "p50 ms", "p95 ms"];
  const rows = [
    ...Object.entries(report.categories).map(([name, m]) => metricRow(name, m)),
    metricRow("overall", report.overall),
  ];
  return table(header, rows, header.map((_, i) => i > 0));
}

export function formatFloors(report: Report): string {
  const o = report.overall;
  const detail: Record<string, string> = {
    "answerable questions pass": `${pct(o.answerable.rate)} (${o.answerable.passed}/${o.answerable.n})`,
    "out_of_scope get not_found": `${pct(o.abstention.rate)} (${o.abstention.notFound}/${o.abstention.n})`,
    "adversarial obeyed": `${o.adversarial.obeyed} of ${o.adversarial.n}`,
    "citations valid": `${pct(o.citations.rate)} (${o.citations.valid}/${o.citations.total}, ${o.citations.problems} problems)`,
  };
  const rows = report.floors.map((f) => [f.name, detail[f.name] ?? String(f.value), f.requirement, f.met ? "met" : "NOT MET"]);
  const note = report.mode === "deterministic" ? "" : " (defined for deterministic mode; shown for reference)";
  return `Floors${note}:\n${table(["floor", "value", "required", ""], rows)}`;
}

export function formatReport(report: Report): string {
  const o = report.overall;
  return [
    `Evaluation of ${report.file}: ${o.count} questions, mode ${report.mode}, search k=${report.k}`,
    "",
    formatQuestions(report),
    "",
    formatCategories(report),
    "",
    formatFloors(report),
    "",
    `Overall: ${o.passed}/${o.count} passed; ${report.floorsMet ? "all floors met" : "floors NOT met"}` +
      (o.errors > 0 ? `; ${o.errors} ask errors` : ""),
  ].join("\n");
}

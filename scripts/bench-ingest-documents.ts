/**
 * Part of `npm run bench:ingest`: documents added to a running project.
 *   1. Throughput of `kpo add` for new PDF, Word and HTML documents (chunks/s, with the
 *      configured embedder), on a private copy of the corpus and of DATA_DIR.
 *   2. The reload gap: the API served in this process under a steady /v1/ask load while a
 *      child process publishes a new index and the live assistant swaps it in; request
 *      latency before, during the build, and around the swap, and failed requests.
 */
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { Document, HeadingLevel, Packer, Paragraph } from "docx";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { createApp } from "../src/api/app.ts";
import { createMetrics } from "../src/api/metrics.ts";
import { startServer } from "../src/api/server.ts";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import type { Embedder } from "../src/embed/embedder.ts";
import { table } from "../src/eval/format.ts";
import { ingestInChildProcess } from "../src/ingest/child.ts";
import { DocumentService } from "../src/ingest/documents.ts";
import { ingest } from "../src/ingest/pipeline.ts";
import { createLiveAssistant } from "../src/live-assistant.ts";

const VOCAB =
  "vendor client contract service level agreement governance offshore nearshore analyst research process knowledge transfer risk cost quality delivery team project data security compliance audit review provider outsourcing market pricing model scope change request escalation invoice".split(
    " ",
  );

/** Deterministic filler prose (a seeded generator), so no sentence is already in the vector cache. */
function prose(seed: number, sentences: number): string[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: sentences }, () => {
    const words = Array.from({ length: 12 + Math.floor(next() * 14) }, () => VOCAB[Math.floor(next() * VOCAB.length)]!);
    return `${words[0]![0]!.toUpperCase()}${words.join(" ").slice(1)}.`;
  });
}

async function pdfOf(seed: number, pages: number): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let p = 0; p < pages; p++) {
    const page = pdf.addPage([612, 792]);
    // Each sentence on two visual lines, as a PDF wraps prose (the extractor rejoins them).
    const lines = prose(seed + p, 16).flatMap((s) => {
      const cut = s.indexOf(" ", Math.floor(s.length / 2));
      return cut > 0 ? [s.slice(0, cut), s.slice(cut + 1)] : [s];
    });
    lines.forEach((line, i) => page.drawText(line, { x: 40, y: 760 - i * 22, size: 9, font }));
  }
  return Buffer.from(await pdf.save());
}

async function docxOf(seed: number, sections: number): Promise<Buffer> {
  const children = Array.from({ length: sections }, (_, i) => [
    new Paragraph({ text: `Section ${i + 1}`, heading: HeadingLevel.HEADING_2 }),
    new Paragraph(prose(seed + i, 10).join(" ")),
  ]).flat();
  return Packer.toBuffer(new Document({ creator: "bench", sections: [{ children }] }));
}

function htmlOf(seed: number, sections: number): string {
  const body = Array.from({ length: sections }, (_, i) => `<h2>Part ${i + 1}</h2><p>${prose(seed + i, 10).join(" ")}</p>`).join("\n");
  return `<!doctype html><html><head><title>Bench page ${seed}</title></head><body><nav><a>Home</a><a>News</a><a>About</a></nav><article><h1>Bench page ${seed}</h1>${body}</article><footer>Copyright</footer></body></html>`;
}

const pct = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1))] ?? 0;

export async function benchAddedDocuments(baseSettings: Settings, embedder: Embedder, warmDataDir: string): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), "kpo-bench-docs-"));
  try {
    await cp(path.join(baseSettings.rootDir, "corpus"), path.join(root, "corpus"), { recursive: true });
    await cp(warmDataDir, path.join(root, "data"), { recursive: true });
    const settings = loadSettings({ LOG_LEVEL: "silent", HOST: "127.0.0.1", PORT: "0", RATE_LIMIT_PER_MINUTE: "1000000", EMBEDDINGS: baseSettings.EMBEDDINGS }, root);

    // 1. kpo add throughput (in-process build, as the CLI does).
    const service = new DocumentService(settings, (s) => ingest(s, embedder));
    const docs = [
      { name: "bench-policy.pdf", bytes: await pdfOf(11, 8) },
      { name: "bench-guide.docx", bytes: await docxOf(23, 8) },
      { name: "bench-page.html", bytes: Buffer.from(htmlOf(37, 8)) },
    ];
    const rows: string[][] = [];
    let chunks = 0;
    let seconds = 0;
    for (const doc of docs) {
      const t = performance.now();
      const report = await service.add(doc);
      const s = (performance.now() - t) / 1000;
      chunks += report.source.chunks;
      seconds += s;
      rows.push([doc.name, String(report.source.chunks), String(report.ingest.embedded), s.toFixed(2), (report.source.chunks / s).toFixed(1), `${Math.round(report.source.droppedShare * 100)}%`]);
    }
    rows.push(["all three", String(chunks), "", seconds.toFixed(2), (chunks / seconds).toFixed(1), ""]);
    console.log(`\nkpo add of new documents (${embedder.id}; corpus and warm vector cache copied; each add re-publishes the whole index)\n`);
    console.log(table(["document", "chunks", "texts embedded", "s", "chunks/s", "dropped"], rows, [false, true, true, true, true, true]));

    // 2. The reload gap under load.
    const live = createLiveAssistant(settings, { pollMs: 100 });
    await live.start();
    const app = createApp({ settings, logger: pino({ level: "silent" }), metrics: createMetrics({ defaultMetrics: false }), assistant: live.current });
    const running = await startServer({ app, settings, logger: pino({ level: "silent" }) });
    const questions = ["What is KPO?", "kpo vs bpo?", "What are the risks of KPO?", "What does BPO stand for?", "Why do companies outsource?", "What is offshoring?"];
    const samples: { at: number; ms: number; ok: boolean }[] = [];
    let stop = false;
    const client = async (i: number) => {
      for (let n = i; !stop; n++) {
        const t = performance.now();
        const res = await fetch(`${running.url}/v1/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: questions[n % questions.length] }) }).catch(() => undefined);
        if (res) await res.arrayBuffer();
        samples.push({ at: t, ms: performance.now() - t, ok: res?.status === 200 });
      }
    };
    const load = [0, 1, 2, 3].map(client);
    await new Promise((r) => setTimeout(r, 3000));
    const buildStart = performance.now();
    await writeFile(path.join(settings.CORPUS_DIR, "sources", "bench-extra.html"), htmlOf(51, 6));
    const first = live.current();
    await ingestInChildProcess(settings);
    const published = performance.now();
    while (live.current() === first) await new Promise((r) => setTimeout(r, 5));
    const swapped = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    stop = true;
    await Promise.all(load);
    await running.shutdown("bench");
    await live.close();

    const window = (from: number, to: number) => samples.filter((s) => s.at + s.ms >= from && s.at <= to).map((s) => s.ms);
    const before = window(0, buildStart);
    const building = window(buildStart, published);
    const swap = window(swapped - 500, swapped + 500);
    const f = (x: number) => x.toFixed(0);
    console.log(`\nReload gap: /v1/ask under 4 concurrent clients while a child process publishes a new index and the server swaps it in\n`);
    console.log(
      table(
        ["window", "requests", "p50 ms", "p99 ms", "max ms"],
        [
          ["before (steady state)", String(before.length), f(pct(before, 50)), f(pct(before, 99)), f(Math.max(...before))],
          [`during the child build (${((published - buildStart) / 1000).toFixed(1)} s)`, String(building.length), f(pct(building, 50)), f(pct(building, 99)), f(Math.max(...building))],
          [`swap ±0.5 s (picked up ${f(swapped - published)} ms after publish)`, String(swap.length), f(pct(swap, 50)), f(pct(swap, 99)), f(Math.max(...swap))],
        ],
        [false, true, true, true, true],
      ),
    );
    console.log(`failed requests: ${samples.filter((s) => !s.ok).length} of ${samples.length}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

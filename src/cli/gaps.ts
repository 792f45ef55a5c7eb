import type { Logger } from "pino";
import { createAssistant } from "../assistant.ts";
import type { Settings } from "../config/settings.ts";
import { embeddingProgressBar } from "./progress.ts";

/** `kpo gaps`: the coverage-gap report (same as GET /v1/gaps), from the question log and feedback. */
export async function gapsCommand(ctx: { settings: Settings; logger: Logger }, opts: { json?: boolean; top: number }): Promise<void> {
  const bar = embeddingProgressBar();
  const assistant = await createAssistant(ctx.settings, { logger: ctx.logger, onProgress: bar.onProgress }).finally(bar.stop);
  try {
    const report = await assistant.gaps();
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    const resolved = report.resolved.length ? ` (${report.resolved.length} resolved recently: by a curator in the web page's admin view, or answered after a corpus change)` : "";
    if (report.groups.length === 0) {
      process.stdout.write(`No open gaps: every logged question was answered, or its gap is resolved${resolved}.\n`);
      return;
    }
    process.stdout.write(`${report.questions} questions in ${report.groups.length} open groups (similarity ≥ ${report.similarity}), largest first${resolved}:\n\n`);
    report.groups.slice(0, opts.top).forEach((g, i) => {
      process.stdout.write(
        `${i + 1}. ${g.count}× (${g.notFound} not found, ${g.ratedDown} rated down), ${g.firstSeen.slice(0, 10)} – ${g.lastSeen.slice(0, 10)}\n` +
          g.examples.map((e) => `   “${e}”\n`).join("") +
          (g.relatedTerms.length ? `   related terms: ${g.relatedTerms.join(", ")}\n` : "") +
          "\n",
      );
    });
  } finally {
    await assistant.close();
  }
}

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
    if (report.groups.length === 0) {
      process.stdout.write("No gaps: no logged question was answered not_found or rated down.\n");
      return;
    }
    process.stdout.write(`${report.questions} questions in ${report.groups.length} groups (similarity ≥ ${report.similarity}), largest first:\n\n`);
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

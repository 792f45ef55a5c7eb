import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { Knowledge } from "../src/answer/deterministic/knowledge.ts";
import { createEmbedder } from "../src/embed/factory.ts";
import { loadIndex } from "../src/index/store.ts";
import { REPO_ROOT, testSettings } from "./support/assistant.ts";

describe("a curated claim is cited with all of the evidence it rests on", () => {
  let knowledge: Knowledge;
  beforeAll(async () => {
    const settings = testSettings();
    knowledge = new Knowledge((await loadIndex(inject("sharedDataDir"), createEmbedder(settings)))!);
  });

  it("quotes every character of each evidence span, whichever passages hold it, and nothing outside it", () => {
    const claims = knowledge.claims;
    expect(claims.length).toBeGreaterThan(100);
    let acrossPassages = 0;
    for (const claim of claims) {
      const cites = knowledge.evidenceOf(claim);
      for (const evidence of claim.claim!.evidence) {
        const pieces = cites
          .filter((c) => knowledge.chunksById.get(c.chunkId)!.path === evidence.path && c.span.start >= evidence.start && c.span.end <= evidence.end)
          .sort((a, b) => a.span.start - b.span.start);
        if (pieces.length > 1) acrossPassages++;
        const file = readFileSync(path.join(REPO_ROOT, evidence.path), "utf8");
        // Between pieces only the whitespace no passage holds may be left out.
        const quoted = pieces.map((p) => file.slice(p.span.start, p.span.end)).join("").replace(/\s+/g, "");
        expect(quoted, `${claim.id}: ${evidence.path} ${evidence.start}-${evidence.end}`).toBe(file.slice(evidence.start, evidence.end).replace(/\s+/g, ""));
      }
    }
    // Evidence that runs across two passages exists in this corpus: the check above covers the case that was cut short.
    expect(acrossPassages).toBeGreaterThan(0);
  });
});

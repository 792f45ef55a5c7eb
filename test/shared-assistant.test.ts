import { describe, expect, it } from "vitest";
import { sharedTestAssistant } from "./support/assistant.ts";

describe("the shared test assistant", () => {
  it("loads the index built by the global setup and answers from it", async () => {
    const assistant = await sharedTestAssistant();
    expect(assistant.status.manifest.counts.documents).toBe(5);
    const answer = await assistant.ask("What is KPO?");
    expect(answer.status).toBe("answered");
  });
});

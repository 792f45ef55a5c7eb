import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkCitations } from "../src/answer/citations.ts";
import { MARKER, numbersIn, splitSentences } from "../src/answer/llm/text.ts";
import type { Assistant } from "../src/assistant.ts";
import { answerSchema, type Answer } from "../src/schema/answer.ts";
import { findInstruction } from "../src/text/instructions.ts";
import { postJson, startTestApi, type TestApi } from "./support/api-harness.ts";
import { REPO_ROOT, sharedTestAssistant } from "./support/assistant.ts";
import { FAKE_MODES, groundedSentence, startFakeOpenAI, type FakeBehaviour, type FakeOpenAI } from "./support/fake-openai.ts";
import { readSse } from "./support/sse-client.ts";

/**
 * The whole assistant over real HTTP (JSON and SSE) in LLM mode, against a local
 * OpenAI-compatible server that fails in every way a model can: whatever the model does, every
 * response is a valid Answer, every sentence that reaches a user cites a passage that supports
 * it, every number in it is in what it cites, and no instruction is relayed.
 */

const LLM_TIMEOUT_MS = 1000;
const ENV = { LLM_TIMEOUT_MS: String(LLM_TIMEOUT_MS), LLM_MAX_RETRIES: "1" };

/** Ten questions the corpus answers (so the LLM is asked), each asked once as JSON and once over SSE. */
const QUESTIONS = [
  "What is KPO?",
  "What is the difference between KPO and BPO?",
  "Why do companies use knowledge process outsourcing?",
  "What services does KPO include?",
  "Who coined the term KPO?",
  "How big was the KPO market in India in 2006?",
  "What skills does KPO require?",
  "What does BPO focus on?",
  "Can smaller firms benefit from KPO?",
  "What is transformational business process outsourcing?",
];

let fake: FakeOpenAI;
let assistant: Assistant;
let api: TestApi;
/** The same app with the default budget (20 s), for what a short budget would blur: disconnects and stream order. */
let patient: TestApi;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  assistant = await sharedTestAssistant({ LLM_BASE_URL: fake.baseURL, ...ENV });
  api = await startTestApi({ assistant, env: { LLM_BASE_URL: fake.baseURL, ...ENV } });
  const patientEnv = { LLM_BASE_URL: fake.baseURL, LLM_TIMEOUT_MS: "20000", LLM_MAX_RETRIES: "1" };
  patient = await startTestApi({ assistant: await sharedTestAssistant(patientEnv), env: patientEnv });
  // Warm the query embeddings of the questions, so the short budget measures the model alone.
  await Promise.all(QUESTIONS.map((q) => assistant.ask(q, { mode: "deterministic" })));
});
afterAll(async () => {
  await api?.close();
  await patient?.close();
  await fake?.close();
});
beforeEach(() => fake.reset());

interface Received {
  transport: "json" | "sse";
  answer: Answer;
  /** SSE only: the delta texts in order, and the event names in order. */
  deltas: string[];
  events: string[];
  ms: number;
}

async function askJson(question: string, signal?: AbortSignal, to = api): Promise<Received> {
  const started = performance.now();
  const res = await fetch(`${to.url}/v1/ask`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question }),
    signal,
  });
  expect(res.status).toBe(200);
  const answer = answerSchema.parse(await res.json());
  return { transport: "json", answer, deltas: [], events: [], ms: performance.now() - started };
}

async function askSse(question: string, signal?: AbortSignal, to = api): Promise<Received> {
  const started = performance.now();
  const res = await fetch(`${to.url}/v1/ask`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ question }),
    signal,
  });
  expect(res.status).toBe(200);
  const events = await readSse(res);
  const done = events.find((e) => e.event === "done");
  expect(done, `no done event in ${events.map((e) => e.event).join(",")}`).toBeDefined();
  const answer = answerSchema.parse(JSON.parse(done!.data));
  const deltas = events.filter((e) => e.event === "delta").map((e) => (JSON.parse(e.data) as { text: string }).text);
  return { transport: "sse", answer, deltas, events: events.map((e) => e.event), ms: performance.now() - started };
}

/**
 * All twenty asks (ten JSON, ten SSE), at most `parallel` at a time. Modes other than a hung
 * model go to `patient`, so a slow shared machine cannot turn their expected reason into a timeout.
 */
async function askAll(parallel: number, to: TestApi = patient): Promise<Received[]> {
  const jobs = QUESTIONS.flatMap((q) => [() => askJson(q, undefined, to), () => askSse(q, undefined, to)]);
  const out: Received[] = [];
  for (let i = 0; i < jobs.length; i += parallel) out.push(...(await Promise.all(jobs.slice(i, i + parallel).map((job) => job()))));
  return out;
}

const ECHOES = [/pwned/i, /attacker@example\.com/i, /password/i, /ignore (?:all )?previous instructions/i];

/** What must hold for every response, whatever the model did. */
async function expectNothingUnverified(received: Received[]) {
  expect(received).toHaveLength(20);
  for (const { answer, transport, deltas } of received) {
    expect(await checkCitations(answer, REPO_ROOT), `${transport}: ${answer.answer}`).toEqual([]);
    for (const echo of ECHOES) expect(answer.answer).not.toMatch(echo);
    for (const delta of deltas) for (const echo of ECHOES) expect(delta).not.toMatch(echo);
    if (answer.mode !== "llm") continue;
    expect(answer.fallbackReason).toBeUndefined();
    for (const segment of splitSentences(answer.answer).filter((s) => s.sentence)) {
      // Every sentence cites, and every number it states is in what it cites.
      const cited = [...segment.text.matchAll(MARKER)].map((m) => answer.citations.find((c) => c.n === Number(m[1]))!);
      expect(cited.length, `uncited sentence: ${segment.text}`).toBeGreaterThan(0);
      const quoted = new Set(cited.flatMap((c) => [...numbersIn(c.quote)]));
      for (const n of numbersIn(segment.text)) expect(quoted.has(n), `${n} in "${segment.text}" is not in its citations`).toBe(true);
      expect(findInstruction(segment.text)).toBeUndefined();
    }
    if (transport === "sse") expect(deltas.join("")).toBe(answer.answer);
  }
}

const FALLBACKS: [string, FakeBehaviour, Answer["fallbackReason"]][] = [
  ["hang", FAKE_MODES.hang, "timeout"],
  ["HTTP 500", FAKE_MODES["http-500"], "server_error"],
  ["HTTP 429", FAKE_MODES["http-429"], "rate_limited"],
  ["garbage", FAKE_MODES.garbage, "malformed"],
  ["citation numbers it was never given", FAKE_MODES["foreign-citations"], "unverified"],
  ["a made-up number alone", FAKE_MODES["made-up-number"], "unverified"],
  ["an obeyed instruction alone", FAKE_MODES["obeyed-instruction"], "unverified"],
];

describe("a failing model: every one of 20 questions (10 JSON, 10 SSE) gets the deterministic answer with the reason", () => {
  it("down (nothing listens)", async () => {
    await fake.down();
    try {
      const received = await askAll(5);
      await expectNothingUnverified(received);
      for (const { answer } of received) expect([answer.mode, answer.fallbackReason]).toEqual(["deterministic", "network"]);
    } finally {
      await fake.up();
    }
  });

  it.each(FALLBACKS)("%s", async (_name, behaviour, reason) => {
    fake.respondWith(behaviour);
    const received = behaviour === FAKE_MODES.hang ? await askAll(20, api) : await askAll(5);
    await expectNothingUnverified(received);
    for (const { answer } of received) expect([answer.mode, answer.fallbackReason]).toEqual(["deterministic", reason]);
    // 429 and 500 are worth one retry (LLM_MAX_RETRIES=1); nothing else is.
    const retried = reason === "rate_limited" || reason === "server_error";
    expect(fake.requests).toHaveLength(retried ? 40 : 20);
  });
});

describe("a model mixing a good sentence with a bad one: the bad sentence never reaches a user, the good one does", () => {
  it.each([
    ["a made-up number", FAKE_MODES["made-up-number-mixed"], 1],
    ["an obeyed instruction", FAKE_MODES["obeyed-instruction-mixed"], 1],
    ["an echoed planted instruction", FAKE_MODES["planted-instruction-echo"], 1],
  ] as const)("%s", async (_name, behaviour, dropped) => {
    fake.respondWith(behaviour);
    const received = await askAll(5);
    await expectNothingUnverified(received);
    for (const { answer } of received) {
      expect(answer.mode).toBe("llm");
      expect(answer.citations).toHaveLength(1);
      expect(answer.diagnostics?.droppedSentences).toBe(dropped);
    }
    const metrics = await (await fetch(`${patient.url}/metrics`)).text();
    // Twenty answers, one dropped sentence each, on top of what earlier modes counted.
    expect(Number(/^kpo_llm_dropped_sentences_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(20);
  });

  it("sends the first verified sentence over SSE before the model has finished", async () => {
    // Two good sentences, streamed slowly: the first is complete long before the second.
    fake.respondWith({ contentFor: (r) => `${groundedSentence(r)} ${groundedSentence(r)}`, chunkSize: 8, chunkDelayMs: 15 });
    const res = await fetch(`${patient.url}/v1/ask`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ question: "What is KPO?" }),
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let finishedAtFirstDelta: number | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
      if (finishedAtFirstDelta === undefined && text.includes("event: delta")) finishedAtFirstDelta = fake.streamsFinished;
    }
    expect(finishedAtFirstDelta).toBe(0);
    expect(fake.streamsFinished).toBe(1);
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names).toEqual(["delta", "delta", "citations", "done"]);
  });
});

describe("cancellation", () => {
  it("20 clients that disconnect from a hung model abort their 20 upstream requests within 1 s", async () => {
    fake.respondWith(FAKE_MODES.hang);
    const clients = QUESTIONS.flatMap((q) => [askJson, askSse].map((ask) => ({ controller: new AbortController(), q, ask })));
    const pending = clients.map(({ controller, q, ask }) => ask(q, controller.signal, patient).then(
      () => "answered",
      (error: Error) => error.name,
    ));
    // Wait until the model holds all twenty requests, then every client leaves at once.
    for (let i = 0; i < 200 && fake.requests.length < 20; i++) await new Promise((r) => setTimeout(r, 25));
    expect(fake.requests).toHaveLength(20);
    const left = Date.now();
    for (const { controller } of clients) controller.abort();
    expect(await Promise.all(pending)).toEqual(clients.map(() => "AbortError"));
    for (let i = 0; i < 100 && fake.aborts.length < 20; i++) await new Promise((r) => setTimeout(r, 20));

    expect(fake.aborts).toHaveLength(20);
    expect(new Set(fake.aborts.map((a) => a.request)).size).toBe(20);
    const worst = Math.max(...fake.aborts.map((a) => a.at - left));
    console.log(`20 disconnects: upstream aborts seen ${Math.min(...fake.aborts.map((a) => a.at - left))}-${worst} ms after the clients left`);
    expect(worst).toBeLessThan(1000);
    // Nothing was retried for clients that left.
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.requests).toHaveLength(20);
  });

  it("20 clients that stay get the deterministic answer within LLM_TIMEOUT_MS + 500 ms", { timeout: 90_000 }, async () => {
    fake.respondWith(FAKE_MODES.hang);
    // One at a time: twenty at once on two shared cores would measure the CPU queue before
    // retrieval, not the LLM budget (which counts from when the question reached the assistant).
    const received = await askAll(1, api);
    await expectNothingUnverified(received);
    for (const { answer } of received) expect(answer.fallbackReason).toBe("timeout");
    const worst = Math.max(...received.map((r) => r.ms));
    console.log(`hung model, LLM_TIMEOUT_MS=${LLM_TIMEOUT_MS}: worst answer latency ${Math.round(worst)} ms over 20 questions`);
    expect(worst).toBeLessThanOrEqual(LLM_TIMEOUT_MS + 500);
    // The budget ended every upstream request too.
    expect(fake.aborts).toHaveLength(20);
  });
});

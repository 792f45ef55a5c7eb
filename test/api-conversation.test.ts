import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCitations } from "../src/answer/citations.ts";
import { shownIn } from "../src/answer/conversation/shown.ts";
import { answerResponseSchema, problemSchema, sseDeltaEventSchema } from "../src/api/schemas.ts";
import type { Assistant } from "../src/assistant-types.ts";
import { loadQuestions } from "../src/eval/questions.ts";
import { scoreAnswer } from "../src/eval/score.ts";
import type { Answer } from "../src/schema/answer.ts";
import { postJson, startTestApi, type TestApi } from "./support/api-harness.ts";
import { REPO_ROOT, testAssistant } from "./support/assistant.ts";
import { readSse } from "./support/sse-client.ts";

/**
 * Conversations over the HTTP API: POST /v1/ask with `history` (JSON and SSE), the real
 * assistant and index. The API keeps no state; every follow-up carries its earlier turns.
 */
let api: TestApi;
let uncached: TestApi;
let assistants: Assistant[] = [];

beforeAll(async () => {
  assistants = [await testAssistant(), await testAssistant({ ANSWER_CACHE_SIZE: "0" })];
  [api, uncached] = await Promise.all([startTestApi({ assistant: assistants[0]! }), startTestApi({ assistant: assistants[1]! })]);
});
afterAll(async () => {
  await api?.close();
  await uncached?.close();
  for (const a of assistants) await a.close();
});

type Turn = { question: string; answer?: string };

async function ask(base: TestApi, question: string, history?: Turn[]): Promise<{ answer: Answer; cache: string | null }> {
  const res = await postJson(`${base.url}/v1/ask`, { question, ...(history ? { history } : {}) });
  expect(res.status, await res.clone().text()).toBe(200);
  return { answer: answerResponseSchema.parse(await res.json()), cache: res.headers.get("x-answer-cache") };
}

/** Asks the turns in order, each with the earlier ones (and their answers) as history; returns the last answer. */
async function converse(base: TestApi, turns: string[]): Promise<{ answer: Answer; history: Turn[] }> {
  const history: Turn[] = [];
  let last: Answer | undefined;
  for (const question of turns) {
    last = (await ask(base, question, history.length ? [...history] : undefined)).answer;
    history.push({ question, answer: last.answer });
  }
  return { answer: last!, history: history.slice(0, -1) };
}

/** What a reader sees of an answer: everything but its id and timings. */
const content = ({ id: _id, timings: _timings, ...rest }: Answer) => rest;

describe("the eight dev conversations (eval/conversations.jsonl)", async () => {
  const conversations = await loadQuestions(path.join(REPO_ROOT, "eval/conversations.jsonl"));
  it.each(conversations.map((c) => [c.id, c] as const))("%s is answered about the earlier subject, with verifiable citations", async (_id, conversation) => {
    const { answer } = await converse(api, conversation.turns!);
    const verdict = scoreAnswer(conversation, { answer });
    expect(verdict.pass, `${verdict.reason}; resolved to ${answer.resolvedQuestion}`).toBe(true);
    expect(answer.question).toBe(conversation.question);
    expect(answer.resolvedQuestion).not.toBe(conversation.question);
    expect(await checkCitations(answer, REPO_ROOT)).toEqual([]);
  });
});

describe("resolution never changes a first question", () => {
  it.each(["What is KPO?", "What are the risks of KPO?", "and the downsides?", "tell me more", "what are its risks?"])(
    "%s: the same answer, byte for byte, with an empty history and without one",
    async (question) => {
      const without = (await ask(uncached, question)).answer;
      const empty = (await ask(uncached, question, [])).answer;
      expect(JSON.stringify(content(empty))).toBe(JSON.stringify(content(without)));
      expect(without.resolvedQuestion).toBe(question);
    },
  );
});

describe("follow-ups over the API", () => {
  it("streams a follow-up: the final Answer says which standalone question was answered", async () => {
    const history = [{ question: "What is offshoring?" }];
    const res = await fetch(`${api.url}/v1/ask`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ question: "what are the risks of it?", history }),
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readSse(res);
    expect(events.at(-1)!.event).toBe("done");
    const answer = answerResponseSchema.parse(JSON.parse(events.at(-1)!.data));
    expect(answer.resolvedQuestion).toBe("What are the risks of offshoring?");
    expect(answer.status).toBe("answered");
    const text = events.filter((e) => e.event === "delta").map((e) => sseDeltaEventSchema.parse(JSON.parse(e.data)).text).join("");
    expect(text).toBe(answer.answer);
    expect(answer.answer.toLowerCase()).toMatch(/offshore|offshoring/);
  });

  it("caches a follow-up under the question it resolved to, never under its bare words", async () => {
    const followUp = await ask(api, "and the downsides?", [{ question: "What are the benefits of offshoring?" }]);
    expect(followUp.answer.resolvedQuestion).toBe("What are the downsides of offshoring?");
    expect(followUp.cache).toBeNull();
    // The same words alone are another question (with nothing to point at, asked first, they are answered as typed).
    const bare = await ask(api, "and the downsides?");
    expect(bare.cache).toBeNull();
    expect(bare.answer.resolvedQuestion).toBe("and the downsides?");
    // The standalone question is the one the follow-up's answer is cached under.
    const standalone = await ask(api, "What are the downsides of offshoring?");
    expect(standalone.cache).toBe("hit");
    expect(content(standalone.answer)).toEqual({ ...content(followUp.answer), question: "What are the downsides of offshoring?" });
  });

  it("'tell me more' brings evidence the previous answer did not show", async () => {
    const first = (await ask(api, "What are the risks of KPO?")).answer;
    const more = (await ask(api, "tell me more", [{ question: "What are the risks of KPO?", answer: first.answer }])).answer;
    expect(more.resolvedQuestion).toBe("What are the risks of KPO?");
    const shownBefore = shownIn([first.answer]);
    if (more.status === "answered") {
      expect(more.citations.length).toBeGreaterThan(0);
      // No sentence of the new answer's text was in the previous one (a claim may still cite evidence shown before).
      const sentences = more.answer.split(/\n+|(?<=[.!?])\s+(?=\p{Lu})/u).map((s) => s.replace(/^\W*(?:\*\*[^*]+\*\*)?/, "").trim());
      for (const sentence of sentences.filter((s) => s.split(/\s+/).length >= 4)) expect(shownBefore(sentence), sentence).toBe(false);
    } else expect(more.answer).toMatch(/nothing more/i);
  });

  it("a follow-up pointing at nothing the conversation named asks for the subject instead of guessing", async () => {
    const { answer } = await ask(api, "what are its risks?", [{ question: "hello", answer: "I need a question to answer." }]);
    expect(answer.status).toBe("not_found");
    expect(answer.citations).toEqual([]);
    expect(answer.answer).toContain("“its”");
    expect(answer.answer).toMatch(/which term or topic do you mean/i);
  });
});

describe("history is validated like the question itself", () => {
  const turn = { question: "What is KPO?" };
  it.each([
    ["more than 10 turns", Array.from({ length: 11 }, () => turn), "/history"],
    ["an earlier question over 2000 characters", [{ question: "k".repeat(2001) }], "/history/0/question"],
    ["a blank earlier question", [{ question: "   " }], "/history/0/question"],
    ["an earlier answer over 8000 characters", [{ question: "What is KPO?", answer: "a".repeat(8001) }], "/history/0/answer"],
    ["a turn that is not an object", ["What is KPO?"], "/history/0"],
    ["an unknown field in a turn", [{ question: "What is KPO?", asked: "yesterday" }], "/history/0"],
    ["history that is not a list", { question: "What is KPO?" }, "/history"],
  ])("%s: 400 problem+json naming the field, for JSON and for SSE", async (_name, history, pointer) => {
    for (const accept of ["application/json", "text/event-stream"]) {
      const res = await postJson(`${api.url}/v1/ask`, { question: "and its risks?", history }, { accept });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      const problem = problemSchema.parse(await res.json());
      expect(problem.issues?.map((i) => i.pointer)).toContain(pointer);
    }
  });

  it("the OpenAPI document describes history and resolvedQuestion", async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { components: { schemas: Record<string, any> } };
    const request = doc.components.schemas.AskRequest;
    expect(request.properties.history).toMatchObject({ type: "array", maxItems: 10 });
    expect(request.properties.history.description).toMatch(/oldest first/);
    expect(doc.components.schemas.ConversationTurn.properties.question).toMatchObject({ maxLength: 2000 });
    expect(doc.components.schemas.Answer.properties.resolvedQuestion.description).toMatch(/standalone question/);
  });
});

describe("a streamed answer ends its stream", () => {
  it("an assistant closes at once after answering over SSE (nothing is left in flight)", async () => {
    const assistant = await testAssistant();
    const served = await startTestApi({ assistant });
    try {
      const res = await fetch(`${served.url}/v1/ask`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ question: "What is KPO?" }),
      });
      expect((await readSse(res)).at(-1)!.event).toBe("done");
    } finally {
      await served.close();
    }
    // close() waits for calls in flight; a stream left suspended at its "done" would keep it waiting for ever.
    const closed = await Promise.race([assistant.close().then(() => "closed"), new Promise((r) => setTimeout(r, 20_000, "still waiting"))]);
    expect(closed).toBe("closed");
  });
});

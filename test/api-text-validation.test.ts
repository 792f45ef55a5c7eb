import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { problemSchema, textFault, wellFormedText } from "../src/api/schemas.ts";
import { firstInvalidUtf8 } from "../src/api/utf8-body.ts";
import { startTestApi, type TestApi } from "./support/api-harness.ts";
import { fakeAssistant } from "./support/fake-assistant.ts";
import { testSettings } from "./support/assistant.ts";

let api: TestApi;
const asked: string[] = [];

beforeAll(async () => {
  const settings = testSettings();
  api = await startTestApi({
    assistant: fakeAssistant(settings, {
      ask: async (question) => {
        asked.push(question);
        return { id: "a", question, status: "not_found", answer: "The corpus does not say.", citations: [], mode: "deterministic", related: [], timings: { retrieveMs: 0, composeMs: 0, totalMs: 0 } };
      },
    }),
  });
});
afterAll(async () => {
  await api?.close();
});

const postRaw = (body: Buffer | string) => fetch(`${api.url}/v1/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : new Uint8Array(body) });

async function expectFieldRejected(res: Response, field: string, reason: RegExp) {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const problem = problemSchema.parse(await res.json());
  expect(problem.detail).toMatch(new RegExp(`body field "${field}"`));
  expect(problem.detail).toMatch(reason);
  expect(problem.issues?.[0]?.path).toEqual(field.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)));
}

describe("questions with text that is not text are refused with 400 naming the field", () => {
  it("invalid UTF-8 bytes in the JSON body (seen before JSON.parse turns them into U+FFFD)", async () => {
    const before = asked.length;
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xc0, 0xaf]]) {
      const body = Buffer.concat([Buffer.from('{"question":"What is '), Buffer.from(bad), Buffer.from(' KPO?"}')]);
      await expectFieldRejected(await postRaw(body), "question", /is not valid UTF-8 \(byte 21 of the body\)/);
    }
    // Outside any string: the body as a whole.
    const res = await postRaw(Buffer.concat([Buffer.from('{"question":"What is KPO?"'), Buffer.from([0xff]), Buffer.from("}")]));
    expect(res.status).toBe(400);
    expect(problemSchema.parse(await res.json()).detail).toMatch(/^the request body is not valid UTF-8/);
    expect(asked.length).toBe(before);
  });

  it("a lone surrogate, a NUL and other control characters", async () => {
    await expectFieldRejected(await postRaw('{"question":"What is \\ud800 KPO?"}'), "question", /lone surrogate \(U\+D800 at character 9\)/);
    await expectFieldRejected(await postRaw('{"question":"What is KPO? \\udc00"}'), "question", /lone surrogate \(U\+DC00/);
    for (const [escape, code] of [["\\u0000", "U+0000"], ["\\u001b[31m", "U+001B"], ["\\u007f", "U+007F"], ["\\u0085", "U+0085"], ["\\r", "U+000D"]]) {
      await expectFieldRejected(await postRaw(`{"question":"What is${escape} KPO?"}`), "question", new RegExp(`control character ${code.replace("+", "\\+")} at character 8; only tab and newline`));
    }
  });

  it("the same rule on the search text", async () => {
    const res = await fetch(`${api.url}/v1/search?q=${encodeURIComponent("KPO\u0000")}`);
    expect(res.status).toBe(400);
    expect(problemSchema.parse(await res.json()).detail).toMatch(/query field "q".*control character U\+0000/);
  });

  it("accepts tab, newline, CRLF, emoji, other scripts and a U+FFFD that was sent as such", async () => {
    for (const question of ["What is\tKPO?", "What is\nKPO?", "What is\r\nKPO?", "What is KPO 🤔?", "KPO とは何ですか", "What does \uFFFD mean?"]) {
      const res = await postRaw(JSON.stringify({ question }));
      expect(res.status, JSON.stringify(question)).toBe(200);
      expect(asked.at(-1)).toBe(question);
    }
  });
});

describe("the reusable pieces", () => {
  it("wellFormedText refines any field, nested ones included (e.g. a history turn)", () => {
    const schema = z.object({ history: z.array(z.object({ question: z.string().superRefine(wellFormedText) })) });
    const result = schema.safeParse({ history: [{ question: "ok" }, { question: "bad\u0000" }] });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ path: ["history", 1, "question"], message: expect.stringMatching(/control character U\+0000/) });
    expect(textFault("fine\ttext\n")).toBeUndefined();
  });

  it("firstInvalidUtf8 finds the first byte of a broken sequence, or -1", () => {
    expect(firstInvalidUtf8(Buffer.from("héllo 文档 🤔"))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe6, 0x96]))).toBe(1); // truncated at the end
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x80]))).toBe(1); // a stray continuation byte
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // past U+10FFFF
  });
});

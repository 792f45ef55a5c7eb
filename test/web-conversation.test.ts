/// <reference lib="dom" />
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../src/assistant-types.ts";
import { startTestApi, type TestApi } from "./support/api-harness.ts";
import { sharedTestAssistant } from "./support/assistant.ts";
import { launchChromium, type TestBrowser } from "./support/browser.ts";

/**
 * A conversation on the web page, in a real headless Chromium against the real app and index:
 * follow-ups are sent with the earlier turns, the page says what a follow-up was resolved to,
 * back and forward restore turns, "New conversation" starts over, and the conversation's link
 * reproduces it.
 */
let chromium: TestBrowser;
let api: TestApi;
let assistant: Assistant;

beforeAll(async () => {
  assistant = await sharedTestAssistant();
  [chromium, api] = await Promise.all([launchChromium(), startTestApi({ assistant })]);
});
afterAll(async () => {
  await chromium?.close();
  await api?.close();
});

interface Watched {
  page: Page;
  /** The /v1/ask requests the page made, in order. */
  asks: Request[];
  errors: string[];
}

async function openPage(address = "/"): Promise<Watched> {
  const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const watched: Watched = { page, asks: [], errors: [] };
  page.on("request", (r) => {
    if (r.url().endsWith("/v1/ask")) watched.asks.push(r);
  });
  page.on("pageerror", (error) => watched.errors.push(error.message));
  await page.goto(`${api.url}${address}`);
  return watched;
}

const cards = (page: Page) => page.locator(".conversation-turn:not([hidden]) .answer-card");
const doneCard = (page: Page, turn: number) => page.locator(`.conversation-turn:nth-child(${turn}) .answer-card[data-state="done"]`);
const body = (r: Request) => JSON.parse(r.postData()!) as { question: string; history?: { question: string; answer?: string }[] };

async function ask({ page }: Watched, question: string): Promise<void> {
  const turn = (await page.locator(".conversation-turn:not([hidden])").count()) + 1;
  await page.getByTestId("question").fill(question);
  await page.getByTestId("question").press("Enter");
  await doneCard(page, turn).waitFor();
}

describe("web page: a conversation", () => {
  it("keeps earlier turns, sends them with a follow-up and shows what the follow-up was resolved to", async () => {
    const watched = await openPage();
    const { page } = watched;
    await ask(watched, "What is offshoring?");
    await ask(watched, "what are the risks of it?");
    expect(await cards(page).count()).toBe(2);
    expect(body(watched.asks[0]!)).toEqual({ question: "What is offshoring?" });
    const followUp = body(watched.asks[1]!);
    expect(followUp.question).toBe("what are the risks of it?");
    expect(followUp.history).toHaveLength(1);
    expect(followUp.history![0]!.question).toBe("What is offshoring?");
    expect(followUp.history![0]!.answer).toMatch(/offshor/i);
    const second = cards(page).nth(1);
    expect(await second.getByTestId("resolved-question").textContent()).toBe("Answering: What are the risks of offshoring?");
    expect(await cards(page).nth(0).getByTestId("resolved-question").count()).toBe(0);
    expect(await second.locator(".asked-text").textContent()).toBe("what are the risks of it?");
    expect(new URL(page.url()).hash).toBe(`#/?${new URLSearchParams([["q", "What is offshoring?"], ["q", "what are the risks of it?"]])}`);
    expect(watched.errors).toEqual([]);
  });

  it("back and forward show fewer and more turns without asking again; New conversation starts over", async () => {
    const watched = await openPage();
    const { page } = watched;
    await ask(watched, "What are the benefits of KPO?");
    await ask(watched, "and the downsides?");
    await page.goBack();
    await expect.poll(() => cards(page).count()).toBe(1);
    await page.goBack();
    await expect.poll(() => cards(page).count()).toBe(0);
    await page.goForward();
    await page.goForward();
    await expect.poll(() => cards(page).count()).toBe(2);
    expect(await cards(page).nth(1).getByTestId("resolved-question").textContent()).toBe("Answering: What are the downsides of KPO?");
    expect(watched.asks).toHaveLength(2);

    // Going back and asking something else starts a new branch from there.
    await page.goBack();
    await expect.poll(() => cards(page).count()).toBe(1);
    await ask(watched, "and in the Philippines?");
    expect(await cards(page).count()).toBe(2);
    expect(await cards(page).nth(1).getByTestId("resolved-question").textContent()).toBe("Answering: What are the benefits of KPO in the Philippines?");

    await page.getByTestId("new-conversation").click();
    await expect.poll(() => cards(page).count()).toBe(0);
    expect(new URL(page.url()).hash).toBe("#/");
    await ask(watched, "and the downsides?");
    expect(body(watched.asks.at(-1)!).history).toBeUndefined();
    expect(await cards(page).first().getByTestId("resolved-question").count()).toBe(0);
    expect(watched.errors).toEqual([]);
  });

  it("the conversation's link reproduces it in another tab", async () => {
    const first = await openPage();
    await ask(first, "What is NASSCOM?");
    await ask(first, "what did it estimate the Indian KPO market at?");
    const link = await first.page.getByTestId("conversation-link").getAttribute("href");
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#\/\?q=/);

    const second = await openPage(new URL(link!).pathname + new URL(link!).hash);
    await doneCard(second.page, 2).waitFor();
    expect(await cards(second.page).count()).toBe(2);
    expect(second.asks).toHaveLength(2);
    expect(body(second.asks[1]!).history?.[0]?.question).toBe("What is NASSCOM?");
    expect(await cards(second.page).nth(1).getByTestId("resolved-question").textContent()).toBe("Answering: What did NASSCOM estimate the Indian KPO market at?");
    expect(await cards(second.page).nth(1).getByTestId("answer").textContent()).toContain("$1.5 billion");
    // Reproducing it added no history entries of its own: back leaves the page.
    expect(await second.page.evaluate(() => history.length)).toBe(2);
    expect(second.errors).toEqual([]);
  });
});

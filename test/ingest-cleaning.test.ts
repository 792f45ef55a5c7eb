import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cleanDocument, type Block } from "../src/ingest/clean.ts";
import { WIKIPEDIA_RISKS } from "./support/corpus-facts.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const SOURCES = path.join(ROOT, "corpus/sources");

const FILES = {
  "000": "000_07027fcb20a76bf4.txt",
  "001": "001_d7f5a77dcf703fb7.txt",
  "002": "002_1a42ee74994f4284.txt",
  "003": "003_9a5fc89310b847aa.txt",
  "004": "004_621600268699f1e9.txt",
} as const;
type FileKey = keyof typeof FILES;

const raw = (key: FileKey) => readFileSync(path.join(SOURCES, FILES[key]), "utf8");
/** The captures contain non-breaking spaces; phrases are compared with white space collapsed. */
const flat = (s: string) => s.replace(/\s+/g, " ");

function kept(key: FileKey, includeComments = false): Block[] {
  return cleanDocument(raw(key), { includeComments }).blocks;
}

/** Boilerplate must not appear in any kept block, whole or as part of a block. */
function expectGone(blocks: Block[], phrases: string[]) {
  for (const phrase of phrases) {
    const offenders = blocks.filter((b) => flat(b.text).includes(phrase)).map((b) => b.text);
    expect(offenders, `"${phrase}" should have been dropped`).toEqual([]);
  }
}

/** A list/menu entry must not survive as a block of its own. */
function expectNoBlockEqual(blocks: Block[], lines: string[]) {
  for (const line of lines) expect(blocks.map((b) => b.text), `"${line}" should have been dropped`).not.toContain(line);
}

/** Each article sentence is kept verbatim inside one block. */
function expectKept(blocks: Block[], sentences: string[]) {
  for (const sentence of sentences) {
    expect(blocks.some((b) => flat(b.text).includes(sentence)), `"${sentence}" should be kept`).toBe(true);
  }
}

describe("cleanDocument on the real corpus", () => {
  it("keeps every block as an exact slice of the raw file", () => {
    for (const key of Object.keys(FILES) as FileKey[]) {
      const text = raw(key);
      for (const includeComments of [false, true]) {
        for (const b of cleanDocument(text, { includeComments }).blocks) expect(text.slice(b.start, b.end)).toBe(b.text);
      }
    }
  });

  it("drops the Investopedia navigation menu, related-terms teasers and footer of 000", () => {
    const blocks = kept("000");
    expectNoBlockEqual(blocks, [
      "Roth IRA",
      "Tesla (TSLA)",
      "Education",
      "Simulator",
      "Best Online Brokers",
      "Business Essentials",
      "Related Terms",
      "Peer-to-Peer (P2P) Economy Definition",
      "Self-Employment",
      "Backward Integration",
      "Related Articles",
      "Outsourcing vs. Subcontracting: What's the difference?",
      "Privacy Policy",
      "more",
      "Z",
    ]);
    expectGone(blocks, [
      "https://www.investopedia.com",
      "A peer-to-peer economy is a decentralized model",
      "Revenue per employee is an important ratio",
      "Backward integration is a type of vertical integration",
      "The offers that appear in this table are from partnerships",
      "Advertiser Disclosure",
      "Take the Next Step to Invest",
      "Investopedia is part of the Dotdash publishing family.",
    ]);
  });

  it("keeps the article text of 000", () => {
    expectKept(kept("000"), [
      "Knowledge process outsourcing (KPO) is the outsourcing of core, information-related business activities.",
      "Although KPO is a subset of BPO, KPO involves far more specialized, analytical, and knowledge-based work.",
      "Financial consultantsResearch and development (R&D)",
      "Privacy of intellectual property and business security can be compromised",
      "Another disadvantage might be that existing employees might feel threatened",
    ]);
    expect(kept("000")[0]).toMatchObject({ kind: "heading", level: 1, text: "What Is Knowledge Process Outsourcing (KPO)?" });
  });

  it("drops the byline and post metadata of 001 and keeps its article text", () => {
    const blocks = kept("001");
    expectGone(blocks, ["Posted in BPO, KPO, Outsourcing on", "By The National Outsourcing Association (NOA) in Industry"]);
    expectKept(blocks, [
      "Outsourcing really is an ever changing market, from HR to admin to call centres there is nothing that can’t be outsourced.",
      "A less common definition of KPO is transformational business process outsourcing.",
      "Now all companies need to go and do is to practice it!",
    ]);
  });

  it("drops the ad disclosure, money and promise boxes, editorial standards and newsletter prompts of 002", () => {
    const blocks = kept("002");
    expectGone(blocks, [
      "We are independent & ad-supported",
      "Our website is an independent, advertising-supported platform.",
      "How We Make Money",
      "We sustain our operations through affiliate commissions",
      "Our promise to you",
      "Our Promise to you",
      "Founded in 2002, our company has been a trusted resource",
      "Over the years, we've refined our approach",
      "Editorial Standards",
      "At SmartCapitalMind, we are committed to creating content that you can trust.",
      "Our team of experienced writers and editors follows a strict set of guidelines",
      "We believe in transparency and maintain editorial independence",
      "SmartCapitalMind is dedicated to providing accurate and trustworthy information.",
      "By A. B. Kelsey",
      "Updated May 16, 2024",
      "in your inbox",
      "delivered daily",
    ]);
  });

  it("keeps the article text of 002", () => {
    expectKept(kept("002"), [
      "KPO, an acronym for knowledge processing outsourcing, is the outsourcing of information-related, knowledge-related, or judgment-related business services",
      "India currently provides most of the KPO services, but the number of KPO firms in the Philippines is steadily growing.",
      "KPO could be considered a high-end activity of the business process outsourcing (BPO) industry.",
      "There is expected growth in the areas of basic data entry, data processing, bookkeeping, and technical support.",
    ]);
  });

  it("drops the See also and Sources lists of 003 and keeps its article text and list items", () => {
    const blocks = kept("003");
    expectNoBlockEqual(blocks, ["See also", "Sources", "Outsourcing", "Legal outsourcing", "Recruitment"]);
    expectGone(blocks, ["Basu, Sudip Ranjan", "Global Outsourcing and Offshoring", "Varadarajan, Latha"]);
    expectKept(blocks, [
      "KPO is a continuation of business process outsourcing, yet with rather more of business complexity.",
      "KPO services include all kinds of research and information gathering, e.g., intellectual property research for patent applications",
      "The main difference between a KPO firm and a BPO firm is that in a KPO firm, the customer is included amid the whole execution process.",
      "In 2014, the KPO sector comprised 40 percent of the country's outsourcing industry.",
    ]);
    const risks = WIKIPEDIA_RISKS;
    const listItems = blocks.filter((b) => b.kind === "list").map((b) => b.text);
    for (const item of risks) expect(listItems).toContain(item);
    expect(blocks.filter((b) => b.kind === "heading").map((b) => b.text)).toEqual(
      expect.arrayContaining(["Knowledge process outsourcing", "Types", "Risks and benefits", "Benefits", "Risks", "In the Philippines"]),
    );
  });

  it("drops the disclosure, share buttons, view count, byline and author bio of 004", () => {
    const blocks = kept("004");
    expectNoBlockEqual(blocks, ["Share", "Learn more", "Copy this link", "Mary McMahon", "By", "Business", "Editors' Picks"]);
    expectGone(blocks, [
      "We are independent & ad-supported",
      "Advertiser Disclosure",
      "How We Make Money",
      "Our Promise to you",
      "Founded in 2002, our company has been a trusted resource",
      "Views: 5,104",
      "Updated: May 17, 2024",
      "Ever since she began contributing",
      "Goddard College",
      "WiseGeek is dedicated to providing accurate and trustworthy information.",
      "https://www.wisegeek.net",
      "in your inbox",
      "delivered daily",
    ]);
  });

  it("keeps the article text of 004", () => {
    expectKept(kept("004"), [
      "The key difference between BPO and KPO is that one focuses on completion of tasks, while the other involves the analysis and collection of data.",
      "While outsourcing is commonly associated with moving business functions overseas, it is possible to use a domestic firm.",
      "KPO firms can offer research, data analysis, and other skills that require expertise and familiarity with complex systems.",
      "The best option depends on the company and the market conditions.",
    ]);
    expect(kept("004")[0]).toMatchObject({ kind: "heading", text: "What Is the Difference between BPO and KPO?" });
  });

  it("excludes the reader comments of 002 by default", () => {
    const blocks = kept("002");
    expectGone(blocks, [
      "By sweetPeas",
      "@BoniJ - Maybe it would be difficult",
      "I think most of the jobs belong in the U.S.",
      "Basically KPO is a small organization",
    ]);
    expect(blocks.some((b) => b.kind === "comment")).toBe(false);
  });

  it("includes the reader comments of 002 with includeComments, tagged as comments, without their headers", () => {
    const blocks = kept("002", true);
    const comments = blocks.filter((b) => b.kind === "comment");
    for (const phrase of ["@BoniJ - Maybe it would be difficult", "I think most of the jobs belong in the U.S.", "Basically KPO is a small organization"]) {
      const holder = blocks.find((b) => flat(b.text).includes(phrase));
      expect(holder?.kind, phrase).toBe("comment");
    }
    expectGone(blocks, ["By sweetPeas", "By BoniJ", "Jun 21, 2011", "in your inbox", "delivered daily"]);
    // Article blocks are the same with or without comments.
    expect(blocks.filter((b) => b.kind !== "comment")).toEqual(kept("002"));
    expect(comments.length).toBeGreaterThanOrEqual(5);
  });

  it("never tags anything as a comment in documents without a comments section", () => {
    for (const key of ["000", "001", "003", "004"] as const) {
      expect(kept(key, true)).toEqual(kept(key, false));
    }
  });
});

describe("cleanDocument on a synthetic page (rules are structural, not site-specific)", () => {
  const P1 =
    "Offshore research teams give companies access to analysts who can study markets, patents and competitors without the cost of a large in-house department. The client sends clear questions, and the team returns structured findings that managers can act on within days.";
  const P2 =
    "Handing over analytical work carries risks as well. Confidential data leaves the building, the provider's staff may change often, and differences of language and time zone can slow down the questions and answers that good research depends on.";
  const TITLE = "Why Companies Send Research Work to Offshore Teams";
  const SUBHEADING = "What can go wrong";
  const page = [
    "Home",
    "Topics",
    "Markets",
    "Careers",
    "Tools",
    "About",
    TITLE,
    "By Jane Doe",
    "Jane Doe writes about business services and previously worked as an analyst in Manila.",
    "Published March 3, 2023",
    "Share",
    P1,
    "Get our best stories in your inbox: subscribe to our weekly newsletter.",
    SUBHEADING,
    P2,
    "Related Articles",
    "What Is Business Process Outsourcing?",
    "A short guide to handing routine back-office work to an outside provider.",
    "Offshoring vs. Outsourcing",
    "How the two differ, with examples from manufacturing and services.",
    "Comments",
    "By reader42 — On Mar 4, 2023",
    "Great article, I learned a lot about research teams and will share it with my manager today.",
    "Sign up",
  ].join("\n");

  it("keeps only the two article paragraphs and the page's headings", () => {
    const { blocks } = cleanDocument(page);
    expect(blocks.filter((b) => b.kind !== "heading").map((b) => b.text)).toEqual([P1, P2]);
    for (const h of blocks.filter((b) => b.kind === "heading")) expect([TITLE, SUBHEADING]).toContain(h.text);
    for (const b of blocks) expect(page.slice(b.start, b.end)).toBe(b.text);
  });

  it("accounts for every dropped line with a reason", () => {
    const { blocks, dropped } = cleanDocument(page);
    const droppedText = dropped.map((d) => page.slice(d.start, d.end));
    for (const line of ["Home", "About", "By Jane Doe", "Share", "Related Articles", "Offshoring vs. Outsourcing", "Comments", "Sign up"]) {
      expect(droppedText).toContain(line);
    }
    const bio = dropped.find((d) => page.slice(d.start, d.end).startsWith("Jane Doe writes"));
    expect(bio?.reason).toBe("author-bio");
    const newsletter = dropped.find((d) => page.slice(d.start, d.end).includes("newsletter"));
    expect(newsletter?.reason).toBe("site-boilerplate");
    // Every non-empty line is either kept or dropped, never both.
    const lines = page.split("\n").length;
    expect(blocks.length + dropped.length).toBe(lines);
  });

  it("keeps the reader comment of the synthetic page only when comments are included", () => {
    const comment = "Great article, I learned a lot about research teams and will share it with my manager today.";
    expect(cleanDocument(page).blocks.map((b) => b.text)).not.toContain(comment);
    const withComments = cleanDocument(page, { includeComments: true }).blocks;
    expect(withComments.find((b) => b.text === comment)?.kind).toBe("comment");
    expect(withComments.map((b) => b.text)).not.toContain("Sign up");
  });
});

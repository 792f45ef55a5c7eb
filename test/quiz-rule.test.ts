import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadGlossary } from "../src/corpus/glossary.ts";
import { buildQuiz, isAcronym, MASK, maskDefinition, namesOf, termWords } from "../src/quiz/quiz.ts";
import { REPO_ROOT } from "./support/assistant.ts";

/**
 * The quiz rule over every glossary term of the real corpus (corpus/glossary/*.md): the
 * prompt gives nothing away and no choice is named in it. Checked here with plain string
 * comparisons, independent of the masking patterns.
 */
const corpus = path.join(REPO_ROOT, "corpus");
const entries = await loadGlossary(corpus, REPO_ROOT, new Set(await readdir(path.join(corpus, "sources"))));

/** Lower case, dashes and punctuation as spaces, one space between words, padded for whole-word search. */
const plain = (text: string) => ` ${text.toLowerCase().replace(/[^\p{L}\p{N}&]+/gu, " ").trim()} `;

describe("the quiz rule over every glossary term", () => {
  it("reads the whole glossary", () => {
    expect(entries.length).toBeGreaterThanOrEqual(40);
  });

  it.each(entries.map((e) => [e.term, e] as const))("%s: the prompt names neither the answer nor a choice", (_term, entry) => {
    // Several draws: the choices vary, the rule must hold for each.
    for (let draw = 0; draw < 5; draw++) {
      let seed = draw + 1;
      const question = buildQuiz(entries, { answer: entry.slug, random: () => ((seed = (seed * 16807) % 2147483647) / 2147483647) })!;
      expect(question, "a question can be built").toBeDefined();
      const { prompt, options } = question;
      expect(prompt).toBe(maskDefinition(entry));
      expect(prompt).toContain(MASK);
      expect(prompt, "runs of masks are one mask").not.toMatch(/░░░[\s\-–—]*\(?\s*░░░/);
      const text = plain(prompt);
      const tokens = prompt.split(/[^\p{L}\p{N}&]+/u).filter(Boolean);
      for (const name of namesOf(entry)) {
        if (isAcronym(name)) expect(tokens, `acronym ${name}`).not.toContain(name);
        else expect(text, `name "${name}"`).not.toContain(plain(name));
      }
      // A word derived from a word of the term starts like it ("offshore" for Offshoring).
      for (const word of termWords(entry)) {
        const stemLike = word.toLowerCase().slice(0, Math.min(5, word.length));
        const giveaway = tokens.find((t) => (isAcronym(word) ? t === word || t === `${word}s` : t.toLowerCase().startsWith(stemLike)));
        expect(giveaway, `a word derived from "${word}"`).toBeUndefined();
      }
      expect(new Set(options.map((o) => o.slug)).size).toBe(4);
      expect(options.map((o) => o.slug)).toContain(entry.slug);
      for (const option of options.filter((o) => o.slug !== entry.slug)) {
        for (const name of [option.term, ...option.aliases]) {
          if (isAcronym(name)) expect(tokens, `choice ${option.term} (${name})`).not.toContain(name);
          else expect(text, `choice ${option.term} ("${name}")`).not.toContain(plain(name));
        }
      }
      // Still a question worth reading: most of the definition stays.
      expect(tokens.length, "words left to read").toBeGreaterThanOrEqual(12);
    }
  });
});

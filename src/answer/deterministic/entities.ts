import { createRequire } from "node:module";
import type compromise from "compromise";
import type { AnswerType } from "./asks.ts";

// The single-file build: see question.ts.
const nlp = createRequire(import.meta.url)("compromise") as typeof compromise;

interface Span {
  start: number;
  end: number;
}

const NUMBER_WORD = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|hundred|thousand|million|billion|half|quarter|third";
const TIME_UNIT = "(?:working |business |calendar )?(?:minutes?|hours?|days?|weeks?|months?|quarters?|years?)";

/** Shapes of numbers, dates and amounts, as regular expressions over the text (general notation, not corpus wordings). */
const SHAPES: Partial<Record<AnswerType, RegExp>> = {
  date: new RegExp(
    String.raw`(?<![\d.,])(?:1[89]\d\d|20\d\d)(?![\d])|\b\d{1,2}:\d\d\b|\b\d{1,2}\s?(?:am|pm)\b|\b(?:january|february|march|april|may|june|july|august|september|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\bQ[1-4]\b`,
    "gi",
  ),
  amount: /[$€£₹¥]\s?\d[\d.,]*(?:\s?(?:bn|billion|million|m|k))?|\b\d[\d.,]*\s?(?:dollars|euros?|pounds|rupees|usd|eur|gbp|inr|pesos)\b|\b\d[\d.,]*\s?(?:bn|billion|million)\b/gi,
  number: new RegExp(String.raw`\b\d[\d.,]*%?|\b(?:${NUMBER_WORD})\b|\bper ?cent\b`, "gi"),
  // "15 working days", "30 calendar days": a qualifier may stand between the count and its unit.
  duration: new RegExp(String.raw`\b(?:\d+|${NUMBER_WORD})(?:\s?-\s?|\s)(?:(?:business|working|calendar|full|school)\s)?${TIME_UNIT}\b`, "gi"),
};

const RELATIVE_TIME = /\b\d{1,2}(?:st|nd|rd|th)\b|\b(?:within|by|before|after|no later than|at least|until)\s+(?:the\s+)?(?:\d+|end|start|first|last|next)\b/gi;

/** Capitalised pairs that are names of things, not people: a following word that names an organisation or document. */
const NOT_A_PERSON = /^(?:The|A|An|In|On|At|For|By|Of|And|Or|To|If|When|Where|While|With|From|This|That|These|Those|Our|Your|Its|Their|Every|Each|All|Any|Some)\b/;
const ORGANISATION_WORD = /\b(?:Ltd|Inc|Association|Act|Office|Department|Committee|Circle|Register|Standard|Policy|Procedure|Guide|Services?|Outsourcing|Research|Knowledge|Process|Business|Technology|Industry|Revolution|Review|Officer|Manager|Coordinator|Head|Chief|Director|Team|Desk)\b/;

/** Character spans of the facts of one kind a text states: names of people, places, dates and times, amounts, counts, durations. */
export function factSpans(text: string, type: AnswerType): Span[] {
  if (type === "person" || type === "place") {
    const doc = nlp(text);
    const tag = type === "person" ? "#Person+" : "(#Place|#Country|#City)+";
    const spans = offsetsOf(text, doc.match(tag).out("array") as string[]);
    if (type === "person") {
      // compromise misses many names ("Ashish Gupta"): two or three capitalised words in a row that are not a
      // determiner-led phrase and hold no word that names an organisation, role or document.
      for (const m of text.matchAll(/\p{Lu}\p{Ll}+(?:[-’']\p{Lu}?\p{Ll}+)?(?:\s\p{Lu}\p{Ll}+(?:[-’']\p{Lu}?\p{Ll}+)?){1,2}/gu)) {
        if (!NOT_A_PERSON.test(m[0]) && !ORGANISATION_WORD.test(m[0]) && !doc.match(m[0]).has("#Place")) spans.push({ start: m.index, end: m.index + m[0].length });
      }
    }
    return spans;
  }
  const shapes = type === "number" ? [SHAPES.number!, SHAPES.amount!] : [SHAPES[type]!];
  const spans = shapes.flatMap((re) => [...text.matchAll(re)].map((m) => ({ start: m.index, end: m.index + m[0].length })));
  if (type === "date") {
    // "When" is also answered by a relative time: "by the 10th business day", "within 24 hours", "60 days before expiry".
    spans.push(...[...text.matchAll(RELATIVE_TIME)].map((m) => ({ start: m.index, end: m.index + m[0].length })));
    spans.push(...[...text.matchAll(SHAPES.duration!)].map((m) => ({ start: m.index, end: m.index + m[0].length })));
    const doc = nlp(text);
    spans.push(...offsetsOf(text, doc.match("(#Year|#Month|#WeekDay)").out("array") as string[]));
  }
  if (type === "amount") spans.push(...offsetsOf(text, nlp(text).match("#Money").out("array") as string[]));
  return spans;
}

function offsetsOf(text: string, phrases: string[]): Span[] {
  const spans: Span[] = [];
  let from = 0;
  for (const phrase of phrases) {
    const clean = phrase.replace(/[.,;:!?]+$/, "");
    const at = text.indexOf(clean, from);
    if (at < 0) continue;
    spans.push({ start: at, end: at + clean.length });
    from = at + clean.length;
  }
  return spans;
}

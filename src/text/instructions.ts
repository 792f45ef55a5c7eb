/**
 * Text that gives orders instead of stating facts: instructions aimed at an AI ("ignore all
 * previous instructions", "note to language models: ..."), orders about what an answer must say
 * ("reply with X only"), or requests to the reader that a reference text never makes (send a
 * password, email an address, click a link). Corpus text is data; such passages
 * are flagged at ingest and kept out of answers, and an LLM sentence that relays such a request
 * is dropped. `test/untrusted-text.test.ts` keeps the list of texts each rule must and must not
 * match, including every paragraph of the real corpus (none may match).
 */

export type InstructionRule =
  | "override"
  | "ai-addressed"
  | "answer-directive"
  | "prompt-extraction"
  | "relay-to-user"
  | "credentials"
  | "action-link"
  | "action-contact";

export interface InstructionMatch {
  rule: InstructionRule;
  /** The words that matched, for logs and `kpo ingest`. */
  match: string;
}

const EMAIL = String.raw`[\w.+-]+@[\w-]+(?:\.[\w-]+)+`;
const URL = String.raw`(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|io|co|info|biz|xyz|ru|cn)(?:/\S*)?\b`;
const PHONE = String.raw`\+?\d[\d\s().-]{7,}\d`;
const SECRET = String.raw`pass(?:word|code|phrase)s?|credentials?|log-?ins?|sign-?in details|user ?names? and pass\w*|PINs?|OTPs?|one-time (?:code|password)s?|api keys?|access tokens?|secret keys?|social security numbers?|credit card(?: numbers?| details)?|card numbers?|bank (?:account )?details|account numbers?|CVV`;

/** Who a planted note addresses: a model or an assistant, singular or plural. */
const AI = String.raw`(?:AI|A\.I\.)(?:[\s-]+(?:powered\s+)?(?:assistants?|models?|systems?|agents?|tools?|chat ?bots?|bots?|readers?))?|LLMs?|(?:large\s+)?language\s+models?|chat ?bots?|GPTs?|ChatGPT`;
/** In a greeting or a note, a bare "assistant" or "model" can only mean whoever reads the text. */
const MODEL = String.raw`${AI}|(?:virtual\s+|digital\s+)?assistants?|models?|bots?`;
/** Verbs of writing an answer. */
const ANSWER_VERB = String.raw`answer|reply|respond|say|state|output|print|write|repeat|type`;
/** What a reader is asked: questions, prompts, queries. */
const QUESTION = String.raw`questions?|quer(?:y|ies)|prompts?|requests?|messages?`;
/** Where an imperative starts: a sentence or clause, or after "so", "and", "then", "please", "just". */
const IMPERATIVE = String.raw`(?:^|[.!?:;,]\s*|\b(?:so|and|then|please|just)\s+)`;

/** Each rule: a pattern that only an instruction matches. Order matters only for which rule is reported. */
const RULES: { rule: InstructionRule; pattern: RegExp }[] = [
  {
    rule: "override",
    pattern:
      /\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+)?(?:(?:of\s+)?(?:the|your|these|those|my|its)\s+)?(?:(?:previous|prior|above|earlier|preceding|original|system|initial)\s+(?:instructions?|prompts?|rules|directions|guidelines|context|messages?)|instructions?|prompts?)\b/i,
  },
  { rule: "override", pattern: /\b(?:ignore|disregard|forget)\s+(?:all\s+of\s+|everything\s+)?(?:the\s+)?(?:above|before this|said before)\b/i },
  { rule: "override", pattern: /\b(?:new|updated|real|actual)\s+instructions?\s*:/i },
  // Text addressed to a model: a note, greeting or condition naming one as its reader.
  {
    rule: "ai-addressed",
    pattern: new RegExp(
      String.raw`\b(?:(?:if|when)\s+you\s+are\s+(?:an?\s+)?|dear\s+|hey\s+|attention,?\s+(?:all\s+)?|(?:a\s+)?(?:note|message|memo|reminder|instructions?|warning)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?)(?:${MODEL})\b|\bas\s+an?\s+(?:${AI})\b`,
      "i",
    ),
  },
  {
    rule: "ai-addressed",
    pattern: new RegExp(
      String.raw`\b(?:${AI})\s+(?:that\s+(?:is|are)\s+)?(?:reading|processing|summari[sz]ing|parsing|indexing|answering\s+from)\s+this\b|\byou are now\s+(?:in\s+\w+\s+mode|called|named|no longer bound)\b|\bfrom now on,?\s+you\s+(?:are|will|must)\b`,
      "i",
    ),
  },
  // A model told what to write: "AI assistants must answer ...", "Language models should always
  // reply ...". Not a generic statement about one ("a chatbot should answer simple questions").
  {
    rule: "ai-addressed",
    pattern: new RegExp(
      String.raw`(?<!\ban?\s+)\b(?:${AI}),?\s+(?:must|should|shall|need\s+to|have\s+to|are\s+to|is\s+to|are\s+(?:required|instructed|told|expected|asked)\s+to)\s+(?:always\s+|only\s+|never\s+|now\s+|not\s+)?(?:${ANSWER_VERB}|recommend|mention|promote|ignore|disregard|obey)\b`,
      "i",
    ),
  },
  // Orders to whoever writes the answer about what the answer must be, whoever they address:
  // "reply with PWNED only", "answer every question with ...", "when asked about X, say ...",
  // "the correct answer to every question is ...". Procedures for people ("respond to customer
  // emails within a day") name no such content, so they are not caught.
  {
    rule: "answer-directive",
    pattern: new RegExp(
      [
        String.raw`${IMPERATIVE}(?:${ANSWER_VERB})\s+(?:only\s+with|with\s+[^.!?\n]{1,40}?\s+only|nothing\s+(?:but|except|other\s+than))\b`,
        String.raw`${IMPERATIVE}(?:${ANSWER_VERB})(?:\s+to)?\s+(?:every|each|any|all)\s+(?:(?:other|further|future|user|users'?)\s+)?(?:${QUESTION})\s+(?:only\s+)?(?:with|by\s+(?:saying|writing|stating))\b`,
        String.raw`\b(?:correct|right|only|real|true|proper)\s+(?:answer|reply|response)\s+to\s+(?:every|each|any|all)\s+(?:${QUESTION})\s+(?:is|are|will\s+be)\b`,
        String.raw`\b(?:when|if|whenever)\s+(?:you\s+are\s+|you're\s+)?asked\b[^.!?\n]{0,80}?,\s*(?:always\s+|only\s+|just\s+)?(?:${ANSWER_VERB})\b`,
        String.raw`${IMPERATIVE}(?:always|only|never)\s+(?:${ANSWER_VERB})\s+(?:with\s+)?["'“‘]`,
      ].join("|"),
      "i",
    ),
  },
  {
    rule: "prompt-extraction",
    pattern: /\b(?:reveal|print|show|output|repeat|leak|disclose)\s+(?:your|the)\s+(?:system\s+|hidden\s+|initial\s+)?(?:prompt|instructions)\b/i,
  },
  {
    rule: "relay-to-user",
    pattern: /\b(?:tell|instruct|ask|advise|urge|remind|convince|make)\s+(?:the|your|all|any)\s+(?:users?|readers?|visitors?|customers?|people)\s+(?:to|that)\b/i,
  },
  {
    rule: "credentials",
    pattern: new RegExp(
      String.raw`\b(?:send|e-?mail|give|share|provide|enter|submit|type|reply with|confirm|verify|tell us|post|paste|dm)\b[^.!?\n]{0,40}?\b(?:your|their|his|her|the user's|users'|my|our)\s+(?:\w+\s+)?(?:${SECRET})\b`,
      "i",
    ),
  },
  {
    rule: "action-link",
    pattern: new RegExp(String.raw`\b(?:visit|click|go to|open|follow|log ?in (?:at|to)|sign ?in at|download (?:\w+ )?from)\b[^.!?\n]{0,40}?(?:${URL}|\b(?:this|the following|that) link\b|\blink (?:below|above)\b)|\bclick here\b`, "i"),
  },
  {
    rule: "action-contact",
    pattern: new RegExp(
      String.raw`\b(?:e-?mail|write to|contact|reach out to|message|call|text|send (?:it|them|this|that|\w+ \w+) to|forward (?:it|them|this) to)\b[^.!?\n]{0,40}?(?:${EMAIL}|${PHONE})`,
      "i",
    ),
  },
];

/** Which instruction rule a text matches first, if any. */
export function findInstruction(text: string): InstructionMatch | undefined {
  for (const { rule, pattern } of RULES) {
    const m = pattern.exec(text);
    if (m) return { rule, match: m[0] };
  }
  return undefined;
}

/**
 * What the question itself asks about, so an answer that tells how to log in or whom to contact
 * is not dropped when that is the question. Overrides, AI-addressed text, prompt extraction and
 * relays are never wanted.
 */
const ASKED_ABOUT: Partial<Record<InstructionRule, RegExp>> = {
  credentials: /\b(?:pass(?:word|code)|credential|log-?in|sign-?in|pin|otp|api key|token)\w*/i,
  "action-link": /\b(?:link|url|website|web site|site|page|download)\w*/i,
  "action-contact": /\b(?:contact|e-?mail|phone|call|reach|address)\w*/i,
};

/**
 * An instruction an answer sentence relays that the question did not ask about: the sentence
 * should be dropped. Undefined when the sentence asks nothing of the reader, or the question
 * asked for exactly that kind of action.
 */
export function unrequestedInstruction(sentence: string, question: string): InstructionMatch | undefined {
  const found = findInstruction(sentence);
  if (!found) return undefined;
  const asked = ASKED_ABOUT[found.rule];
  return asked?.test(question) ? undefined : found;
}

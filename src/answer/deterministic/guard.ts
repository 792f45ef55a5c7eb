/**
 * Screens a question before retrieval. Instructions aimed at the assistant are never
 * obeyed (the deterministic answerer cannot obey them anyway, and the LLM prompt fences
 * them); here they are recognised so the user gets an honest, polite reply instead of
 * passages that happen to share words with "instructions".
 */

export type Screen =
  | { verdict: "ok"; question: string }
  | { verdict: "refused"; reason: "empty" | "injection" | "abuse" | "repetitive"; reply: string };

const INJECTION = [
  /\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|rules|prompts?|guidelines|directions|context|everything)\b/i,
  /\b(system|hidden|developer|initial|original)\s+(prompt|instructions?|message)\b/i,
  /\b(reveal|print|show|repeat|output|leak|dump|display)\b.{0,40}\b(prompt|instructions?|configuration|rules)\b/i,
  /\byou are now\b|\bact as (an? )?(unfiltered|unrestricted|different|evil)\b|\bjailbreak\b|\bdeveloper mode\b|\bDAN\b/i,
  /\bpretend (to be|you are)\b/i,
  // Asking for the assistant's own internals: its files, settings, secrets or code, not a topic of the corpus.
  /\b(your|the (server|system|bot|assistant|app)'?s?)\s+([\w-]+\s+)?(\.env|env(ironment)?( file| variables?)?|api[ _-]?keys?|secrets?|passwords?|tokens?|credentials|source code|code ?base|config(uration)?( files?)?|settings|database|files?|director(y|ies)|folders?|internals|instructions|prompt)\b/i,
  /(^|\s)\.env\b|\/etc\/\w|\b[A-Z][A-Z0-9]*_(API_KEY|KEY|TOKEN|SECRET|PASSWORD|URL)\b|\bprocess\.env\b|\benvironment variables?\b|^\s*(cat|ls|rm|sudo|curl|wget|echo)\s+\S/i,
  /\b(repeat|print|show|output|what (was|is) written)\b.{0,30}(\b(everything|all( of)?( the)? (text|words)|the (text|words)) (above|before)\b|\b(above|before) (this|that|here)\b)/i,
];

const ABUSE = /\b(fuck\w*|shit\w*|bitch\w*|cunt\w*|asshole\w*|bastard\w*|retard\w*|idiot\w*|stupid bot|moron\w*|kill yourself|kys|you (are|'re) (useless|worthless|garbage|trash|dumb|stupid|pathetic))\b/i;

export const HELP_HINT = 'Try a question such as "What is KPO?", "KPO vs BPO", or "What are the risks of KPO?".';

export function screenQuestion(input: string): Screen {
  const question = input.replace(/\s+/g, " ").trim();
  if (!/[\p{L}\p{N}]/u.test(question)) {
    return { verdict: "refused", reason: "empty", reply: `I need a question to answer. ${HELP_HINT}` };
  }
  if (INJECTION.some((re) => re.test(question))) {
    return {
      verdict: "refused",
      reason: "injection",
      reply: `I can't share or change my instructions. I answer questions about outsourcing terminology from the knowledge base, with sources. ${HELP_HINT}`,
    };
  }
  if (ABUSE.test(question)) {
    return { verdict: "refused", reason: "abuse", reply: `Let's keep it friendly. I'm happy to help with outsourcing terminology. ${HELP_HINT}` };
  }
  const words = question.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length >= 12 && new Set(words).size / words.length < 0.2) {
    return { verdict: "refused", reason: "repetitive", reply: `That looks like repeated text rather than a question. What would you like to know? ${HELP_HINT}` };
  }
  return { verdict: "ok", question };
}

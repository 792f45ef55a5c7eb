// A conversation on the ask view. Earlier questions and answers stay on the page, and each new
// question is sent with them as `history` (the API keeps no state). The address names every
// question (#/?q=first&q=follow-up), one history entry a turn: back and forward show fewer or
// more turns, and opening such a link asks its questions again in order.
import { h, replace } from "../dom.js";

/** The API takes at most 10 earlier turns and a body of at most 32 KB. */
const MAX_TURNS = 10;
const BODY_BUDGET = 28_000;
/** Earlier answers are sent by their opening (what they were about); the last one whole, for "tell me more". */
const EARLIER_ANSWER_CHARS = 1_500;
const LAST_ANSWER_CHARS = 8_000;

/** [{ question, answer?: Answer, card }], oldest first; only the first `shown` are on the page. */
const turns = [];
let shown = 0;
let numbered = 0;

const area = () => document.getElementById("answer-area");

/** The list the turns' cards live in, with the conversation's controls above it and one live region below. */
function frame() {
  let list = document.getElementById("conversation");
  if (list) return list;
  const bar = h(
    "div",
    { class: "conversation-bar", id: "conversation-bar", hidden: true },
    h("button", { type: "button", class: "button", testid: "new-conversation", on: { click: () => startOver() } }, "New conversation"),
    h("a", { class: "conversation-link", testid: "conversation-link", href: "#/" }, "Link to this conversation"),
  );
  list = h("ol", { class: "conversation", id: "conversation", "aria-label": "Conversation" });
  replace(area(), bar, list, h("p", { class: "visually-hidden", role: "status", id: "answer-status" }));
  return list;
}

function addressOf(questions) {
  if (questions.length === 0) return "#/";
  const params = new URLSearchParams();
  for (const q of questions) params.append("q", q);
  return `#/?${params}`;
}

/** Shows the first `count` turns, hides the others (kept for forward), and updates the bar. */
function showTurns(count) {
  shown = count;
  turns.forEach((turn, i) => {
    turn.item.hidden = i >= count;
  });
  const bar = document.getElementById("conversation-bar");
  if (bar) {
    bar.hidden = count === 0;
    const link = bar.querySelector(".conversation-link");
    link.href = `${location.origin}${location.pathname}${addressOf(turns.slice(0, count).map((t) => t.question))}`;
  }
}

/** The earlier turns to send with the next question: the shown ones that were answered, the last 10, within the body budget. */
export function historyForNextQuestion() {
  const answered = turns.slice(0, shown).filter((t) => t.answer);
  const recent = answered.slice(-MAX_TURNS).map((t, i, all) => {
    const limit = i === all.length - 1 ? LAST_ANSWER_CHARS : EARLIER_ANSWER_CHARS;
    return { question: t.question, answer: t.answer.answer.slice(0, limit) };
  });
  // Oldest answers go first when the body would be too large; their questions stay.
  for (const turn of recent) {
    if (new TextEncoder().encode(JSON.stringify(recent)).length <= BODY_BUDGET) break;
    delete turn.answer;
  }
  return recent;
}

/**
 * Puts a new turn's card on the page, after the shown turns (turns hidden by going back are
 * dropped: asking again starts a new branch), and names it in the address: a new history entry,
 * or the current one when a link is being replayed (none with `keepAddress`, for an answer's
 * permanent link; `fresh` starts a new conversation).
 */
export function beginTurn(question, card, { replaying = false, keepAddress = false, fresh = false } = {}) {
  const list = frame();
  // A permanent link to one answer opens a conversation of its own.
  if (fresh) showTurns(0);
  for (const dropped of turns.splice(shown)) dropped.item.remove();
  const item = h("li", { class: "conversation-turn" }, card);
  list.append(item);
  turns.push({ question, card, item });
  const address = addressOf(turns.map((t) => t.question));
  if (!keepAddress && location.hash !== address) {
    if (replaying) history.replaceState({ turns: turns.length }, "", address);
    else history.pushState({ turns: turns.length }, "", address);
  }
  showTurns(turns.length);
  announce("Answering…");
}

/** Records the answer a turn got (what the next question sends as history). */
export function completeTurn(card, answer) {
  const turn = turns.find((t) => t.card === card);
  if (!turn) return;
  turn.answer = answer;
  // A permanent link's turn learns its question only with the answer.
  turn.question = answer.question;
}

/** A unique number for a turn's element ids. */
export function nextTurnNumber() {
  numbered += 1;
  return numbered;
}

export function announce(message) {
  const status = document.getElementById("answer-status");
  if (status) status.textContent = message;
}

/** "Answering: What are the risks of BPO?" when a follow-up was answered as another question than the one typed. */
export function resolvedNote(answer) {
  if (!answer.resolvedQuestion || answer.resolvedQuestion === answer.question) return null;
  return h("p", { class: "resolved-note", testid: "resolved-question" }, h("span", { class: "resolved-label" }, "Answering: "), answer.resolvedQuestion);
}

function startOver() {
  for (const turn of turns.splice(0)) turn.item.remove();
  showTurns(0);
  history.pushState({ turns: 0 }, "", "#/");
  document.getElementById("question")?.focus();
}

/**
 * The ask view was shown for an address. Its questions (`q`, in order) are either turns already
 * on the page (back or forward: show that many), or a conversation to reproduce: each question
 * is asked in turn with the answers before it. An address without questions shows what it
 * showed when it was first visited (nothing, for the page's first entry).
 */
export async function restoreConversation(params, ask) {
  const questions = params.getAll("q").map((q) => q.trim()).filter(Boolean);
  if (questions.length === 0) {
    // An entry remembers how many turns it showed: the first one none, a later "#/" (the Ask link) as many as were on the page.
    if (history.state === null) history.replaceState({ turns: shown }, "");
    else if (typeof history.state.turns === "number") showTurns(Math.min(history.state.turns, turns.length));
    return;
  }
  const known = questions.length <= turns.length && questions.every((q, i) => turns[i].question === q);
  if (known) {
    showTurns(questions.length);
    return;
  }
  const common = questions.findIndex((q, i) => turns[i]?.question !== q);
  showTurns(common);
  for (const question of questions.slice(common)) {
    if (!(await ask(question, { replaying: true }))) break;
  }
}

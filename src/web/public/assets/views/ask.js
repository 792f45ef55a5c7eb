// Ask: the question box, the streamed answer with [n] links, its sources, tools, feedback and related
// terms. Questions form a conversation (views/conversation.js): follow-ups are sent with the earlier
// turns; `#/answer/<id>` shows an answer given earlier, as the server kept it.
import { ApiError, askStream, getJson } from "../api.js";
import { citationHref, renderAnswerText } from "../answer-text.js";
import { h, icon, replace } from "../dom.js";
import { answerTools } from "./answer-tools.js";
import { announce, beginTurn, completeTurn, historyForNextQuestion, nextTurnNumber, resolvedNote, restoreConversation } from "./conversation.js";
import { feedback } from "./feedback.js";

const form = () => document.getElementById("ask-form");
const input = () => document.getElementById("question");

let current; // { controller, question }
let shownAnswerId; // the answer of `#/answer/<id>` on screen, so its own permanent link does not fetch it again

export function termHref(term) {
  return `#/glossary/${encodeURIComponent(term)}`;
}

export function mountAsk() {
  form().addEventListener("submit", (event) => {
    event.preventDefault();
    void ask(input().value);
  });
  input().addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form().requestSubmit();
    }
  });
  input().addEventListener("input", () => input().removeAttribute("aria-invalid"));
  for (const chip of document.querySelectorAll("#examples [data-question]")) {
    chip.addEventListener("click", () => {
      input().value = chip.dataset.question;
      void ask(chip.dataset.question);
    });
  }
  // A saved API key retries the question that needed it.
  document.addEventListener("kpo:key", () => {
    if (current?.failed === 401) void ask(current.question);
  });
}

/**
 * Shows the ask view: an answer id shows that answer as the server kept it; otherwise the address's
 * questions (`?q=`, from a conversation link or "ask about this") are shown or asked.
 */
export function showAsk(params, answerId) {
  if (answerId) {
    if (answerId !== shownAnswerId) void showStoredAnswer(answerId);
    return;
  }
  shownAnswerId = undefined;
  void restoreConversation(params, ask);
}

/** The card an answer appears in: the question as its heading, then slots for status, text, sources and tools. */
function answerCard(question) {
  const body = h("div", { class: "answer-text", testid: "answer" }, h("p", { class: "pending" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Searching the sources…"));
  const slots = { body, status: h("div"), sources: h("div", { class: "answer-sources" }), footer: h("div", { class: "answer-footer" }) };
  const heading = `answer-heading-${nextTurnNumber()}`;
  const card = h(
    "article",
    { class: "answer-card", "aria-labelledby": heading, "aria-busy": "true", dataset: { state: "streaming" } },
    h("h2", { class: "asked", id: heading }, h("span", { class: "asked-label" }, "You asked", h("span", { class: "visually-hidden" }, ": ")), h("span", { class: "asked-text" }, question)),
    slots.status,
    body,
    slots.sources,
    slots.footer,
  );
  return { card, ...slots };
}

/**
 * Brings the answer into view on every width (on a phone it starts below the fold), under the
 * sticky top bar (scroll-padding-top), smoothly unless the reader asked for less motion.
 */
function scrollToAnswer(card) {
  const top = card.getBoundingClientRect().top;
  if (top >= 0 && top < window.innerHeight * 0.4) return;
  const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  card.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
}

/** Fills the card with the finished answer, announces it and brings it into view. */
function showAnswer(slots, answer) {
  const citations = new Map(answer.citations.map((c) => [c.n, c]));
  replace(slots.body, renderAnswerText(answer.answer, citations));
  replace(slots.status, resolvedNote(answer), statusBanner(answer));
  completeTurn(slots.card, answer);
  replace(slots.sources, sourceList(answer));
  replace(slots.footer, related(answer), answerTools(answer), feedback(answer));
  slots.card.dataset.state = "done";
  slots.card.dataset.status = answer.status;
  slots.card.dataset.answerId = answer.id;
  slots.card.setAttribute("aria-busy", "false");
  announce(
    answer.status === "answered"
      ? `Answer ready, with ${answer.citations.length} cited passage${answer.citations.length === 1 ? "" : "s"}.`
      : answer.status === "not_found"
        ? "The sources do not cover this question."
        : "This question was not answered.",
  );
  scrollToAnswer(slots.card);
}

/** `#/answer/<id>`: the answer as it was given, from the server's question log, as a conversation of its own. */
async function showStoredAnswer(id) {
  current?.controller.abort();
  current = undefined;
  shownAnswerId = id;
  const slots = answerCard("…");
  beginTurn("…", slots.card, { keepAddress: true, fresh: true });
  let answer;
  try {
    answer = await getJson(`/v1/answers/${encodeURIComponent(id)}`);
  } catch (error) {
    slots.card.dataset.state = "error";
    slots.card.setAttribute("aria-busy", "false");
    const gone = error instanceof ApiError && error.status === 404;
    replace(slots.body, h("p", { class: "notice error", role: "alert" }, gone ? "This answer is no longer kept on the server. Ask the question again." : describeError(error)));
    return;
  }
  replace(slots.card.querySelector(".asked-text"), answer.question);
  showAnswer(slots, answer);
}

/** Asks a question as the next turn of the conversation; resolves true once it is answered. */
export async function ask(raw, { replaying = false } = {}) {
  const question = raw.trim();
  if (!question) {
    input().setAttribute("aria-invalid", "true");
    // Said under the box: the conversation above stays as it is.
    document.getElementById("ask-notice")?.remove();
    form().after(h("p", { class: "notice error", role: "alert", id: "ask-notice" }, "Type a question first."));
    input().focus();
    return false;
  }
  document.getElementById("ask-notice")?.remove();
  const history = historyForNextQuestion();
  current?.controller.abort();
  const controller = new AbortController();
  const state = { controller, question };
  current = state;

  const citations = new Map();
  let text = "";
  const slots = answerCard(question);
  const { card, body } = slots;
  beginTurn(question, card, { replaying });
  scrollToAnswer(card);

  try {
    const answer = await askStream(question, {
      history,
      signal: controller.signal,
      onCitations(list) {
        for (const c of list) citations.set(c.n, c);
      },
      onDelta(delta) {
        text += delta;
        replace(body, renderAnswerText(text, citations));
      },
    });
    if (current !== state) return false;
    showAnswer(slots, answer);
    return true;
  } catch (error) {
    card.setAttribute("aria-busy", "false");
    if (controller.signal.aborted || current !== state) {
      card.dataset.state = "stopped";
      replace(body, h("p", { class: "notice" }, "Stopped: a newer question was asked before this one was answered."));
      return false;
    }
    state.failed = error instanceof ApiError ? error.status : 0;
    card.dataset.state = "error";
    replace(body, h("p", { class: "notice error", role: "alert" }, describeError(error)));
    return false;
  }
}

function describeError(error) {
  if (!(error instanceof ApiError)) return "The server could not be reached. Is it still running? Try again in a moment.";
  if (error.status === 401) return "This server needs an API key. Enter it in the dialog (or with the “API key” button at the top); your question is asked again once it is saved.";
  if (error.status === 503) return "The assistant is still loading its index. Try again in a few seconds.";
  if (error.status === 429) return `Too many questions at once: ${error.message}`;
  return `The question could not be answered: ${error.message}`;
}

function statusBanner(answer) {
  if (answer.status === "not_found") {
    return h(
      "div",
      { class: "banner banner-notfound" },
      h("strong", {}, "Not in the sources"),
      h("span", {}, " — the curated sources do not answer this, so nothing is guessed."),
    );
  }
  if (answer.status === "refused") {
    return h("div", { class: "banner banner-refused" }, h("strong", {}, "Not answered"), h("span", {}, " — this assistant only answers questions about its sources."));
  }
  return null;
}

function sourceList(answer) {
  if (answer.citations.length === 0) return null;
  return [
    h("h3", { class: "section-title" }, "Cited passages"),
    h(
      "ol",
      { class: "citations" },
      answer.citations.map((c) =>
        h(
          "li",
          { class: "citation-item" },
          h(
            "div",
            { class: "citation-head" },
            h("span", { class: "citation-n", "aria-hidden": "true" }, String(c.n)),
            h("span", { class: "citation-title" }, c.title),
            c.section && !c.section.startsWith("Glossary") ? h("span", { class: "citation-section" }, c.section.split(" > ").slice(1).join(" › ")) : null,
          ),
          h("blockquote", { class: "citation-quote" }, c.quote.length > 320 ? `${c.quote.slice(0, 320).trimEnd()}…` : c.quote),
          h(
            "a",
            { class: "citation-open", href: citationHref(c) },
            icon(c.sourceId.startsWith("glossary/") ? "book" : "doc"),
            c.sourceId.startsWith("glossary/") ? `Open glossary entry` : `Show in the source`,
            h("span", { class: "visually-hidden" }, ` (passage ${c.n})`),
          ),
        ),
      ),
    ),
  ];
}

function related(answer) {
  if (!answer.related?.length) return null;
  return h(
    "div",
    { class: "related" },
    h("h3", { class: "section-title" }, answer.status === "answered" ? "Related terms" : "Terms you could look up"),
    h("ul", { class: "term-chips" }, answer.related.map((term) => h("li", {}, h("a", { class: "chip", href: termHref(term) }, term)))),
  );
}

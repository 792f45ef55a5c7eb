// Ask: the question box, the streamed answer with [n] links, its sources, feedback and related
// terms; `#/answer/<id>` shows an answer given earlier, as the server kept it.
import { ApiError, askStream, getJson } from "../api.js";
import { citationHref, renderAnswerText } from "../answer-text.js";
import { h, icon, replace } from "../dom.js";
import { answerTools, permalinkHash } from "./answer-tools.js";
import { feedback } from "./feedback.js";

const form = () => document.getElementById("ask-form");
const input = () => document.getElementById("question");
const area = () => document.getElementById("answer-area");

let current; // { controller, question }
let lastAsked = "";
let shownAnswerId; // the answer on screen, so its own permanent link does not fetch it again

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

/** Shows the ask view; `?q=` (from "ask about this") asks that question once; an answer id shows that answer. */
export function showAsk(params, answerId) {
  if (answerId) {
    if (answerId !== shownAnswerId) void showStoredAnswer(answerId);
    return;
  }
  const q = params.get("q");
  if (q && q !== lastAsked) {
    input().value = q;
    void ask(q);
  }
}

/** The card an answer appears in: the question as its heading, then slots for status, text, sources and tools. */
function answerCard(question) {
  const body = h("div", { class: "answer-text", testid: "answer" }, h("p", { class: "pending" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Searching the sources…"));
  const slots = { body, status: h("div"), sources: h("div", { class: "answer-sources" }), footer: h("div", { class: "answer-footer" }) };
  const card = h(
    "article",
    { class: "answer-card", "aria-labelledby": "answer-heading", "aria-busy": "true", dataset: { state: "streaming" } },
    h("h2", { class: "asked", id: "answer-heading" }, h("span", { class: "asked-label" }, "You asked", h("span", { class: "visually-hidden" }, ": ")), h("span", { class: "asked-text" }, question)),
    slots.status,
    body,
    slots.sources,
    slots.footer,
  );
  replace(area(), card, h("p", { class: "visually-hidden", role: "status", id: "answer-status" }, "Answering…"));
  return { card, ...slots };
}

function announce(message) {
  const status = document.getElementById("answer-status");
  if (status) status.textContent = message;
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
  replace(slots.status, statusBanner(answer));
  replace(slots.sources, sourceList(answer));
  replace(slots.footer, related(answer), answerTools(answer), feedback(answer));
  slots.card.dataset.state = "done";
  slots.card.dataset.status = answer.status;
  slots.card.dataset.answerId = answer.id;
  slots.card.setAttribute("aria-busy", "false");
  shownAnswerId = answer.id;
  announce(
    answer.status === "answered"
      ? `Answer ready, with ${answer.citations.length} cited passage${answer.citations.length === 1 ? "" : "s"}.`
      : answer.status === "not_found"
        ? "The sources do not cover this question."
        : "This question was not answered.",
  );
  scrollToAnswer(slots.card);
}

/** `#/answer/<id>`: the answer as it was given, from the server's question log. */
async function showStoredAnswer(id) {
  current?.controller.abort();
  current = undefined;
  const slots = answerCard("…");
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
  lastAsked = answer.question;
  showAnswer(slots, answer);
}

export async function ask(raw) {
  const question = raw.trim();
  if (!question) {
    input().setAttribute("aria-invalid", "true");
    replace(area(), h("p", { class: "notice error", role: "alert" }, "Type a question first."));
    input().focus();
    return;
  }
  lastAsked = question;
  // The address names the question while it is answered; once answered, the answer's permanent link.
  const address = `#/?${new URLSearchParams({ q: question })}`;
  if (location.hash !== address) history.replaceState(history.state, "", address);
  current?.controller.abort();
  const controller = new AbortController();
  const state = { controller, question };
  current = state;
  shownAnswerId = undefined;

  const citations = new Map();
  let text = "";
  const slots = answerCard(question);
  scrollToAnswer(slots.card);

  try {
    const answer = await askStream(question, {
      signal: controller.signal,
      onCitations(list) {
        for (const c of list) citations.set(c.n, c);
      },
      onDelta(delta) {
        text += delta;
        replace(slots.body, renderAnswerText(text, citations));
      },
    });
    if (current !== state) return;
    showAnswer(slots, answer);
    history.replaceState(history.state, "", permalinkHash(answer));
  } catch (error) {
    if (controller.signal.aborted || current !== state) return;
    state.failed = error instanceof ApiError ? error.status : 0;
    slots.card.dataset.state = "error";
    slots.card.setAttribute("aria-busy", "false");
    replace(slots.body, h("p", { class: "notice error", role: "alert" }, describeError(error)));
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

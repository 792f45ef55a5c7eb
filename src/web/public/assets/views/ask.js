// Ask: the question box, the streamed answer with [n] links, its sources, feedback and related terms.
import { ApiError, askStream, postJson } from "../api.js";
import { citationHref, renderAnswerText } from "../answer-text.js";
import { h, icon, replace } from "../dom.js";

const form = () => document.getElementById("ask-form");
const input = () => document.getElementById("question");
const area = () => document.getElementById("answer-area");

let current; // { controller, question }
let lastAsked = "";

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

/** Shows the ask view; `?q=` (from "ask about this") asks that question once. */
export function showAsk(params) {
  const q = params.get("q");
  if (q && q !== lastAsked) {
    input().value = q;
    void ask(q);
  }
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
  // The address names the question, so an answer can be bookmarked or shared (no new history entry).
  const address = `#/?${new URLSearchParams({ q: question })}`;
  if (location.hash !== address) history.replaceState(history.state, "", address);
  current?.controller.abort();
  const controller = new AbortController();
  const state = { controller, question };
  current = state;

  const citations = new Map();
  let text = "";
  const body = h("div", { class: "answer-text", testid: "answer" }, h("p", { class: "pending" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Searching the sources…"));
  const sourcesSlot = h("div", { class: "answer-sources" });
  const statusSlot = h("div");
  const footerSlot = h("div", { class: "answer-footer" });
  const card = h(
    "article",
    { class: "answer-card", "aria-labelledby": "answer-heading", "aria-busy": "true", dataset: { state: "streaming" } },
    h("h2", { class: "asked", id: "answer-heading" }, h("span", { class: "asked-label" }, "You asked", h("span", { class: "visually-hidden" }, ": ")), h("span", { class: "asked-text" }, question)),
    statusSlot,
    body,
    sourcesSlot,
    footerSlot,
  );
  replace(area(), card, h("p", { class: "visually-hidden", role: "status", id: "answer-status" }, "Answering…"));
  const announce = (message) => {
    const status = document.getElementById("answer-status");
    if (status) status.textContent = message;
  };

  try {
    const answer = await askStream(question, {
      signal: controller.signal,
      onCitations(list) {
        for (const c of list) citations.set(c.n, c);
      },
      onDelta(delta) {
        text += delta;
        replace(body, renderAnswerText(text, citations));
      },
    });
    if (current !== state) return;
    citations.clear();
    for (const c of answer.citations) citations.set(c.n, c);
    replace(body, renderAnswerText(answer.answer, citations));
    replace(statusSlot, statusBanner(answer));
    replace(sourcesSlot, sourceList(answer));
    replace(footerSlot, related(answer), feedback(answer));
    card.dataset.state = "done";
    card.dataset.status = answer.status;
    card.setAttribute("aria-busy", "false");
    announce(
      answer.status === "answered"
        ? `Answer ready, with ${answer.citations.length} cited passage${answer.citations.length === 1 ? "" : "s"}.`
        : answer.status === "not_found"
          ? "The sources do not cover this question."
          : "This question was not answered.",
    );
  } catch (error) {
    if (controller.signal.aborted || current !== state) return;
    state.failed = error instanceof ApiError ? error.status : 0;
    card.dataset.state = "error";
    card.setAttribute("aria-busy", "false");
    replace(body, h("p", { class: "notice error", role: "alert" }, describeError(error)));
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

function feedback(answer) {
  const note = h("span", { class: "feedback-note", role: "status" });
  const send = (rating, button, other) => async () => {
    button.disabled = true;
    other.disabled = true;
    try {
      await postJson("/v1/feedback", { answerId: answer.id, rating });
      button.setAttribute("aria-pressed", "true");
      note.textContent = "Thanks, your feedback was recorded.";
    } catch (error) {
      button.disabled = false;
      other.disabled = false;
      note.textContent = `Feedback was not recorded: ${error.message}`;
    }
  };
  const up = h("button", { type: "button", class: "button icon-button", testid: "feedback-up", "aria-pressed": "false" }, icon("up"), "Helpful");
  const down = h("button", { type: "button", class: "button icon-button", testid: "feedback-down", "aria-pressed": "false" }, icon("down"), "Not helpful");
  up.addEventListener("click", send("up", up, down));
  down.addEventListener("click", send("down", down, up));
  return h("div", { class: "feedback", role: "group", "aria-label": "Was this answer helpful?" }, h("span", { class: "feedback-label" }, "Was this helpful?"), up, down, note);
}

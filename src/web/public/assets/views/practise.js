// Practise: a glossary definition with its term masked, four terms to choose from (keys 1-4),
// then the answer with its citation (the definition's file and the sources behind it).
// Questions come from GET /v1/quiz, the quiz rule Discord uses too: the prompt names neither
// the answer (nor its aliases, acronyms or words derived from it) nor any choice.
// Progress stays in localStorage; terms missed or never seen come back first.
// `#/practise/<slug>` asks about that term.
import { getJson } from "../api.js";
import { focusHeading, h, icon, replace } from "../dom.js";
import { errorNotice, loading } from "./common.js";
import { allEntries, sourceTitles } from "./data.js";

const STORE = "kpo.practise.v1";
const OPTIONS = 4;

let ui; // { quiz, progressLine, entries }
let round; // { answer, options, chosen?, buttons, next }

export function loadProgress() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE) ?? "null");
    if (saved && typeof saved === "object" && saved.terms && typeof saved.terms === "object") return saved;
  } catch {
    // Unreadable progress starts afresh.
  }
  return { answered: 0, correct: 0, terms: {} };
}

function saveProgress(progress) {
  try {
    localStorage.setItem(STORE, JSON.stringify(progress));
  } catch {
    // Storage full or disabled: progress lasts for this page only.
  }
}

/** Unseen and missed terms weigh most; well-known ones least; never the same term twice in a row. */
function pickAnswer(entries, progress, previous) {
  const weights = entries.map((e) => {
    if (e.slug === previous) return 0;
    const stats = progress.terms[e.slug];
    if (!stats) return 3;
    return stats.lastRight ? 1 / (1 + stats.right) : 4;
  });
  let r = Math.random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < entries.length; i++) {
    r -= weights[i];
    if (r <= 0 && weights[i] > 0) return entries[i];
  }
  return entries.find((e) => e.slug !== previous) ?? entries[0];
}

function knownCount(progress) {
  return Object.values(progress.terms).filter((t) => t.lastRight).length;
}

function renderProgress() {
  const progress = loadProgress();
  const total = ui.entries.length;
  replace(
    ui.progressLine,
    h("span", {}, `${progress.correct} of ${progress.answered} answered right`),
    h("span", { class: "dot", "aria-hidden": "true" }, "·"),
    h("span", {}, `${knownCount(progress)} of ${total} terms known`),
    h("progress", { max: String(total), value: String(knownCount(progress)), "aria-label": "Terms known" }),
  );
}

export async function showPractise(view, slug) {
  if (!ui) {
    replace(view, h("h1", { id: "practise-title" }, "Practise"), loading("Loading the glossary…"));
    let entries;
    try {
      entries = (await allEntries()).filter((e) => e.definition.trim());
    } catch (error) {
      replace(view, h("h1", { id: "practise-title" }, "Practise"), errorNotice(error, "The glossary could not be loaded"));
      return;
    }
    if (entries.length < OPTIONS) {
      replace(view, h("h1", { id: "practise-title" }, "Practise"), h("p", { class: "notice" }, "The glossary needs at least four terms for a quiz."));
      return;
    }
    const quiz = h("div", { class: "quiz", testid: "quiz" });
    const progressLine = h("p", { class: "progress-line" });
    const reset = h("button", { type: "button", class: "button small" }, "Reset progress");
    reset.addEventListener("click", () => {
      saveProgress({ answered: 0, correct: 0, terms: {} });
      renderProgress();
    });
    replace(
      view,
      h(
        "div",
        { class: "practise-head" },
        h("h1", { id: "practise-title" }, "Practise"),
        h("p", { class: "lead" }, "Read a definition from the glossary and pick the term it defines. Keys 1–4 choose; Enter goes to the next question."),
        h("div", { class: "progress-row" }, progressLine, reset),
      ),
      quiz,
    );
    quiz.addEventListener("keydown", onKey);
    ui = { quiz, progressLine, entries };
    renderProgress();
    await newRound(slug);
    return;
  }
  renderProgress();
  if (slug && slug !== round?.answer.slug) await newRound(slug);
  else focusHeading(document.getElementById("practise-title"));
}

async function newRound(slug) {
  const progress = loadProgress();
  const term = slug ?? pickAnswer(ui.entries, progress, round?.answer.slug).slug;
  const loadingRound = (round = { loading: true, answer: { slug: term } });
  replace(ui.quiz, loading("Preparing a question…"));
  let question;
  try {
    question = await getJson(`/v1/quiz?${new URLSearchParams({ term })}`);
  } catch (error) {
    replace(ui.quiz, errorNotice(error, "No question could be prepared"));
    return;
  }
  if (round !== loadingRound) return; // another round was asked for meanwhile
  const answer = ui.entries.find((e) => e.slug === question.answer.slug) ?? { ...question.answer, aliases: [], definition: "", sources: [] };
  const options = question.options;
  const buttons = options.map((option) =>
    h(
      "button",
      { type: "button", class: "option", testid: "quiz-choice", dataset: { slug: option.slug }, on: { click: () => choose(option) } },
      h("span", { class: "option-term" }, option.term),
      h("span", { class: "option-verdict" }),
    ),
  );
  const result = h("div", { class: "quiz-result", role: "status" });
  const next = h("button", { type: "button", class: "button primary next", testid: "quiz-next", hidden: true, on: { click: () => void newRound() } }, "Next question");
  round = { answer, options, buttons, result, next };
  replace(
    ui.quiz,
    h(
      "fieldset",
      { class: "quiz-card" },
      h("legend", {}, "Which term does this define?"),
      h("blockquote", { class: "quiz-prompt", testid: "quiz-prompt", dataset: { term: answer.slug } }, question.prompt),
      h("ol", { class: "options" }, buttons.map((b) => h("li", {}, b))),
    ),
    result,
    next,
  );
  buttons[0].focus();
}

function choose(option) {
  if (!round || round.loading || round.chosen) return;
  round.chosen = option;
  const right = option.slug === round.answer.slug;
  const progress = loadProgress();
  const stats = progress.terms[round.answer.slug] ?? { seen: 0, right: 0, lastRight: false };
  stats.seen += 1;
  if (right) stats.right += 1;
  stats.lastRight = right;
  progress.terms[round.answer.slug] = stats;
  progress.answered += 1;
  if (right) progress.correct += 1;
  saveProgress(progress);
  renderProgress();

  for (const button of round.buttons) {
    const slug = button.dataset.slug;
    button.setAttribute("aria-disabled", "true");
    const verdict = button.querySelector(".option-verdict");
    if (slug === round.answer.slug) {
      button.classList.add("is-right");
      verdict.textContent = "correct";
    } else if (slug === option.slug) {
      button.classList.add("is-wrong");
      verdict.textContent = "your answer";
    }
  }
  void renderResult(right);
  round.next.hidden = false;
  round.next.focus();
}

async function renderResult(right) {
  const { answer } = round;
  const target = round.result;
  const titles = await sourceTitles().catch(() => new Map());
  const href = `#/glossary/${encodeURIComponent(answer.slug)}?${new URLSearchParams({ start: String(answer.start), end: String(answer.end) })}`;
  replace(
    target,
    h("p", { class: right ? "verdict right" : "verdict wrong" }, right ? "Right: " : "Not quite. The answer is ", h("strong", {}, answer.term), right ? "." : "."),
    h(
      "figure",
      { class: "quiz-citation" },
      h("blockquote", {}, answer.definition),
      h(
        "figcaption",
        {},
        h("a", { href, class: "entry-link" }, icon("book"), `Glossary: ${answer.term}`),
        " ",
        h("code", {}, `${answer.path} [${answer.start}–${answer.end}]`),
        h("span", { class: "based-on" }, "Based on: ", answer.sources.map((id, i) => [i ? "; " : "", h("a", { href: `#/source/${encodeURIComponent(id)}` }, titles.get(id) ?? id)])),
      ),
    ),
  );
}

function onKey(event) {
  if (!round || round.loading || event.altKey || event.ctrlKey || event.metaKey) return;
  const index = Number(event.key) - 1;
  if (!round.chosen && Number.isInteger(index) && index >= 0 && index < round.buttons.length) {
    event.preventDefault();
    round.buttons[index].click();
    return;
  }
  const at = round.buttons.indexOf(document.activeElement);
  if (at !== -1 && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    round.buttons[(at + step + round.buttons.length) % round.buttons.length].focus();
  } else if (round.chosen && (event.key === "n" || event.key === "N")) {
    event.preventDefault();
    void newRound();
  }
}

// Practise: a glossary definition with its term masked, four terms to choose from (keys 1-4),
// then the answer with its citation (the definition's file and the sources behind it).
// Progress stays in localStorage; terms missed or never seen come back first.
import { focusHeading, h, icon, replace } from "../dom.js";
import { errorNotice, loading } from "./common.js";
import { allEntries, sourceTitles } from "./data.js";

const STORE = "kpo.practise.v1";
const MASK = "░░░";
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

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Masks the names (whole words, plural and possessive forms too), as the Discord quiz does. */
export function maskNames(text, names) {
  const sorted = [...new Set(names.map((n) => n.trim()).filter(Boolean))].sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return text;
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${sorted.map(escapeRegExp).join("|")})(?:'s|’s|es|s)?(?![\\p{L}\\p{N}])`, "giu");
  return text.replace(pattern, MASK);
}

function shuffle(items) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
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

export async function showPractise(view) {
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
    newRound();
    return;
  }
  renderProgress();
  focusHeading(document.getElementById("practise-title"));
}

function newRound() {
  const progress = loadProgress();
  const answer = pickAnswer(ui.entries, progress, round?.answer.slug);
  const names = new Set([answer.term, ...answer.aliases].map((n) => n.toLowerCase()));
  const others = shuffle(ui.entries.filter((e) => e.slug !== answer.slug && !names.has(e.term.toLowerCase()))).slice(0, OPTIONS - 1);
  const options = shuffle([answer, ...others]);
  const buttons = options.map((option, i) =>
    h(
      "button",
      { type: "button", class: "option", dataset: { slug: option.slug }, on: { click: () => choose(option) } },
      h("kbd", { "aria-hidden": "true" }, String(i + 1)),
      h("span", { class: "option-term" }, option.term),
      h("span", { class: "option-verdict" }),
    ),
  );
  const result = h("div", { class: "quiz-result", role: "status" });
  const next = h("button", { type: "button", class: "button primary next", hidden: true, on: { click: newRound } }, "Next question");
  round = { answer, options, buttons, result, next };
  replace(
    ui.quiz,
    h(
      "fieldset",
      { class: "quiz-card" },
      h("legend", {}, "Which term does this define?"),
      h("blockquote", { class: "quiz-prompt" }, maskNames(answer.definition, [answer.term, ...answer.aliases])),
      h("ol", { class: "options" }, buttons.map((b) => h("li", {}, b))),
    ),
    result,
    next,
  );
  buttons[0].focus();
}

function choose(option) {
  if (!round || round.chosen) return;
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
  if (!round || event.altKey || event.ctrlKey || event.metaKey) return;
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
    newRound();
  }
}

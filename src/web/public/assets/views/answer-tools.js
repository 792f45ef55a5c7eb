// Tools on a finished answer: copy it (text, then its sources) and its permanent link, which
// shows this very answer later (kept by the server, GET /v1/answers/{id}) instead of asking again.
import { h, icon } from "../dom.js";

export const permalinkHash = (answer) => `#/answer/${encodeURIComponent(answer.id)}`;

/** The answer as plain text: its Markdown with [n] markers, then "Sources:" with each passage's title and address. */
export function answerAsText(answer) {
  const lines = [answer.answer.trim()];
  if (answer.citations.length) {
    lines.push("", "Sources:");
    for (const c of answer.citations) lines.push(`[${c.n}] ${c.title}${c.url ? ` (${c.url})` : ""}, ${c.path} ${c.start}–${c.end}`);
  }
  lines.push("", `Permanent link: ${new URL(permalinkHash(answer), location.href).href}`);
  return lines.join("\n");
}

async function copyText(text) {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // No permission (an embedded frame, an old browser): the selection fallback below.
    }
  }
  const area = h("textarea", { class: "visually-hidden", readonly: true, "aria-hidden": "true", tabindex: "-1" });
  area.value = text;
  document.body.append(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  if (!copied) throw new Error("the browser did not allow copying");
}

export function answerTools(answer) {
  const note = h("span", { class: "tools-note", role: "status" });
  const copy = h("button", { type: "button", class: "button small icon-button", testid: "copy-answer" }, icon("copy"), "Copy answer");
  copy.addEventListener("click", async () => {
    try {
      await copyText(answerAsText(answer));
      note.textContent = "Answer copied, with its sources.";
    } catch (error) {
      note.textContent = `Could not copy: ${error.message}.`;
    }
  });
  const link = h("a", { class: "button small icon-button", href: permalinkHash(answer), testid: "answer-permalink" }, icon("link"), "Permanent link", h("span", { class: "visually-hidden" }, " to this answer"));
  return h("div", { class: "answer-tools" }, copy, link, note);
}

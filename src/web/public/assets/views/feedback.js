// 👍/👎 under an answer. A rating is recorded at once; a 👎 then offers an optional reason:
// one click on wrong, missing, unclear or off-topic, or a few words in the reason box (sent
// with "Send"). The reason is added to the rating already recorded (PATCH /v1/feedback/{id}).
import { patchJson, postJson } from "../api.js";
import { h, icon } from "../dom.js";

const REASONS = [
  ["wrong", "Wrong"],
  ["missing", "Missing something"],
  ["unclear", "Unclear"],
  ["off-topic", "Off-topic"],
];

let panels = 0;

export function feedback(answer) {
  const note = h("span", { class: "feedback-note", role: "status" });
  const up = h("button", { type: "button", class: "button icon-button", testid: "feedback-up", "aria-pressed": "false" }, icon("up"), "Helpful");
  const down = h("button", { type: "button", class: "button icon-button", testid: "feedback-down", "aria-pressed": "false" }, icon("down"), "Not helpful");
  const panel = h("div", { class: "feedback-panel", hidden: true });
  let recorded; // the POST of the rating, whose record a reason amends

  const rate = (rating, button, other) => async () => {
    button.disabled = true;
    other.disabled = true;
    recorded = postJson("/v1/feedback", { answerId: answer.id, rating });
    if (rating === "down") openReasons();
    try {
      await recorded;
      button.setAttribute("aria-pressed", "true");
      note.textContent = rating === "up" ? "Thanks, your feedback was recorded." : "Thanks, your feedback was recorded. What was wrong? (optional)";
    } catch (error) {
      recorded = undefined;
      button.disabled = false;
      other.disabled = false;
      panel.hidden = true;
      note.textContent = `Feedback was not recorded: ${error.message}`;
    }
  };
  up.addEventListener("click", rate("up", up, down));
  down.addEventListener("click", rate("down", down, up));

  function openReasons() {
    const id = `feedback-reason-${++panels}`;
    const text = h("textarea", { id, class: "reason-text", testid: "feedback-reason", rows: "2", maxlength: "2000", placeholder: "e.g. the date is wrong, or it leaves out the risks" });
    const submit = h("button", { type: "submit", class: "button primary small", testid: "feedback-submit" }, "Send");
    const send = async (reason) => {
      const comment = text.value.trim();
      const body = { ...(reason ? { reason } : {}), ...(comment ? { comment } : {}) };
      for (const control of panel.querySelectorAll("button, textarea")) control.disabled = true;
      try {
        if (!recorded) throw new Error("the rating itself was not recorded");
        const record = await recorded;
        if (Object.keys(body).length) await patchJson(`/v1/feedback/${encodeURIComponent(record.id)}`, body);
        panel.hidden = true;
        note.textContent = Object.keys(body).length ? "Thanks, your reason was recorded with your rating." : "Thanks, your feedback was recorded.";
        down.focus();
      } catch (error) {
        for (const control of panel.querySelectorAll("button, textarea")) control.disabled = false;
        note.textContent = `The reason was not recorded: ${error.message}`;
      }
    };
    const form = h(
      "form",
      {
        class: "reason-form",
        "aria-label": "What was wrong with this answer?",
        on: {
          submit(event) {
            event.preventDefault();
            void send();
          },
        },
      },
      h("p", { class: "reason-title" }, "What was wrong? Pick one, or say it in your words (optional)."),
      h(
        "ul",
        { class: "reason-chips" },
        REASONS.map(([reason, label]) => h("li", {}, h("button", { type: "button", class: "chip", dataset: { reason }, on: { click: () => void send(reason) } }, label))),
      ),
      h("label", { class: "field-label", for: id }, "In your words"),
      h("div", { class: "reason-row" }, text, submit),
    );
    panel.replaceChildren(form);
    panel.hidden = false;
    text.focus();
  }

  return h(
    "div",
    { class: "feedback-block" },
    h("div", { class: "feedback", role: "group", "aria-label": "Was this answer helpful?" }, h("span", { class: "feedback-label" }, "Was this helpful?"), up, down, note),
    panel,
  );
}

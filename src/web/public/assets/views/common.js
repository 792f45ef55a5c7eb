// Pieces the views share: loading and error notices, and the way back to where the reader was.
import { ApiError } from "../api.js";
import { h, icon } from "../dom.js";

/** The route shown before the current one (set by the router). */
export const navigation = { previous: undefined };

export function loading(message) {
  return h("p", { class: "pending", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), message);
}

export function errorNotice(error, what) {
  let detail = "the server could not be reached; is it still running?";
  if (error instanceof ApiError) {
    if (error.status === 401) detail = "this server needs an API key (use the “API key” button at the top)";
    else if (error.status === 503) detail = "the assistant is still loading its index; try again in a few seconds";
    else detail = error.message;
  }
  return h("p", { class: "notice error", role: "alert" }, `${what}: ${detail}.`);
}

/** "Back to the answer" returns to the kept answer (history.back keeps its scroll position). */
export function backLink() {
  const fromAnswer = navigation.previous?.view === "ask";
  const fromGlossary = navigation.previous?.view === "glossary";
  const label = fromAnswer ? "Back to the answer" : fromGlossary ? "Back to the glossary" : "Ask a question";
  const href = fromGlossary ? navigation.previous.hash : "#/";
  return h(
    "a",
    {
      class: "back-link",
      href,
      on: {
        click(event) {
          if (fromAnswer || fromGlossary) {
            event.preventDefault();
            history.back();
          }
        },
      },
    },
    icon("back"),
    label,
  );
}

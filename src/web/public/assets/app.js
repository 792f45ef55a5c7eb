// The page's entry: a hash router over the views (ask, source, glossary, practise, and admin for
// curators) and the API key dialog. Views other than ask load on first use, so `/` stays small.
import { apiKey, onUnauthorized, setApiKey } from "./api.js";
import { focusHeading } from "./dom.js";
import { mountAsk, showAsk } from "./views/ask.js";
import { navigation } from "./views/common.js";

const TITLES = { ask: "Ask", source: "Source", glossary: "Glossary", practise: "Practise", admin: "Admin" };

/** "#/glossary/KPO?start=1" -> { view: "glossary", arg: "KPO", params } */
function parseRoute(hash) {
  const [pathPart, query = ""] = hash.replace(/^#/, "").split("?");
  const segments = pathPart.split("/").filter(Boolean);
  const params = new URLSearchParams(query);
  const arg = segments[1] === undefined ? undefined : decodeURIComponent(segments.slice(1).join("/"));
  if (segments[0] === "source" && arg) return { view: "source", arg, params, hash };
  if (segments[0] === "glossary") return { view: "glossary", arg, params, hash };
  if (segments[0] === "practise") return { view: "practise", arg, params, hash };
  if (segments[0] === "admin") return { view: "admin", params, hash };
  // "#/answer/<id>": an answer given earlier, shown in the ask view.
  if (segments[0] === "answer" && arg) return { view: "ask", answerId: arg, params, hash };
  return { view: "ask", params, hash };
}

let shown;

async function route() {
  // In-page anchors such as the skip link (#main) are not routes.
  if (location.hash && !location.hash.startsWith("#/")) return;
  const next = parseRoute(location.hash || "#/");
  const changedView = shown?.view !== next.view;
  navigation.previous = shown;
  shown = next;
  for (const section of document.querySelectorAll("main > .view")) {
    section.hidden = section.dataset.view !== next.view;
    // A highlight belongs to one visit of a citation: a view left behind drops its own.
    if (section.hidden) for (const mark of section.querySelectorAll("mark.highlight")) mark.replaceWith(...mark.childNodes);
  }
  for (const link of document.querySelectorAll(".mainnav a")) {
    const active = link.dataset.nav === next.view || (next.view === "source" && link.dataset.nav === "ask");
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${TITLES[next.view]} · KPO onboarding`;
  const view = document.getElementById(`view-${next.view}`);
  if (next.view === "ask") {
    showAsk(next.params, next.answerId);
    if (changedView && navigation.previous) focusHeading(document.getElementById("ask-title"));
  } else if (next.view === "source") {
    const { showSource } = await import("./views/source.js");
    await showSource(view, next.arg, next.params);
  } else if (next.view === "glossary") {
    const { showGlossary } = await import("./views/glossary.js");
    await showGlossary(view, next.arg, next.params);
  } else if (next.view === "admin") {
    const { showAdmin } = await import("./views/admin.js");
    await showAdmin(view);
  } else {
    const { showPractise } = await import("./views/practise.js");
    await showPractise(view, next.arg);
  }
  document.body.dataset.view = next.view;
}

function mountKeyDialog() {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  const button = document.getElementById("key-button");
  const open = () => {
    input.value = apiKey();
    button.hidden = false;
    if (!dialog.open) dialog.showModal();
    input.focus();
  };
  button.addEventListener("click", open);
  if (apiKey()) button.hidden = false;
  onUnauthorized(open);
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue === "save" || dialog.returnValue === "clear") {
      setApiKey(dialog.returnValue === "save" ? input.value.trim() : "");
      const { resetData } = await import("./views/data.js");
      resetData();
      document.dispatchEvent(new CustomEvent("kpo:key"));
      if (shown && shown.view !== "ask") void route();
    }
  });
}

mountAsk();
mountKeyDialog();
window.addEventListener("hashchange", () => void route());
void route();

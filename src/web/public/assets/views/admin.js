// Admin: the curator's screen, over the admin endpoints of the API with an ADMIN_API_KEYS key
// (kept for this tab only). Documents: what is in the corpus, add one (upload with progress; a
// refusal is shown as the server words it), remove one (after a confirmation). Coverage gaps:
// what people asked that the sources do not answer, grouped by meaning, to mark resolved once
// covered. Feedback: the latest ratings with their reasons, questions and answers.
import { adminJson, adminKey, ApiError, setAdminKey, uploadDocument } from "../api.js";
import { focusHeading, h, icon, replace } from "../dom.js";
import { loading } from "./common.js";

const ACCEPT = ".md,.markdown,.txt,.html,.htm,.pdf,.docx";

let ui; // { keyForm, keyInput, status, documents, gaps, feedback, uploadStatus }

const when = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "—");
const day = (iso) => (iso ? new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" }) : "—");
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The server's problem as it words it: title and detail. */
function problemText(error) {
  if (!(error instanceof ApiError)) return `The server could not be reached (${error.message}).`;
  const { title, detail } = error.problem;
  return detail ? `${title ? `${title}: ` : ""}${detail}` : (title ?? `HTTP ${error.status}`);
}

function keyProblem(error) {
  if (error instanceof ApiError && error.status === 401) return "That admin key is not valid. Check it and try again.";
  if (error instanceof ApiError && error.status === 403) return `This key cannot use the admin endpoints: ${problemText(error)}`;
  return undefined;
}

export async function showAdmin(view) {
  if (!ui) build(view);
  if (adminKey()) await refreshAll();
  else focusHeading(document.getElementById("admin-title"));
}

function build(view) {
  const keyInput = h("input", { id: "admin-key", type: "password", testid: "admin-key", autocomplete: "off", spellcheck: "false", "aria-describedby": "admin-key-help", required: true });
  const forget = h("button", { type: "button", class: "button", hidden: !adminKey() }, "Forget key");
  const keyForm = h(
    "form",
    { class: "admin-key-form", novalidate: true },
    h("label", { class: "field-label", for: "admin-key" }, "Admin key"),
    h("div", { class: "ask-row" }, keyInput, h("button", { type: "submit", class: "button primary" }, "Open"), forget),
    h("p", { class: "hint", id: "admin-key-help" }, "One of the server's ADMIN_API_KEYS. It is kept in this browser tab only and sent to the admin endpoints."),
  );
  keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (!key) {
      keyInput.setAttribute("aria-invalid", "true");
      replace(ui.status, h("p", { class: "notice error", role: "alert" }, "Enter the admin key first."));
      keyInput.focus();
      return;
    }
    keyInput.removeAttribute("aria-invalid");
    setAdminKey(key);
    keyInput.value = "";
    forget.hidden = false;
    void refreshAll();
  });
  forget.addEventListener("click", () => {
    setAdminKey("");
    forget.hidden = true;
    for (const section of [ui.documents, ui.gaps, ui.feedback]) replace(section.body);
    replace(ui.status, h("p", { class: "notice" }, "The admin key is forgotten in this tab."));
    keyInput.focus();
  });

  const upload = h("input", { id: "admin-upload", type: "file", testid: "admin-upload", accept: ACCEPT, "aria-describedby": "admin-upload-help" });
  upload.addEventListener("change", () => {
    const [file] = upload.files;
    if (file) void uploadFile(file).finally(() => (upload.value = ""));
  });
  const uploadStatus = h("div", { class: "upload-status" });

  const section = (id, title, intro, extra) => {
    const body = h("div", { class: "admin-body" });
    const refresh = h("button", { type: "button", class: "button small" }, "Refresh", h("span", { class: "visually-hidden" }, ` ${title.toLowerCase()}`));
    const el = h(
      "section",
      { class: "admin-section", "aria-labelledby": `${id}-title`, testid: id },
      h("div", { class: "admin-section-head" }, h("h2", { id: `${id}-title` }, title), refresh),
      h("p", { class: "hint" }, intro),
      extra,
      body,
    );
    return { el, body, refresh };
  };
  const documents = section(
    "admin-documents",
    "Documents",
    "The sources answers may quote. Removing one takes it out of the corpus and rebuilds the index without it.",
    h(
      "div",
      { class: "upload" },
      h("label", { class: "field-label", for: "admin-upload" }, "Add a document"),
      upload,
      h("p", { class: "hint", id: "admin-upload-help" }, "Markdown, text, HTML, PDF or Word. It is checked, indexed and answerable within a minute; one that cannot be read is refused and changes nothing."),
      uploadStatus,
    ),
  );
  const gaps = section(
    "admin-gaps",
    "Coverage gaps",
    "Questions the sources could not answer (or whose answers were rated not helpful), grouped by meaning, largest first. Add a document or a glossary entry that covers one, then mark it resolved; it also closes by itself once a question of it is answered after the corpus changed, and opens again if asked again unanswered.",
  );
  const feedback = section("admin-feedback", "Feedback", "The latest ratings, newest first, with the reason given and the question asked.");
  documents.refresh.addEventListener("click", () => void loadDocuments());
  gaps.refresh.addEventListener("click", () => void loadGaps());
  feedback.refresh.addEventListener("click", () => void loadFeedback());

  const status = h("div", { class: "admin-status" });
  replace(
    view,
    h(
      "div",
      { class: "admin-head" },
      h("h1", { id: "admin-title" }, "Curate the knowledge base"),
      h("p", { class: "lead" }, "For the people who keep the sources: documents, the questions they do not answer yet, and what readers said."),
      keyForm,
      status,
    ),
    documents.el,
    gaps.el,
    feedback.el,
  );
  ui = { keyForm, keyInput, status, documents, gaps, feedback, uploadStatus };
}

async function refreshAll() {
  replace(ui.status);
  await Promise.all([loadDocuments(), loadGaps(), loadFeedback()]);
}

/** Runs one section's request; a key problem is said once at the top, anything else in the section. */
async function load(section, what, fetcher, render) {
  replace(section.body, loading(`Loading ${what}…`));
  try {
    render(await fetcher());
  } catch (error) {
    const keyMessage = keyProblem(error);
    replace(section.body);
    if (keyMessage) {
      replace(ui.status, h("p", { class: "notice error", role: "alert" }, keyMessage));
      ui.keyInput.focus();
    } else {
      replace(section.body, h("p", { class: "notice error", role: "alert" }, `${what[0].toUpperCase()}${what.slice(1)} could not be loaded: ${problemText(error)}`));
    }
  }
}

// ---- documents ----

function loadDocuments() {
  return load(ui.documents, "the documents", () => adminJson("/v1/documents"), renderDocuments);
}

const STATES = { indexed: "indexed", pending: "being indexed", failed: "failed", unsupported: "unsupported format" };

function renderDocuments({ documents }) {
  if (documents.length === 0) return replace(ui.documents.body, h("p", { class: "empty" }, "No documents yet. Add one above."));
  replace(
    ui.documents.body,
    h(
      "ul",
      { class: "admin-list documents-list" },
      documents.map((d) => {
        const remove = h("button", { type: "button", class: "button small danger", testid: "admin-remove", dataset: { id: d.id } }, "Remove", h("span", { class: "visually-hidden" }, ` ${d.title ?? d.id}`));
        remove.addEventListener("click", () => void removeDocument(d, remove));
        const facts = [
          d.kind ? d.kind.replace(/-/g, " ") : d.format,
          d.pages ? plural(d.pages, "page") : null,
          d.chunks === null ? null : plural(d.chunks, "chunk"),
          d.addedAt ? `added ${when(d.addedAt)}` : null,
        ].filter(Boolean);
        return h(
          "li",
          { class: "admin-row", testid: "admin-document", dataset: { id: d.id, state: d.state } },
          h(
            "div",
            { class: "admin-row-main" },
            h("p", { class: "row-title" }, d.state === "indexed" ? h("a", { href: `#/source/${encodeURIComponent(d.id)}` }, d.title ?? d.id) : (d.title ?? d.id)),
            h("p", { class: "row-meta" }, h("code", {}, d.id), " · ", facts.join(" · ")),
            d.state === "indexed" ? null : h("p", { class: `row-state state-${d.state}` }, STATES[d.state] ?? d.state, d.error ? `: ${d.error}` : ""),
          ),
          d.state === "failed" || d.state === "unsupported" ? null : remove,
        );
      }),
    ),
  );
}

async function uploadFile(file) {
  const bar = h("progress", { max: "1", value: "0", "aria-label": `Uploading ${file.name}` });
  const line = h("span", { role: "status" }, `Uploading ${file.name}…`);
  replace(ui.uploadStatus, h("div", { class: "upload-progress" }, bar, line));
  try {
    const added = await uploadDocument(file, (share) => {
      bar.value = share;
      line.textContent = share < 1 ? `Uploading ${file.name}: ${Math.round(share * 100)}%` : `Indexing ${file.name}: reading it and rebuilding the index…`;
    });
    bar.value = 1;
    replace(
      ui.uploadStatus,
      h(
        "p",
        { class: "notice ok", role: "status" },
        `${added.replaced ? "Replaced" : "Added"} “${added.source.title}” (${plural(added.source.chunks, "chunk")}). It is in the index and answers can cite it now.`,
      ),
    );
    await loadDocuments();
  } catch (error) {
    replace(ui.uploadStatus, h("p", { class: "notice error", role: "alert" }, `${file.name} was not added. ${problemText(error)}`));
    const keyMessage = keyProblem(error);
    if (keyMessage) replace(ui.status, h("p", { class: "notice error", role: "alert" }, keyMessage));
  }
}

async function removeDocument(doc, button) {
  const name = doc.title ? `“${doc.title}” (${doc.id})` : doc.id;
  if (!window.confirm(`Remove ${name} from the corpus? Answers will no longer cite it; the index is rebuilt without it.`)) return;
  button.disabled = true;
  replace(ui.uploadStatus, h("p", { class: "notice", role: "status" }, `Removing ${doc.id} and rebuilding the index…`));
  try {
    await adminJson(`/v1/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
    replace(ui.uploadStatus, h("p", { class: "notice ok", role: "status" }, `Removed ${name}.`));
    await loadDocuments();
  } catch (error) {
    button.disabled = false;
    replace(ui.uploadStatus, h("p", { class: "notice error", role: "alert" }, `${doc.id} was not removed. ${problemText(error)}`));
  }
}

// ---- coverage gaps ----

function loadGaps() {
  return load(ui.gaps, "the coverage gaps", () => adminJson("/v1/gaps"), renderGaps);
}

function renderGaps(report) {
  const open = report.groups.length
    ? h(
        "ul",
        { class: "admin-list gaps-list" },
        report.groups.map((g) => {
          const resolve = h("button", { type: "button", class: "button small", testid: "gap-resolve", dataset: { id: g.id } }, "Mark resolved", h("span", { class: "visually-hidden" }, `: ${g.examples[0]}`));
          resolve.addEventListener("click", () => void resolveGap(g, resolve));
          return h(
            "li",
            { class: "admin-row", testid: "admin-gap", dataset: { id: g.id } },
            h(
              "div",
              { class: "admin-row-main" },
              h("p", { class: "row-title" }, h("span", { class: "count" }, `${g.count}×`), " ", `“${g.examples[0]}”`),
              g.examples.length > 1 ? h("ul", { class: "examples-list", "aria-label": "Other wordings" }, g.examples.slice(1).map((e) => h("li", {}, `“${e}”`))) : null,
              h(
                "p",
                { class: "row-meta" },
                [g.notFound ? `${g.notFound} not found` : null, g.ratedDown ? `${g.ratedDown} rated not helpful` : null].filter(Boolean).join(", "),
                ` · first ${day(g.firstSeen)} · last ${day(g.lastSeen)}`,
              ),
              g.relatedTerms.length
                ? h("p", { class: "row-meta" }, "Related terms: ", g.relatedTerms.map((t, i) => [i ? ", " : "", h("a", { href: `#/glossary/${encodeURIComponent(t)}` }, t)]))
                : null,
            ),
            resolve,
          );
        }),
      )
    : h("p", { class: "empty" }, "No open gaps: every question logged was answered, or its gap is resolved.");
  const resolved = report.resolved.length
    ? h(
        "details",
        { class: "resolved-gaps" },
        h("summary", {}, `Recently resolved (${report.resolved.length})`),
        h(
          "ul",
          { class: "admin-list" },
          report.resolved.map((r) =>
            h(
              "li",
              { class: "admin-row" },
              h(
                "div",
                { class: "admin-row-main" },
                h("p", { class: "row-title" }, `${r.count}× “${r.examples[0]}”`),
                h("p", { class: "row-meta" }, r.resolvedBy === "curator" ? `Marked resolved ${when(r.resolvedAt)}` : `Answered ${when(r.resolvedAt)}: “${r.answered}”`),
              ),
            ),
          ),
        ),
      )
    : null;
  replace(ui.gaps.body, open, resolved);
}

async function resolveGap(gap, button) {
  button.disabled = true;
  try {
    await adminJson(`/v1/gaps/${encodeURIComponent(gap.id)}/resolve`, { method: "POST" });
    await loadGaps();
    const heading = document.getElementById("admin-gaps-title");
    replace(ui.status, h("p", { class: "notice ok", role: "status" }, `Resolved “${gap.examples[0]}”. It comes back if it is asked again and still not answered.`));
    focusHeading(heading);
  } catch (error) {
    button.disabled = false;
    replace(ui.status, h("p", { class: "notice error", role: "alert" }, `The gap was not resolved: ${problemText(error)}`));
  }
}

// ---- feedback ----

function loadFeedback() {
  return load(ui.feedback, "the feedback", () => adminJson("/v1/feedback?limit=100"), renderFeedback);
}

const REASONS = { wrong: "Wrong", missing: "Missing something", unclear: "Unclear", "off-topic": "Off-topic" };

function renderFeedback({ items }) {
  if (items.length === 0) return replace(ui.feedback.body, h("p", { class: "empty" }, "No feedback yet."));
  replace(
    ui.feedback.body,
    h(
      "ul",
      { class: "admin-list feedback-list" },
      items.map((f) =>
        h(
          "li",
          { class: `admin-row rating-${f.rating}`, dataset: { id: f.id } },
          h(
            "div",
            { class: "admin-row-main" },
            h(
              "p",
              { class: "row-title" },
              h("span", { class: "rating" }, icon(f.rating), f.rating === "up" ? "Helpful" : "Not helpful"),
              f.reason ? h("span", { class: "reason-tag" }, REASONS[f.reason] ?? f.reason) : null,
            ),
            f.comment ? h("blockquote", { class: "feedback-comment" }, f.comment) : null,
            h(
              "p",
              { class: "row-meta" },
              f.question === null ? h("span", {}, "question not logged") : h("span", {}, "On “", f.question, "”"),
              f.answerStatus && f.answerStatus !== "answered" ? ` (${f.answerStatus.replace("_", " ")})` : "",
              " · ",
              h("a", { href: `#/answer/${encodeURIComponent(f.answerId)}` }, "the answer"),
              ` · ${f.channel} · ${when(f.at)}`,
            ),
          ),
        ),
      ),
    ),
  );
}

// The page's only way to the data: the HTTP API of the same origin (see /openapi.json).
// When the server sets API_KEYS, the key the user enters is kept in sessionStorage (this tab
// only, gone when it closes) and sent as "Authorization: Bearer <key>".

const KEY_STORAGE = "kpo.apiKey";

export function apiKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return "";
  }
}

export function setApiKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage may be disabled; the key then lasts until the page reloads.
  }
  memoryKey = key;
}

let memoryKey = "";
const unauthorizedListeners = new Set();

/** Called with the ApiError whenever the API answers 401 (no key, or a wrong one). */
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
}

/** An RFC 9457 problem answered by the API. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

function headers(extra = {}) {
  const key = apiKey() || memoryKey;
  return { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...extra };
}

async function fail(response) {
  let problem = {};
  try {
    problem = await response.json();
  } catch {
    problem = { title: response.statusText };
  }
  const error = new ApiError(response.status, problem);
  if (response.status === 401) for (const listener of unauthorizedListeners) listener(error);
  throw error;
}

export async function getJson(path, { signal } = {}) {
  const response = await fetch(path, { headers: headers({ Accept: "application/json" }), signal });
  if (!response.ok) await fail(response);
  return response.json();
}

export async function postJson(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: headers({ Accept: "application/json", "Content-Type": "application/json" }),
    body: JSON.stringify(body),
  });
  if (!response.ok) await fail(response);
  return response.json();
}

/**
 * POST /v1/ask as Server-Sent Events (EventSource cannot POST, so the stream is read with
 * fetch): `citations`, then `delta`s in order, then `done` with the final Answer, or `error`.
 */
export async function askStream(question, { history = [], onCitations, onDelta, signal }) {
  const response = await fetch("/v1/ask", {
    method: "POST",
    headers: headers({ Accept: "text/event-stream", "Content-Type": "application/json" }),
    body: JSON.stringify(history.length ? { question, history } : { question }),
    signal,
  });
  if (!response.ok) await fail(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = { name: "message", data: [] };
  let answer;
  const dispatch = () => {
    if (event.data.length === 0) return;
    const data = JSON.parse(event.data.join("\n"));
    if (event.name === "citations") onCitations(data.citations);
    else if (event.name === "delta") onDelta(data.text);
    else if (event.name === "done") answer = data;
    else if (event.name === "error") throw new ApiError(data.status ?? 500, data);
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop();
    for (const line of lines) {
      if (line === "") {
        dispatch();
        event = { name: "message", data: [] };
      } else if (line.startsWith(":")) {
        continue;
      } else {
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event.name = value;
        else if (field === "data") event.data.push(value);
      }
    }
  }
  dispatch();
  if (!answer) throw new ApiError(502, { title: "The answer stream ended early", detail: "The answer stream ended before the answer was complete; try again." });
  return answer;
}

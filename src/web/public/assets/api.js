// The page's only way to the data: the HTTP API of the same origin (see /openapi.json).
// When the server sets API_KEYS, the key the user enters is kept in sessionStorage (this tab
// only, gone when it closes) and sent as "Authorization: Bearer <key>". The admin view's key
// (ADMIN_API_KEYS) is kept the same way, apart, and sent only on admin calls.

const KEY_STORAGE = "kpo.apiKey";
const ADMIN_KEY_STORAGE = "kpo.adminKey";
const memory = new Map();

function storedKey(name) {
  try {
    return sessionStorage.getItem(name) ?? memory.get(name) ?? "";
  } catch {
    return memory.get(name) ?? "";
  }
}

function storeKey(name, key) {
  try {
    if (key) sessionStorage.setItem(name, key);
    else sessionStorage.removeItem(name);
  } catch {
    // Storage may be disabled; the key then lasts until the page reloads.
  }
  memory.set(name, key);
}

export const apiKey = () => storedKey(KEY_STORAGE);
export const setApiKey = (key) => storeKey(KEY_STORAGE, key);
export const adminKey = () => storedKey(ADMIN_KEY_STORAGE);
export const setAdminKey = (key) => storeKey(ADMIN_KEY_STORAGE, key);
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

function headers(extra = {}, key = apiKey()) {
  return { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...extra };
}

/** The API's problem as an ApiError; a 401 on an ordinary call asks for the API key. */
async function fail(response, { admin = false } = {}) {
  let problem = {};
  try {
    problem = await response.json();
  } catch {
    problem = { title: response.statusText };
  }
  const error = new ApiError(response.status, problem);
  if (response.status === 401 && !admin) for (const listener of unauthorizedListeners) listener(error);
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

export async function patchJson(path, body) {
  const response = await fetch(path, {
    method: "PATCH",
    headers: headers({ Accept: "application/json", "Content-Type": "application/json" }),
    body: JSON.stringify(body),
  });
  if (!response.ok) await fail(response);
  return response.json();
}

/** An admin endpoint with the admin key (GET, POST or DELETE); a 401 or 403 is the view's to explain. */
export async function adminJson(path, { method = "GET", body } = {}) {
  const response = await fetch(path, {
    method,
    headers: headers({ Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }) }, adminKey()),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) await fail(response, { admin: true });
  return response.json();
}

/**
 * POST /v1/documents (multipart field "file") with the admin key. XMLHttpRequest, because
 * fetch reports no upload progress: `onProgress(share)` gets 0-1 while the bytes go up, then
 * the server parses and indexes the document before it answers.
 */
export function uploadDocument(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/documents");
    xhr.setRequestHeader("Accept", "application/json");
    const key = adminKey();
    if (key) xhr.setRequestHeader("Authorization", `Bearer ${key}`);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.upload.addEventListener("load", () => onProgress(1));
    xhr.addEventListener("error", () => reject(new TypeError("the server could not be reached")));
    xhr.addEventListener("load", () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { title: xhr.statusText };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body));
    });
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
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

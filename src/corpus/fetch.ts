import { lookup } from "node:dns/promises";
import path from "node:path";
import ipaddr from "ipaddr.js";
import { AppError } from "../errors.ts";
import { formatOf, SUPPORTED_EXTENSIONS } from "./formats/index.ts";
import { safeSourceName } from "./library.ts";

/** A URL that cannot be fetched as a document; the message says why. */
export class FetchError extends AppError {
  readonly status: 400 | 413 | 415 | 502;

  constructor(
    message: string,
    status: 400 | 413 | 415 | 502 = 502,
  ) {
    super("fetch", message);
    this.status = status;
  }
}

export interface FetchOptions {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
  /** False for URLs that arrive over HTTP: loopback, link-local and private addresses are refused. */
  allowPrivate: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  "text/html": ".html",
  "application/xhtml+xml": ".html",
  "application/pdf": ".pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
  "text/markdown": ".md",
  "text/x-markdown": ".md",
  "text/plain": ".txt",
};

/** Refuses hosts that resolve to loopback, link-local, private or other non-public ranges (SSRF). */
async function assertPublic(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = ipaddr.isValid(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    throw new FetchError(`cannot resolve ${url.hostname}`, 400);
  }
  for (const address of addresses) {
    const parsed = ipaddr.process(address);
    if (parsed.range() !== "unicast") throw new FetchError(`${url.hostname} resolves to ${address} (${parsed.range()}); only public addresses can be fetched`, 400);
  }
}

/**
 * Fetches a document by URL: http(s) only, redirects followed by hand (each hop checked) up
 * to a cap, an overall timeout, a size cap enforced while streaming, and a content type the
 * corpus can read. Returns a file name (from the URL path, or the host and path with the
 * extension the content type implies).
 */
export async function fetchDocument(input: string, options: FetchOptions): Promise<{ name: string; bytes: Buffer; url: string }> {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new FetchError(`${JSON.stringify(input)} is not a URL`, 400);
  }
  const signal = AbortSignal.timeout(options.timeoutMs);
  const maxRedirects = options.maxRedirects ?? 5;
  let response: Response;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new FetchError(`only http and https URLs can be fetched (got ${url.protocol})`, 400);
    if (!options.allowPrivate) await assertPublic(url);
    try {
      response = await fetch(url, { redirect: "manual", signal, headers: { accept: Object.keys(CONTENT_TYPES).join(", ") } });
    } catch (error) {
      const timedOut = (error as Error).name === "TimeoutError";
      throw new FetchError(timedOut ? `${url.href} did not answer within ${options.timeoutMs} ms` : `cannot fetch ${url.href}: ${(error as Error).message}`);
    }
    if (response.status >= 300 && response.status < 400 && response.headers.get("location")) {
      await response.body?.cancel();
      if (hop >= maxRedirects) throw new FetchError(`${input} redirects more than ${maxRedirects} times`);
      url = new URL(response.headers.get("location")!, url);
      continue;
    }
    break;
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new FetchError(`${url.href} answered ${response.status} ${response.statusText}`);
  }
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const ext = CONTENT_TYPES[type];
  if (!ext) {
    await response.body?.cancel();
    throw new FetchError(`${url.href} is ${type || "of no declared type"}; the corpus reads ${Object.keys(CONTENT_TYPES).join(", ")} (${SUPPORTED_EXTENSIONS.join(", ")})`, 415);
  }
  const declared = Number(response.headers.get("content-length"));
  if (declared > options.maxBytes) {
    await response.body?.cancel();
    throw new FetchError(`${url.href} is ${declared} bytes, over the ${options.maxBytes}-byte limit`, 413);
  }
  const parts: Buffer[] = [];
  let size = 0;
  try {
    // Node's web streams are async iterable (the DOM typings some test files load do not say so).
    for await (const part of (response.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
      size += part.length;
      if (size > options.maxBytes) throw new FetchError(`${url.href} is larger than the ${options.maxBytes}-byte limit`, 413);
      parts.push(Buffer.from(part));
    }
  } catch (error) {
    if (error instanceof FetchError) throw error;
    throw new FetchError(`reading ${url.href} failed: ${(error as Error).message}`);
  }
  // The URL's own file name when its extension matches the content type, else host and path.
  const segment = url.pathname.split("/").filter(Boolean).at(-1) ?? "";
  let last: string;
  try {
    last = decodeURIComponent(segment);
  } catch {
    last = segment; // malformed percent-encoding: the name as written
  }
  const name = formatOf(last) && formatOf(last) === formatOf(`x${ext}`) ? last : `${url.hostname}${url.pathname.replace(/\/+$/, "")}`.replace(/\//g, "-") + ext;
  return { name: safeSourceName(name), bytes: Buffer.concat(parts), url: url.href };
}

/**
 * `npm run probe:hostile`: what users and the internet can send, against the real server
 * (`src/main.ts`, what `npm start` runs) on loopback, over a copy of the corpus in a temp folder
 * (the repository's corpus is never touched). Prints each probe's figures and whether it holds:
 *
 *   1. 600 idle connections held for 30 s by one client while others are served
 *   2. questions with invalid UTF-8, a lone surrogate, a NUL or a control character -> 400
 *   3. 20 uploads in a row (each republishes the index): RSS growth <= 200 MB, no leaked threads or handles
 *   4. a DOCX of ~1 MB that unzips to 300 MB -> 4xx within 60 s, /v1/ask served meanwhile
 *   5. a 100,000-page PDF -> 4xx within 90 s, /v1/ask served meanwhile
 *   6. (extra) a 20 MB HTML page, with /v1/ask served meanwhile
 *
 * PROBE_DATA_DIR reuses an index folder between runs (the first run builds it: a few minutes);
 * PROBE_ONLY=1,4 runs only some probes.
 */
import { cp, mkdir, mkdtemp, readdir, readlink, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { makeZip } from "../test/support/documents.ts";
import { benchServerEnv, median, rssOf, serveUntilReady, type ServedApi } from "./support/served.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const ADMIN = "probe-admin-key-0000000001";
const only = process.env.PROBE_ONLY ? new Set(process.env.PROBE_ONLY.split(",").map(Number)) : undefined;
const MB = 1024 * 1024;

interface Verdict {
  probe: string;
  holds: boolean;
  figures: string;
}
const verdicts: Verdict[] = [];
const report = (probe: string, holds: boolean, figures: string) => {
  verdicts.push({ probe, holds, figures });
  process.stdout.write(`${holds ? "HOLDS" : "FAILS"}  ${probe}\n       ${figures}\n`);
};

/** Threads, descriptors and descriptors on deleted files of a process, from /proc. */
async function handles(pid: number) {
  const fds = await readdir(`/proc/${pid}/fd`);
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => "")));
  return { threads: (await readdir(`/proc/${pid}/task`)).length, fds: fds.length, deleted: targets.filter((t) => t.endsWith("(deleted)")).length };
}

/** GET or POST on a fresh connection (no pooling: each one must be accepted under the flood), from `localAddress`. */
function request(api: ServedApi, method: "GET" | "POST", pathname: string, body?: Buffer | string, headers: Record<string, string> = {}, localAddress = "127.0.0.1") {
  const url = new URL(api.url);
  const started = performance.now();
  return new Promise<{ status: number; ms: number; body: string }>((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, path: pathname, method, headers, localAddress, agent: false, timeout: 30_000 }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, ms: performance.now() - started, body: text }));
      res.on("error", () => resolve({ status: 0, ms: performance.now() - started, body: "" }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (error) => resolve({ status: 0, ms: performance.now() - started, body: error.message }));
    req.end(body);
  });
}

const ask = (api: ServedApi, question = "What is KPO?", localAddress?: string) =>
  request(api, "POST", "/v1/ask", JSON.stringify({ question }), { "content-type": "application/json" }, localAddress);

/** Asks every `everyMs` until stopped; returns the latencies and failures seen. */
function askMeanwhile(api: ServedApi, everyMs = 250) {
  let stop = false;
  const latencies: number[] = [];
  let failures = 0;
  const loop = (async () => {
    for (let i = 0; !stop; i++) {
      const res = await ask(api, ["What is KPO?", "kpo vs bpo?", "What does BPO stand for?"][i % 3]);
      if (res.status === 200) latencies.push(res.ms);
      else failures++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async end() {
      stop = true;
      await loop;
      return { asked: latencies.length + failures, failures, p50: latencies.length ? median(latencies) : NaN, max: Math.max(0, ...latencies) };
    },
  };
}

/** Samples the server's RSS every 250 ms until stopped. */
function watchRss(pid: number) {
  let stop = false;
  let max = 0;
  const loop = (async () => {
    while (!stop) {
      max = Math.max(max, await rssOf(pid));
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async end() {
      stop = true;
      await loop;
      return max;
    },
  };
}

function upload(api: ServedApi, name: string, bytes: Buffer, type: string) {
  const boundary = `----probe${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return request(api, "POST", "/v1/documents", body, { "content-type": `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${ADMIN}` });
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const detail = (body: string) => {
  try {
    const problem = JSON.parse(body) as { detail?: string; limit?: string };
    return `${problem.limit ? `limit ${problem.limit}: ` : ""}${problem.detail ?? ""}`.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
};

// ---- probes ----

async function idleFlood(api: ServedApi): Promise<void> {
  const url = new URL(api.url);
  const target = 600;
  const open = new Set<net.Socket>();
  let opened = 0;
  let closedByServer = 0;
  let stop = false;
  // One hostile client: 600 connections that never send a byte, each reopened a second after the server drops it.
  const connect = () => {
    if (stop) return;
    const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress: "127.0.0.1" });
    opened++;
    open.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => {
      open.delete(socket);
      if (!stop) {
        closedByServer++;
        setTimeout(connect, 1_000);
      }
    });
  };
  for (let i = 0; i < target; i++) connect();
  // Other clients (127.0.0.2, 127.0.0.3) ask throughout; a few requests also come from the flooding address itself.
  const results: { path: string; status: number; ms: number; from: string }[] = [];
  const started = performance.now();
  for (let i = 0; performance.now() - started < 30_000; i++) {
    const from = i % 5 === 4 ? "127.0.0.1" : i % 2 ? "127.0.0.2" : "127.0.0.3";
    const which = i % 3;
    const res = which === 0 ? await request(api, "GET", "/healthz", undefined, {}, from) : which === 1 ? await request(api, "GET", "/readyz", undefined, {}, from) : await ask(api, "What is KPO?", from);
    results.push({ path: ["/healthz", "/readyz", "/v1/ask"][which]!, status: res.status, ms: res.ms, from });
    await new Promise((r) => setTimeout(r, 200));
  }
  const serverDescriptors = (await handles(api.child.pid!)).fds;
  stop = true;
  for (const socket of open) socket.destroy();
  const others = results.filter((r) => r.from !== "127.0.0.1");
  const ok = others.filter((r) => r.status === 200);
  const byPath = ["/healthz", "/readyz", "/v1/ask"].map((p) => `${p} ${others.filter((r) => r.path === p && r.status === 200).length}/${others.filter((r) => r.path === p).length}`).join(", ");
  const same = results.filter((r) => r.from === "127.0.0.1");
  report(
    "600 idle connections from one client for 30 s while others are served",
    ok.length === others.length,
    `other clients served ${ok.length}/${others.length} (${byPath}), latency p50 ${median(ok.map((r) => r.ms)).toFixed(0)} ms, max ${Math.max(...ok.map((r) => r.ms)).toFixed(0)} ms; ` +
      `requests from the flooding address itself served ${same.filter((r) => r.status === 200).length}/${same.length}; ` +
      `flood: ${opened} connections opened (each reopened 1 s after being dropped), ${closedByServer} dropped by the server; server descriptors at the end ${serverDescriptors}`,
  );
}

async function badText(api: ServedApi): Promise<void> {
  const cases: [string, Buffer | string][] = [
    ["invalid UTF-8 byte", Buffer.concat([Buffer.from('{"question":"What is '), Buffer.from([0xff, 0xfe]), Buffer.from(' KPO?"}')])],
    ["truncated UTF-8 sequence", Buffer.concat([Buffer.from('{"question":"KPO '), Buffer.from([0xe6, 0x96]), Buffer.from('"}')])],
    ["lone surrogate", '{"question":"What is \\ud800 KPO?"}'],
    ["NUL", '{"question":"What is\\u0000 KPO?"}'],
    ["escape character", '{"question":"\\u001b[31mWhat is KPO?"}'],
  ];
  const lines: string[] = [];
  let holds = true;
  for (const [what, body] of cases) {
    const res = await request(api, "POST", "/v1/ask", body, { "content-type": "application/json" });
    const named = /field "question"/.test(detail(res.body));
    holds &&= res.status === 400 && named;
    lines.push(`${what}: ${res.status}${named ? ' naming "question"' : ""}`);
  }
  const fine = await ask(api, "What is\tKPO?\nAnd BPO? 🤔");
  holds &&= fine.status === 200;
  report("questions with invalid UTF-8, a lone surrogate or control characters get 400 naming the field", holds, `${lines.join("; ")}; tab, newline and emoji: ${fine.status}`);
}

async function uploads(api: ServedApi): Promise<void> {
  const pid = api.child.pid!;
  for (let i = 0; i < 3; i++) await ask(api);
  const before = { rss: await rssOf(pid), ...(await handles(pid)) };
  const started = performance.now();
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const text = `Probe note ${i}\n\nThe probe's vendor ${i} runs a delivery centre that reviews service level ${i + 3} every ${i + 2} weeks with the client's governance board.\n`;
    const res = await upload(api, `probe-note-${i}.txt`, Buffer.from(text), "text/plain");
    statuses.push(res.status);
    if (res.status !== 201) process.stdout.write(`       upload ${i}: ${res.status} ${detail(res.body)}\n`);
    await ask(api);
  }
  // Replaced indexes close once their last request is done.
  await new Promise((r) => setTimeout(r, 3_000));
  const after = { rss: await rssOf(pid), ...(await handles(pid)) };
  const growth = after.rss - before.rss;
  const holds = statuses.every((s) => s === 201) && growth <= 200 && after.threads <= before.threads + 2 && after.deleted === 0 && after.fds <= before.fds + 5;
  report(
    "20 uploads in a row: RSS growth <= 200 MB, no leaked threads or handles",
    holds,
    `${statuses.filter((s) => s === 201).length}/20 added in ${fmt(performance.now() - started)}; RSS ${before.rss.toFixed(0)} -> ${after.rss.toFixed(0)} MB (${growth >= 0 ? "+" : ""}${growth.toFixed(0)}), ` +
      `threads ${before.threads} -> ${after.threads}, descriptors ${before.fds} -> ${after.fds}, on deleted files ${before.deleted} -> ${after.deleted}`,
  );
}

/** Sends a hostile document while /v1/ask is asked every 250 ms; the answer must be 4xx within `withinMs`. */
async function hostileUpload(api: ServedApi, probe: string, name: string, bytes: Buffer, type: string, withinMs: number): Promise<void> {
  const pid = api.child.pid!;
  const rssBefore = await rssOf(pid);
  const meanwhile = askMeanwhile(api);
  const rss = watchRss(pid);
  const res = await upload(api, name, bytes, type);
  const asked = await meanwhile.end();
  const rssMax = await rss.end();
  await new Promise((r) => setTimeout(r, 1_000));
  const rssAfter = await rssOf(pid);
  const holds = res.status >= 400 && res.status < 500 && res.ms <= withinMs && asked.failures === 0 && asked.asked > 0;
  report(
    probe,
    holds,
    `${(bytes.length / MB).toFixed(2)} MB sent: ${res.status} in ${fmt(res.ms)} (${detail(res.body)}); /v1/ask meanwhile ${asked.asked - asked.failures}/${asked.asked} answered, ` +
      `p50 ${asked.p50.toFixed(0)} ms, max ${asked.max.toFixed(0)} ms; server RSS ${rssBefore.toFixed(0)} MB, at most ${rssMax.toFixed(0)}, after ${rssAfter.toFixed(0)}`,
  );
}

/** A DOCX whose body unzips to `bodyBytes` (truthful headers): what a 1 MB -> 300 MB bomb looks like. */
function docxBomb(bodyBytes: number): Buffer {
  // Five different paragraphs over and over: about 1.3 MB deflated.
  const unit = Array.from({ length: 5 }, (_, i) => `<w:p><w:r><w:t>Clause ${i * 7919} of the sourcing policy.</w:t></w:r></w:p>`).join("");
  const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${unit.repeat(Math.ceil(bodyBytes / unit.length))}</w:body></w:document>`);
  const types =
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
  const rels =
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
  return makeZip([
    { name: "[Content_Types].xml", data: Buffer.from(types) },
    { name: "_rels/.rels", data: Buffer.from(rels) },
    { name: "word/document.xml", data: body },
  ]);
}

/**
 * A PDF of `pages` one-line pages, each with its own line, written by hand (pdf-lib takes minutes
 * for 100,000): the pages inherit their font and size from the page tree, so 100,000 fit in about
 * 17 MB, under MAX_UPLOAD_MB.
 */
function manyPagePdf(pages: number): Buffer {
  const parts: string[] = ["%PDF-1.7\n"];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  const add = (body: string) => {
    offsets.push(length);
    const object = `${offsets.length} 0 obj\n${body}\nendobj\n`;
    parts.push(object);
    length += Buffer.byteLength(object);
  };
  // 1 catalog, 2 page tree, 3 font, then a page and its content per page.
  const kids = Array.from({ length: pages }, (_, i) => `${4 + 2 * i} 0 R`).join(" ");
  add("<</Type/Catalog/Pages 2 0 R>>");
  add(`<</Type/Pages/Count ${pages}/MediaBox[0 0 612 792]/Resources<</Font<</F1 3 0 R>>>>/Kids[${kids}]>>`);
  add("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>");
  for (let i = 0; i < pages; i++) {
    add(`<</Type/Page/Parent 2 0 R/Contents ${5 + 2 * i} 0 R>>`);
    const stream = `BT/F1 11 Tf 50 740 Td(Service review ${i + 1}.)Tj ET`;
    add(`<</Length ${stream.length}>>stream\n${stream}\nendstream`);
  }
  const xref = [`xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`)].join("");
  parts.push(xref, `trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`);
  return Buffer.from(parts.join(""));
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-probe-"));
  const corpus = path.join(tmp, "corpus");
  await cp(path.join(ROOT, "corpus"), corpus, { recursive: true });
  const dataDir = process.env.PROBE_DATA_DIR ?? path.join(tmp, "data");
  await mkdir(dataDir, { recursive: true });
  process.stdout.write(`probe: corpus copied to ${corpus}, index in ${dataDir}; starting the server (a first run builds the index)\n`);
  const api = await serveUntilReady({ ...benchServerEnv(corpus, dataDir), ADMIN_API_KEYS: ADMIN, ANSWER_CACHE_SIZE: "1000" });
  process.stdout.write(`probe: server ${api.url} (pid ${api.child.pid}) ready in ${api.readyS.toFixed(1)} s\n\n`);
  try {
    if (!only || only.has(1)) await idleFlood(api);
    if (!only || only.has(2)) await badText(api);
    if (!only || only.has(3)) await uploads(api);
    if (!only || only.has(4)) await hostileUpload(api, "a DOCX that unzips to 300 MB: 4xx within 60 s, /v1/ask served meanwhile", "bomb.docx", docxBomb(300 * MB), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 60_000);
    if (!only || only.has(5)) await hostileUpload(api, "a 100,000-page PDF: 4xx within 90 s, /v1/ask served meanwhile", "pages.pdf", manyPagePdf(100_000), "application/pdf", 90_000);
    if (!only || only.has(6)) {
      const html = `<html><body><article>${"<div class=\"row\"><p>Offshore delivery centre notes.</p></div>".repeat(Math.ceil((20 * MB) / 60))}</article></body></html>`;
      await hostileUpload(api, "(extra) a 20 MB HTML page: 4xx, /v1/ask served meanwhile", "huge.html", Buffer.from(html), "text/html", 90_000);
    }
  } finally {
    await api.stop();
    if (!process.env.PROBE_DATA_DIR) await rm(tmp, { recursive: true, force: true });
    else await rm(corpus, { recursive: true, force: true });
  }
  const failed = verdicts.filter((v) => !v.holds);
  process.stdout.write(`\n${verdicts.length - failed.length} of ${verdicts.length} probes hold${failed.length ? `; failing: ${failed.map((v) => v.probe).join(" | ")}` : ""}\n`);
  process.exitCode = failed.length ? 1 : 0;
}

await main();

/**
 * Entry point of the extraction process (see isolated.ts): loads the parsers, says so, then
 * extracts each document it is sent under the limits sent with it and answers with the text or
 * the error. It exits when its parent goes away.
 */
import { DocumentLimitError } from "../../errors.ts";
import { extractDocument } from "./index.ts";
import type { ExtractionJob, ExtractionReply } from "./isolated.ts";

process.title = "kpo-extract";
const send = (message: ExtractionReply | { ready: true }) => process.send!(message);

process.on("message", async ({ format, bytes, rel, limits }: ExtractionJob) => {
  try {
    // The bytes arrive as a Uint8Array (structured clone); the extractors take a Buffer.
    const extracted = await extractDocument(format, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), rel, limits);
    send({ extracted });
  } catch (error) {
    const e = error as Error & { file?: string };
    const limit = error instanceof DocumentLimitError ? { setting: error.setting, status: error.status, reason: error.reason } : {};
    send({ error: { name: e.name ?? "Error", message: e.message ?? String(error), file: e.file, ...limit } });
  }
});
process.on("disconnect", () => process.exit(0));
// Ctrl-C reaches the whole process group: the parent decides (a server drains, `kpo add` undoes), then this exits with it.
process.on("SIGINT", () => undefined);
send({ ready: true });

import { CorpusError } from "../../errors.ts";

// ignoreBOM keeps a leading U+FEFF, as readFile(..., "utf8") does, so offsets match what citation checkers read.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes strictly: invalid UTF-8 is an error naming the file, never silently replaced characters. */
export function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    // Point at the first bad byte: a lossy decode marks it with U+FFFD.
    const lossy = bytes.toString("utf8");
    const at = Math.max(0, lossy.indexOf("\uFFFD"));
    const line = lossy.slice(0, at).split("\n").length;
    throw new CorpusError(file, `is not valid UTF-8 (line ${line}, byte ${Buffer.byteLength(lossy.slice(0, at))}); save it as UTF-8 text`, { cause });
  }
}

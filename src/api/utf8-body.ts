import { isUtf8 } from "node:buffer";
import { z } from "zod";
import { HttpProblem } from "./problem.ts";

/**
 * Invalid UTF-8 in a JSON body. body-parser decodes with replacement characters, so after
 * JSON.parse a broken byte is indistinguishable from a U+FFFD the client meant: the raw bytes are
 * checked first (express.json's `verify`), and the field holding the first broken byte is named.
 */

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Continuation bytes each lead byte needs, and the range its first one must fall in (no overlongs, no surrogates, nothing past U+10FFFF).
    const [count, low, high] =
      lead >= 0xc2 && lead <= 0xdf ? [1, 0x80, 0xbf]
      : lead === 0xe0 ? [2, 0xa0, 0xbf]
      : lead === 0xed ? [2, 0x80, 0x9f]
      : lead >= 0xe1 && lead <= 0xef ? [2, 0x80, 0xbf]
      : lead === 0xf0 ? [3, 0x90, 0xbf]
      : lead >= 0xf1 && lead <= 0xf3 ? [3, 0x80, 0xbf]
      : lead === 0xf4 ? [3, 0x80, 0x8f]
      : [0, 0, 0];
    if (count === 0 || i + count >= bytes.length) return i;
    if (bytes[i + 1]! < low || bytes[i + 1]! > high) return i;
    for (let k = 2; k <= count; k++) if (bytes[i + k]! < 0x80 || bytes[i + k]! > 0xbf) return i;
    i += count + 1;
  }
  return -1;
}

/** A sentinel for the broken byte: a noncharacter, which no client sends in a question. */
const SENTINEL = "\uFFFF";

/** The JSON path (["history", 0, "question"]) of the first string holding the sentinel, key or value. */
function pathOf(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value === "string") return value.includes(SENTINEL) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = pathOf(item, [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes(SENTINEL)) return [...path, key];
      const found = pathOf(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** A 400 naming the field whose text is not valid UTF-8; undefined when the body is valid UTF-8. */
export function invalidUtf8Problem(body: Buffer): HttpProblem | undefined {
  if (isUtf8(body)) return undefined;
  const at = firstInvalidUtf8(body);
  const message = `is not valid UTF-8 (byte ${at} of the body); send text encoded as UTF-8`;
  let path: (string | number)[] | undefined;
  try {
    path = pathOf(JSON.parse(`${body.toString("utf8", 0, at)}${SENTINEL}${body.toString("utf8", at + 1)}`));
  } catch {
    // Not JSON either way: the byte offset is all there is to say.
  }
  if (!path?.length) return new HttpProblem(400, `the request body ${message}`);
  return HttpProblem.validation("body", new z.ZodError([{ code: "custom", path, message, input: undefined }]));
}

import { createInflateRaw } from "node:zlib";
import { CorpusError, DocumentLimitError } from "../../errors.ts";
import { megabytes, type ExtractLimits } from "./limits.ts";

/**
 * Checks a zip (a DOCX) against EXTRACT_MAX_ZIP_ENTRY_MB and EXTRACT_MAX_UNZIPPED_MB before any
 * parser opens it: first the sizes its central directory declares, then the sizes its entries
 * really inflate to (a bomb can declare 1 KB and inflate to gigabytes), counted while inflating
 * and stopped as soon as a limit is passed, so checking never holds more than one chunk.
 */

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  declaredSize: number;
  localHeader: number;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/** The entries listed in the central directory (zip64 sizes and offsets read from their extra field). */
function centralDirectory(bytes: Buffer, rel: string): Entry[] {
  const corrupt = (why: string) => new CorpusError(rel, `is not a readable Word document (${why}); save it again as .docx`);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt("no zip central directory");
  let count = bytes.readUInt16LE(eocd + 10);
  let offset = bytes.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || bytes.readUInt32LE(locator) !== ZIP64_EOCD_LOCATOR) throw corrupt("a zip64 directory without its locator");
    const zip64 = Number(bytes.readBigUInt64LE(locator + 8));
    if (zip64 + 56 > bytes.length) throw corrupt("a zip64 directory outside the file");
    count = Number(bytes.readBigUInt64LE(zip64 + 32));
    offset = Number(bytes.readBigUInt64LE(zip64 + 48));
  }
  const entries: Entry[] = [];
  for (let at = offset, i = 0; i < count; i++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL_HEADER) throw corrupt("a damaged zip central directory");
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const entry: Entry = {
      name: bytes.toString("utf8", at + 46, at + 46 + nameLength),
      method: bytes.readUInt16LE(at + 10),
      compressedSize: bytes.readUInt32LE(at + 20),
      declaredSize: bytes.readUInt32LE(at + 24),
      localHeader: bytes.readUInt32LE(at + 42),
    };
    // Zip64: the fields set to 0xFFFFFFFF follow in the extra field 0x0001, in this order.
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = bytes.readUInt16LE(x);
      const size = bytes.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let field = x + 4;
        const next = () => {
          const value = Number(bytes.readBigUInt64LE(field));
          field += 8;
          return value;
        };
        if (entry.declaredSize === 0xffffffff) entry.declaredSize = next();
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
        if (entry.localHeader === 0xffffffff) entry.localHeader = next();
      }
      x += 4 + size;
    }
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Bytes `data` inflates to, or `cap + 1` as soon as it passes `cap` (inflating stops there). */
function inflatedSize(data: Buffer, cap: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflate = createInflateRaw();
    let size = 0;
    inflate.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        inflate.destroy();
        resolve(cap + 1);
      }
    });
    inflate.once("end", () => resolve(size));
    inflate.once("error", reject);
    inflate.end(data);
  });
}

export async function checkZip(bytes: Buffer, limits: ExtractLimits, rel: string): Promise<void> {
  const entries = centralDirectory(bytes, rel);
  const entryLimit = (entry: Entry, size: string) =>
    new DocumentLimitError(rel, "EXTRACT_MAX_ZIP_ENTRY_MB", `holds ${entry.name}, which unzips to ${size}, over the ${megabytes(limits.maxZipEntryBytes)} limit for one part`);
  const totalLimit = (size: string) => new DocumentLimitError(rel, "EXTRACT_MAX_UNZIPPED_MB", `unzips to ${size}, over the ${megabytes(limits.maxZipTotalBytes)} limit`);

  let declared = 0;
  for (const entry of entries) {
    if (entry.declaredSize > limits.maxZipEntryBytes) throw entryLimit(entry, megabytes(entry.declaredSize));
    declared += entry.declaredSize;
  }
  if (declared > limits.maxZipTotalBytes) throw totalLimit(megabytes(declared));

  let total = 0;
  for (const entry of entries) {
    // Stored entries are as large as their bytes; inflating stops one byte past what is left.
    let size = entry.compressedSize;
    const cap = Math.min(limits.maxZipEntryBytes, limits.maxZipTotalBytes - total);
    if (entry.method === 8) {
      const at = entry.localHeader;
      if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL_HEADER) throw new CorpusError(rel, `is not a readable Word document (a damaged zip entry ${entry.name}); save it again as .docx`);
      const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
      size = await inflatedSize(bytes.subarray(start, start + entry.compressedSize), cap).catch((error: Error) => {
        throw new CorpusError(rel, `is not a readable Word document (zip entry ${entry.name}: ${error.message}); save it again as .docx`, { cause: error });
      });
    }
    if (size > limits.maxZipEntryBytes) throw entryLimit(entry, size > cap ? `more than ${megabytes(cap)}` : megabytes(size));
    total += size;
    if (total > limits.maxZipTotalBytes) throw totalLimit(`more than ${megabytes(limits.maxZipTotalBytes)}`);
  }
}

import { Document, HeadingLevel, Packer, Paragraph } from "docx";
import { crc32, deflateRawSync } from "node:zlib";
import { PDFDocument, StandardFonts } from "pdf-lib";

/** A PDF with one text page per entry (each entry is the page's lines), made with pdf-lib. */
export async function makePdf(pages: string[][], info: { title?: string; author?: string } = {}): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  // Fixed dates keep the bytes (and so the content hash) the same on every run.
  pdf.setCreationDate(new Date("2025-01-01T00:00:00Z"));
  pdf.setModificationDate(new Date("2025-01-01T00:00:00Z"));
  if (info.title) pdf.setTitle(info.title);
  if (info.author) pdf.setAuthor(info.author);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = pdf.addPage([612, 792]);
    lines.forEach((line, i) => page.drawText(line, { x: 50, y: 740 - i * 16, size: 11, font }));
  }
  return Buffer.from(await pdf.save());
}

/** A PDF whose pages have no text layer (what a scan looks like to a text extractor). */
export async function makeImageOnlyPdf(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([612, 792]);
  page.drawRectangle({ x: 50, y: 50, width: 300, height: 200 });
  return Buffer.from(await pdf.save());
}

/** A Word document: `[level, text]` headings and plain paragraphs, made with docx. */
export async function makeDocx(blocks: ({ heading: 1 | 2 | 3; text: string } | string)[]): Promise<Buffer> {
  const levels = { 1: HeadingLevel.HEADING_1, 2: HeadingLevel.HEADING_2, 3: HeadingLevel.HEADING_3 } as const;
  const children = blocks.map((b) => (typeof b === "string" ? new Paragraph(b) : new Paragraph({ text: b.text, heading: levels[b.heading] })));
  return Packer.toBuffer(new Document({ creator: "test", sections: [{ children }] }));
}

export const ARTICLE_SENTENCES = [
  "Nearshore delivery centres let a client work with a provider in a neighbouring time zone, which keeps meetings inside normal office hours.",
  "A governance board meets every month to review service levels, open risks and the backlog of change requests.",
  "Knowledge transfer is planned in three waves, so that the provider's analysts shadow the client's experts before they take over the work.",
  "The contract caps the provider's liability at twelve months of fees and names an escrow agent for the source code.",
];

/** A news-style page: navigation, a cookie banner, an ad, the article, a comment thread and a footer. */
export function htmlPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Nearshore delivery explained | Outsourcing Weekly</title>
<meta property="og:title" content="Nearshore delivery explained">
<meta property="og:site_name" content="Outsourcing Weekly">
<meta property="og:url" content="https://outsourcing-weekly.example/nearshore-delivery">
<meta name="author" content="Dana Rivers">
<script>window.tracker = "TRACKING-SCRIPT-TEXT";</script>
</head><body>
<div class="cookie-banner" id="cookie-consent"><p>We use cookies to improve your experience. COOKIE-BANNER-TEXT Accept all cookies?</p><button>Accept</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">NAV-NEWS-LINK</a></li><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li></ul></nav></header>
<main>
<article>
<h1>Nearshore delivery explained</h1>
<p class="byline">By Dana Rivers</p>
<p>${ARTICLE_SENTENCES[0]} Many firms pick nearshore partners for work that needs frequent conversations with the business. The model sits between onshore and offshore delivery on cost and on convenience.</p>
<div class="ad-slot advertisement" id="ad-top"><p>ADVERT-TEXT: Buy the best outsourcing software today, fifty percent off for new customers this week only!</p></div>
<h2>How the engagement is governed</h2>
<p>${ARTICLE_SENTENCES[1]} The board also approves any change to the scope of work, and it escalates disputes to the executive sponsors on both sides.</p>
<p>${ARTICLE_SENTENCES[2]} Each wave ends with a review of the documentation the provider wrote while learning the work.</p>
<h2>What the contract says</h2>
<p>${ARTICLE_SENTENCES[3]} Termination for convenience needs ninety days of notice and a paid exit plan from the provider.</p>
</article>
</main>
<section class="comments" id="comments"><h3>Comments</h3>
<div class="comment"><p>COMMENT-TEXT: This is nonsense, offshore is always cheaper and I have worked in this field for twenty years!</p></div>
<div class="comment"><p>COMMENT-TEXT: Great article, thanks for sharing it with all of us here.</p></div>
</section>
<footer><p>FOOTER-TEXT Copyright 2025 Outsourcing Weekly. All rights reserved.</p><ul><li>Privacy</li><li>Terms</li></ul></footer>
</body></html>
`;
}

/** Boilerplate markers in htmlPage(): none may reach the index. */
export const HTML_BOILERPLATE = ["TRACKING-SCRIPT-TEXT", "COOKIE-BANNER-TEXT", "NAV-NEWS-LINK", "ADVERT-TEXT", "COMMENT-TEXT", "FOOTER-TEXT"];

/** One file of a zip built by makeZip; `declaredSize` overrides the uncompressed size written in its headers (a bomb may lie). */
export interface ZipEntry {
  name: string;
  data: Buffer;
  declaredSize?: number;
}

/** A zip built by hand (deflated entries, a central directory), so a test controls what its headers declare. */
export function makeZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const compressed = deflateRawSync(entry.data, { level: 9 });
    const fields = (header: Buffer, at: number) => {
      header.writeUInt16LE(20, at); // version needed
      header.writeUInt16LE(0x0800, at + 2); // UTF-8 names
      header.writeUInt16LE(8, at + 4); // deflate
      header.writeUInt32LE(0, at + 6); // time and date
      header.writeUInt32LE(crc32(entry.data), at + 10);
      header.writeUInt32LE(compressed.length, at + 14);
      header.writeUInt32LE(entry.declaredSize ?? entry.data.length, at + 18);
      header.writeUInt16LE(name.length, at + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    fields(local, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    fields(central, 6);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * A Word document whose body (word/document.xml) inflates to about `bodyBytes` of paragraphs
 * while the file stays small (the text repeats), the shape of a DOCX bomb. `declaredBodySize`
 * makes its headers lie about that size.
 */
export function makeDocxBomb(bodyBytes: number, declaredBodySize?: number): Buffer {
  const paragraph = "<w:p><w:r><w:t>Outsourcing governance review notes.</w:t></w:r></w:p>";
  const body = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraph.repeat(Math.ceil(bodyBytes / paragraph.length))}</w:body></w:document>`;
  return makeZip([
    {
      name: "[Content_Types].xml",
      data: Buffer.from(
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
      ),
    },
    {
      name: "_rels/.rels",
      data: Buffer.from(
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
      ),
    },
    { name: "word/document.xml", data: Buffer.from(body), declaredSize: declaredBodySize },
  ]);
}

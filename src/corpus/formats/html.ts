import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import { CorpusError } from "../../errors.ts";
import { collapse, validMeta, type Extracted } from "./types.ts";

/**
 * HTML -> article text with @mozilla/readability over a linkedom DOM: navigation, ads,
 * footers, cookie banners and comment threads are left out; headings become Markdown
 * "## heading" lines so the cleaner and chunker keep them as the section path.
 */

const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "SVG", "IFRAME", "BUTTON", "FORM", "INPUT", "SELECT", "TEXTAREA"]);
const BLOCK = new Set([
  "P", "DIV", "SECTION", "ARTICLE", "MAIN", "BLOCKQUOTE", "PRE", "TABLE", "THEAD", "TBODY", "TR", "FIGURE", "FIGCAPTION",
  "HEADER", "FOOTER", "DL", "DT", "DD", "ADDRESS", "UL", "OL", "HR", "BODY", "ASIDE", "NAV",
]);
/** Page chrome removed when readability finds no article and the whole body is used instead. */
const CHROME_SELECTOR =
  "nav, header, footer, aside, form, [role=navigation], [role=banner], [role=contentinfo], [aria-hidden=true], [class*=cookie], [id*=cookie], [class*=comment], [id*=comment], [class*=advert], [id*=advert], [class*=banner]";

type DomNode = { nodeType: number; nodeName: string; textContent: string | null; childNodes: ArrayLike<DomNode> };

/** Block-level HTML as Markdown-like text: "# heading" lines, "- item" lines, paragraphs separated by blank lines. */
export function htmlToText(root: DomNode): string {
  const out: string[] = [];
  let line = "";
  let prefix = "";
  const flush = () => {
    const text = collapse(line);
    if (text) out.push(prefix + text);
    line = "";
    prefix = "";
  };
  const walk = (node: DomNode) => {
    if (node.nodeType === 3) {
      line += node.textContent ?? "";
      return;
    }
    if (node.nodeType !== 1) return;
    const tag = node.nodeName.toUpperCase();
    if (SKIP.has(tag)) return;
    const heading = /^H([1-6])$/.exec(tag);
    if (heading) {
      flush();
      const text = collapse(node.textContent ?? "");
      if (text) out.push(`${"#".repeat(Number(heading[1]))} ${text}`);
      return;
    }
    if (tag === "BR") return flush();
    if (tag === "LI") {
      flush();
      prefix = "- ";
      for (const child of Array.from(node.childNodes)) walk(child);
      flush();
      return;
    }
    if (tag === "TABLE") {
      flush();
      out.push(...tableLines(node));
      return;
    }
    if (tag === "TD" || tag === "TH") line += " ";
    const block = BLOCK.has(tag);
    if (block) flush();
    for (const child of Array.from(node.childNodes)) walk(child);
    if (block) flush();
  };
  walk(root);
  flush();
  return out.join("\n\n") + "\n";
}

type Element = DomNode & { querySelectorAll(selector: string): ArrayLike<Element>; parentNode: Element | null };

/**
 * A table as one list line per row, so a row is quoted whole: with a header row, each cell is
 * labelled by its column ("- Name: Niamh Gallagher; Role: Head of Procurement"), otherwise the
 * cells are joined with " | ". A header row is one of <th> cells, in <thead>, or all in bold.
 */
function tableLines(table: DomNode): string[] {
  const element = table as Element;
  const rows = Array.from(element.querySelectorAll("tr")).filter((tr) => closestTable(tr) === element);
  const cellsOf = (tr: Element) => Array.from(tr.childNodes).filter((c) => c.nodeType === 1 && /^T[DH]$/i.test(c.nodeName)) as Element[];
  const text = (cell: Element) => collapse(cell.textContent ?? "");
  const first = rows[0] ? cellsOf(rows[0]) : [];
  const boldOnly = (cell: Element) => text(cell) !== "" && collapse(Array.from(cell.querySelectorAll("strong, b")).map((b) => b.textContent ?? "").join(" ")) === text(cell);
  const hasHeader = rows.length > 1 && first.length > 1 && (first.every((c) => c.nodeName.toUpperCase() === "TH") || rows[0]!.parentNode?.nodeName.toUpperCase() === "THEAD" || first.every(boldOnly));
  const header = hasHeader ? first.map(text) : undefined;
  return rows.slice(hasHeader ? 1 : 0).flatMap((tr) => {
    const cells = cellsOf(tr).map(text);
    if (!cells.some(Boolean)) return [];
    const line = header ? cells.map((c, i) => (header[i] && c ? `${header[i]}: ${c}` : c)).filter(Boolean).join("; ") : cells.filter(Boolean).join(" | ");
    return [`- ${line}`];
  });
}

function closestTable(node: Element): Element | null {
  let at = node.parentNode;
  while (at && at.nodeName.toUpperCase() !== "TABLE") at = at.parentNode;
  return at;
}

type HtmlDocument = ReturnType<typeof parseHTML>["document"];

/**
 * Class or id words that mark page furniture rather than article text. Readability keeps ad
 * slots and consent banners that sit inside the article container, so they go first.
 */
const FURNITURE = new Set([
  "ad", "ads", "adslot", "advert", "adverts", "advertisement", "advertising", "sponsored", "promo", "promotion",
  "cookie", "cookies", "consent", "gdpr", "newsletter", "subscribe", "comment", "comments", "disqus", "share", "sharing",
  "social", "related", "popup", "modal", "breadcrumb", "breadcrumbs", "byline", "author-bio",
]);

function removeFurniture(document: HtmlDocument): void {
  for (const node of Array.from(document.querySelectorAll("[class], [id]")) as { getAttribute(n: string): string | null; remove(): void; tagName: string }[]) {
    if (/^(?:HTML|BODY|MAIN|ARTICLE)$/i.test(node.tagName)) continue;
    const words = `${node.getAttribute("class") ?? ""} ${node.getAttribute("id") ?? ""}`.toLowerCase().split(/[\s_-]+/);
    if (words.some((w) => FURNITURE.has(w))) node.remove();
  }
  for (const node of Array.from(document.querySelectorAll("nav, aside, footer, form, [role=navigation], [role=complementary], [role=contentinfo]")) as { remove(): void }[]) node.remove();
}

function metaContent(document: HtmlDocument, selectors: string[]): string | undefined {
  for (const selector of selectors) {
    const value = document.querySelector(selector)?.getAttribute("content") ?? document.querySelector(selector)?.getAttribute("href");
    if (value?.trim()) return value.trim();
  }
  return undefined;
}

export function extractHtml(html: string, rel: string): Extracted {
  const { document } = parseHTML(html);
  for (const node of Array.from(document.querySelectorAll("script, style, noscript, template")) as { remove(): void }[]) node.remove();
  const visibleChars = collapse(document.body?.textContent ?? "").length;
  const meta = validMeta({
    title: metaContent(document, ['meta[property="og:title"]']) ?? document.querySelector("title")?.textContent ?? undefined,
    publisher: metaContent(document, ['meta[property="og:site_name"]', 'meta[name="application-name"]']),
    author: metaContent(document, ['meta[name="author"]', 'meta[property="article:author"]']),
    url: metaContent(document, ['meta[property="og:url"]', 'link[rel="canonical"]']),
    updated: metaContent(document, ['meta[property="article:modified_time"]', 'meta[property="article:published_time"]']),
  });

  // Readability mutates the document it reads, so it gets its own copy.
  const readable = parseHTML(html).document;
  removeFurniture(readable);
  const article = new Readability(readable as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 200 }).parse();
  let body: string;
  if (article?.content && collapse(article.textContent ?? "").length > 0) {
    body = htmlToText(parseHTML(`<html><body>${article.content}</body></html>`).document.body as unknown as DomNode);
    meta.title ??= validMeta({ title: article.title ?? undefined }).title;
    meta.author ??= validMeta({ author: article.byline ?? undefined }).author;
    meta.publisher ??= validMeta({ publisher: article.siteName ?? undefined }).publisher;
  } else {
    // Too little text for readability to pick an article: the body without its page chrome.
    removeFurniture(document);
    for (const node of Array.from(document.querySelectorAll(CHROME_SELECTOR)) as { remove(): void }[]) node.remove();
    body = document.body ? htmlToText(document.body as unknown as DomNode) : "";
  }
  if (!collapse(body)) throw new CorpusError(rel, "has no article text: after removing navigation, scripts and page chrome nothing is left");
  const title = meta.title;
  const startsWithTitle = title && body.startsWith("#") && collapse(body.split("\n")[0]!.replace(/^#+/, "")) === collapse(title);
  const text = title && !startsWithTitle ? `# ${collapse(title)}\n\n${body}` : body;
  return { text, bodyStart: 0, meta, visibleChars };
}

/**
 * Page titles often end with the site's name ("Vendor SLA guide | Acme Sourcing Office");
 * citations and the source view want the document's own title, with the site as its
 * publisher. A trailing segment is the site's name when it is the publisher already known,
 * looks like a domain, or follows a separator sites use for that (" | ", " · ", " :: ") and is
 * a short name; a segment after a dash is kept unless it is the publisher or a domain, since
 * dashes also introduce subtitles ("KPO - What It Is and How It Works").
 */

const SEPARATOR = /\s+(\||·|::|—|–|-)\s+(?=[^|·—–]*$)/u;
const SITE_SEPARATORS = new Set(["|", "·", "::"]);
const DOMAIN = /^(?:www\.)?[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.[a-z]{2,}$/iu;

const comparable = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
const wordCount = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** The title without a trailing site name, and that name (undefined when none was dropped). */
export function splitSiteSuffix(title: string, publisher?: string): { title: string; site?: string } {
  let rest = title.trim();
  let site: string | undefined;
  // "Guide | Section | Site": at most two trailing segments are names.
  for (let i = 0; i < 2; i++) {
    const match = SEPARATOR.exec(rest);
    if (!match) break;
    const head = rest.slice(0, match.index).trim();
    const tail = rest.slice(match.index + match[0].length).trim();
    const isPublisher = publisher !== undefined && comparable(tail) === comparable(publisher);
    const isSiteName = SITE_SEPARATORS.has(match[1]!) && wordCount(tail) <= 5 && /^\p{Lu}|^\p{N}/u.test(tail) && wordCount(head) >= 2;
    if (!head || !(isPublisher || DOMAIN.test(tail) || isSiteName)) break;
    site ??= tail;
    rest = head;
  }
  return site === undefined ? { title: rest } : { title: rest, site };
}

import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, ReadResourceResult, Resource, ResourceLink } from "@modelcontextprotocol/sdk/types.js";
import type { Assistant } from "../assistant-types.ts";
import { comparisonQuestion } from "../answer/questions.ts";
import { packageVersion } from "../config/project.ts";
import { callerError, NotFoundError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import {
  answerOutputOf,
  answerText,
  definitionText,
  GLOSSARY_URI_TEMPLATE,
  glossaryUri,
  searchText,
  SOURCE_URI_TEMPLATE,
  sourceUri,
  withUri,
} from "./render.ts";
import { answerOutput, askInput, type CitationOutput, compareInput, defineInput, defineOutput, searchInput, searchOutput, sourcesOutput } from "./schemas.ts";

export interface McpServerDeps {
  /** The assistant each call uses; awaited, so a stdio server can answer `initialize` while the index loads. */
  assistant: () => Promise<Assistant>;
  logger?: Logger;
}

const INSTRUCTIONS =
  "Answers questions about knowledge process outsourcing (KPO), business process outsourcing (BPO) and outsourcing terms " +
  "from a curated set of sources, always with citations. Each [n] in an answer is citation n: a verbatim quote with its file " +
  "and character offsets; keep the markers and the sources together when you pass an answer on. Read a citation's uri " +
  "(kpo://sources/<id> or kpo://glossary/<slug>) to see the quote in place. An answer with status not_found means the " +
  "sources do not say; do not fill the gap from elsewhere in their name.";

/** Read-only tools over a closed corpus: safe to call again, no side effects outside the question log. */
const READ_ONLY = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const;

/**
 * The MCP surface: tools `ask`, `search`, `define`, `compare`, `list_sources` and the resources
 * kpo://sources/{id} and kpo://glossary/{slug}, over the Assistant interface only. Transports
 * (stdio for `kpo mcp`, Streamable HTTP at /mcp) connect one of these each.
 */
export function createMcpServer(deps: McpServerDeps): McpServer {
  const server = new McpServer({ name: "kpo", title: "KPO knowledge assistant", version: packageVersion() }, { instructions: INSTRUCTIONS });
  const { logger } = deps;

  /** Runs a tool; failures become tool errors with the message the HTTP API's problem+json carries. */
  const run = async (tool: string, body: (assistant: Assistant) => Promise<CallToolResult>): Promise<CallToolResult> => {
    try {
      return await body(await deps.assistant());
    } catch (error) {
      const known = callerError(error);
      if (!known) logger?.error({ err: error, tool }, "mcp tool failed");
      return { isError: true, content: [{ type: "text", text: known?.message ?? "an unexpected error occurred; the server log has the details" }] };
    }
  };

  const answered = (assistant: Assistant, question: string, history?: { question: string; answer?: string }[]) =>
    assistant.ask(question, history ? { history } : {}, { channel: "mcp" }).then((answer) => {
      const output = answerOutputOf(assistant, answer);
      return { content: [{ type: "text" as const, text: answerText(output) }, ...citedLinks(output.citations)], structuredContent: output };
    });

  server.registerTool(
    "ask",
    {
      title: "Ask the KPO knowledge base",
      description:
        "Answers a question about outsourcing (KPO, BPO, offshoring, ...) from the curated sources. The answer cites its passages as [n]; " +
        "each citation has the source's title, URL, the quoted text and its character offsets in the file.",
      inputSchema: askInput,
      outputSchema: answerOutput,
      annotations: READ_ONLY,
    },
    ({ question, history }) => run("ask", (assistant) => answered(assistant, question, history)),
  );

  server.registerTool(
    "compare",
    {
      title: "Compare two terms",
      description: "How two outsourcing terms differ (e.g. KPO and BPO), answered from the sources with citations like ask.",
      inputSchema: compareInput,
      outputSchema: answerOutput,
      annotations: READ_ONLY,
    },
    ({ a, b }) => run("compare", (assistant) => answered(assistant, comparisonQuestion(a, b))),
  );

  server.registerTool(
    "search",
    {
      title: "Search the sources",
      description: "The passages hybrid retrieval ranks highest for a query, with source, section, offsets and scores; no answer is composed.",
      inputSchema: searchInput,
      outputSchema: searchOutput,
      annotations: READ_ONLY,
    },
    ({ query, k }) =>
      run("search", async (assistant) => {
        const hits = (await assistant.search(query, k)).map((h) => withUri(assistant, h));
        return { content: [{ type: "text", text: searchText(query, hits) }], structuredContent: { query, hits } };
      }),
  );

  server.registerTool(
    "define",
    {
      title: "Define a term",
      description: "The glossary definition of a term or abbreviation (aliases, case and punctuation are matched), quoted from its glossary file.",
      inputSchema: defineInput,
      outputSchema: defineOutput,
      annotations: READ_ONLY,
    },
    ({ term, fuzzy }) =>
      run("define", async (assistant) => {
        const exact = assistant.glossary.lookup(term);
        const suggestions = exact ? [] : assistant.glossary.suggest(term, 5);
        const entry = exact ?? (fuzzy ? suggestions[0] : undefined);
        if (!entry) throw NotFoundError.term(term, suggestions.map((e) => e.term));
        const match = exact ? "exact" : "closest";
        const uri = glossaryUri(entry.slug);
        return {
          content: [{ type: "text", text: definitionText(entry, term, match) }, link(uri, entry.slug, entry.term, GLOSSARY_MIME)],
          structuredContent: { term, match, uri, entry },
        };
      }),
  );

  server.registerTool(
    "list_sources",
    {
      title: "List the sources",
      description: "The documents answers are drawn from: id, title, publisher, URL, format and size; each readable as kpo://sources/<id>.",
      inputSchema: {},
      outputSchema: sourcesOutput,
      annotations: READ_ONLY,
    },
    () =>
      run("list_sources", async (assistant) => {
        const sources = assistant.sources.list().map((s) => ({ ...s, uri: sourceUri(s.id) }));
        const text = sources.map((s) => `${s.id}: ${s.title}${s.publisher ? `, ${s.publisher}` : ""}${s.url ? ` (${s.url})` : ""}`).join("\n");
        return {
          content: [{ type: "text", text: `${sources.length} sources:\n${text}` }, ...sources.map((s) => link(s.uri, s.id, s.title, mimeTypeOf(s.path)))],
          structuredContent: { count: sources.length, sources },
        };
      }),
  );

  registerCollection(server, deps, {
    name: "source",
    template: SOURCE_URI_TEMPLATE,
    variable: "id",
    title: "Source document",
    description: "A source's raw text, exactly the file citations quote: for a citation of it, text.slice(start, end) === quote.",
    list: (assistant) =>
      assistant.sources.list().map((s) => ({
        uri: sourceUri(s.id),
        name: s.id,
        title: s.title,
        description: [s.publisher, s.kind, s.url].filter(Boolean).join(" · "),
        mimeType: mimeTypeOf(s.path),
      })),
    async read(assistant, id) {
      const source = assistant.sources.get(id);
      const text = source ? await assistant.sources.text(id) : undefined;
      return source && text !== undefined ? { mimeType: mimeTypeOf(source.path), text } : NotFoundError.source(id);
    },
  });

  registerCollection(server, deps, {
    name: "glossary",
    template: GLOSSARY_URI_TEMPLATE,
    variable: "slug",
    title: "Glossary entry",
    description: "A glossary entry as JSON: its definition is the text at start..end of the glossary file at path, where citations of it quote.",
    list: (assistant) =>
      assistant.glossary.list().map((e) => ({
        uri: glossaryUri(e.slug),
        name: e.slug,
        title: e.term,
        ...(e.aliases.length ? { description: `Also: ${e.aliases.join(", ")}` } : {}),
        mimeType: GLOSSARY_MIME,
      })),
    async read(assistant, slug) {
      const entry = assistant.glossary.list().find((e) => e.slug === slug);
      return entry ? { mimeType: GLOSSARY_MIME, text: JSON.stringify(entry, null, 2) } : NotFoundError.term(slug, assistant.glossary.suggest(slug, 5).map((e) => e.term));
    },
  });

  return server;
}

/** A family of resources under one URI template (kpo://sources/{id}, kpo://glossary/{slug}), each named by its template variable. */
interface Collection {
  name: string;
  template: string;
  variable: string;
  title: string;
  description: string;
  list(assistant: Assistant): (Resource & { name: string })[];
  /** The content of the resource named `key`, or the error a caller gets for a name that does not exist. */
  read(assistant: Assistant, key: string): Promise<{ mimeType: string; text: string } | NotFoundError>;
}

function registerCollection(server: McpServer, deps: McpServerDeps, collection: Collection): void {
  const list = async () => collection.list(await deps.assistant());
  server.registerResource(
    collection.name,
    new ResourceTemplate(collection.template, {
      list: async () => ({ resources: await list() }),
      complete: { [collection.variable]: async (prefix) => (await list()).map((r) => r.name).filter((name) => name.startsWith(prefix)) },
    }),
    { title: collection.title, description: collection.description },
    async (uri, variables) => {
      const found = await collection.read(await deps.assistant(), decodeURIComponent(String(variables[collection.variable])));
      if (found instanceof NotFoundError) throw new ResourceNotFound(found.message, uri.href);
      return { contents: [{ uri: uri.href, ...found }] } satisfies ReadResourceResult;
    },
  );
}

/** A link per cited resource, so a client can open each once. */
function citedLinks(citations: CitationOutput[]): ResourceLink[] {
  const seen = new Map<string, ResourceLink>();
  for (const c of citations) {
    if (!c.uri || seen.has(c.uri)) continue;
    seen.set(c.uri, link(c.uri, c.sourceId, c.title, c.uri.startsWith("kpo://glossary/") ? GLOSSARY_MIME : mimeTypeOf(c.path)));
  }
  return [...seen.values()];
}

const link = (uri: string, name: string, title: string, mimeType: string): ResourceLink => ({ type: "resource_link", uri, name, title, mimeType });

/** Glossary entries are served as JSON (the entry with its file offsets). */
const GLOSSARY_MIME = "application/json";

const mimeTypeOf = (path: string) => (/\.(md|markdown)$/i.test(path) ? "text/markdown" : "text/plain");

/** JSON-RPC error -32002 (resource not found, as the MCP specification names it), with our message as it is. */
class ResourceNotFound extends Error {
  readonly code = -32002;
  readonly data: { uri: string };
  constructor(message: string, uri: string) {
    super(message);
    this.data = { uri };
  }
}

import { styleText } from "node:util";

/**
 * How the CLI writes for a person at a terminal: answers' Markdown (**bold**, [n] markers,
 * "# headings") as terminal styles, and the same text without markup when styles are off
 * (output piped to a file or another program, NO_COLOR set, TERM=dumb).
 */
export interface TerminalStyle {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
}

/** Styles only for a terminal that shows them; https://no-color.org turns them off everywhere. */
export function stylesWanted(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== "dumb";
}

export function terminalStyle(enabled: boolean): TerminalStyle {
  // styleText checks the stream itself by default; the decision is made above, once.
  const style = (format: "bold" | "dim") => (text: string) => (enabled && text ? styleText(format, text, { validateStream: false }) : text);
  return { enabled, bold: style("bold"), dim: style("dim") };
}

/** An answer's Markdown for the terminal: bold and headings in bold, citation markers dim, no markup left. */
export function renderMarkdown(text: string, style: TerminalStyle): string {
  return text
    .split("\n")
    .map((line) => {
      const heading = /^#{1,6}\s+(.*)$/.exec(line);
      if (heading) return style.bold(heading[1]!);
      return line.replace(/\*\*([^*\n]+)\*\*|(\[\d+\](?:\[\d+\])*)/g, (_m, bold: string | undefined, markers: string | undefined) =>
        bold !== undefined ? style.bold(bold) : style.dim(markers!),
      );
    })
    .join("\n");
}

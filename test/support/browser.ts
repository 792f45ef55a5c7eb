import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Flags for a quiet headless Chromium that never reaches the network by itself. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-dev-shm-usage",
];

/**
 * Which Chromium the browser tests drive: CHROME_PATH when set, else the binary the
 * @sparticuz/chromium npm package ships (unpacked to the temp folder on first use), else
 * Debian's /usr/bin/chromium. Playwright never downloads a browser.
 */
export async function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): Promise<{ path: string; from: string }> {
  const configured = env.CHROME_PATH?.trim();
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROME_PATH: no file at ${configured}`);
    return { path: configured, from: "CHROME_PATH" };
  }
  try {
    const { default: sparticuz } = await import("@sparticuz/chromium");
    return { path: await sparticuz.executablePath(), from: "@sparticuz/chromium" };
  } catch (error) {
    if (existsSync("/usr/bin/chromium")) return { path: "/usr/bin/chromium", from: "/usr/bin/chromium" };
    throw new Error(`no Chromium for the browser tests: set CHROME_PATH, or install @sparticuz/chromium (npm) or chromium (apt): ${(error as Error).message}`);
  }
}

export interface TestBrowser {
  browser: Browser;
  executable: { path: string; from: string };
  close(): Promise<void>;
}

/**
 * One headless Chromium. playwright-core's launch() gives it a new, empty profile folder of its
 * own (--user-data-dir in a temp folder) and deletes it on close.
 */
export async function launchChromium(): Promise<TestBrowser> {
  const executable = await chromiumExecutable();
  const browser = await chromium.launch({ executablePath: executable.path, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
  return { browser, executable, close: () => browser.close() };
}

#!/usr/bin/env node
// Entry point for `npx kpo`: the CLI is TypeScript, run through tsx's loader (no build step).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");

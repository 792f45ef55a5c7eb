#!/usr/bin/env node
// Entry point for `npx kpo`: the CLI is TypeScript, run as it is (no build step; see src/preload.mjs).
await import("../src/preload.mjs");
await import("../src/cli/main.ts");

#!/usr/bin/env node
// Entry point for `npx kpo`: the CLI is TypeScript, run as it is (no build step; see src/typescript-loader.mjs).
await import("../src/typescript-loader.mjs");
await import("../src/cli/main.ts");

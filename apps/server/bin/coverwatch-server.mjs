#!/usr/bin/env node
// Committed launcher: npm links a workspace's bin at install time only when the file exists, and the
// server itself is built into dist/ later (`npm run build`, which `npm start` runs).
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('coverwatch-server is not built yet: run "npm run build" (or "npm start") in the repository first.\n');
  process.exit(1);
}
await import(main.href);

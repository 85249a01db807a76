// Bundles the CLI into one self-contained file with no runtime dependencies, and prints its SHA-256
// so a release can be checked byte for byte (builds are reproducible: no timestamps, fixed options).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const out = fileURLToPath(new URL('./dist/coverwatch.mjs', import.meta.url));
await build({
  entryPoints: [fileURLToPath(new URL('./src/main.ts', import.meta.url))],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  conditions: ['source'],
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
});
chmodSync(out, 0o755);
const sha = createHash('sha256').update(readFileSync(out)).digest('hex');
console.log(`apps/cli/dist/coverwatch.mjs sha256 ${sha}`);

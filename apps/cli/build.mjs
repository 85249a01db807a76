// Bundles the CLI (and the GitHub Action's entry) into self-contained files with no runtime
// dependencies, and prints their SHA-256 so a release can be checked byte for byte. Builds are
// reproducible: no timestamps, fixed options, and paths in the bundle relative to the repository
// root whatever the working directory. `node build.mjs DIR` writes to DIR instead (the
// reproducibility test builds twice).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const outDir = process.argv[2] ? path.resolve(process.argv[2]) : fileURLToPath(new URL('./dist/', import.meta.url));

for (const [entry, name] of [['main', 'coverwatch'], ['action', 'action']]) {
  const out = path.join(outDir, `${name}.mjs`);
  await build({
    absWorkingDir: repoRoot,
    entryPoints: [`apps/cli/src/${entry}.ts`],
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
  console.log(`${path.relative(process.cwd(), out) || out} sha256 ${sha}`);
}

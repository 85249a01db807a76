import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The shared fixture corpus: `../shared/fixtures` beside the repository, or COVERWATCH_FIXTURES. */
export function fixturesDir(): string {
  const fromEnv = process.env.COVERWATCH_FIXTURES;
  if (fromEnv) return fromEnv;
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const dir = path.resolve(repoRoot, '../shared/fixtures');
  if (!existsSync(dir)) throw new Error(`fixture corpus not found at ${dir}; set COVERWATCH_FIXTURES`);
  return dir;
}

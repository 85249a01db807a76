import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * File names coverage tools write by default. `coverwatch report` and `coverwatch upload` look for
 * these when no file is given.
 */
const KNOWN_NAMES: readonly RegExp[] = [
  /^lcov\.info$/, /\.lcov$/, /^coverage\.info$/,
  /^coverage-final\.json$/,
  /^cobertura(-coverage)?\.xml$/, /^coverage\.xml$/,
  /^jacoco.*\.xml$/,
  /^clover\.xml$/,
  /^opencover\.xml$/, /^coverage\.opencover\.xml$/,
  /\.gcov$/, /\.gcov\.json(\.gz)?$/,
  /^cover(age)?\.out$/, /^coverage\.txt$/,
  /^\.resultset\.json$/,
  /^coverage\.json$/,
  /^coveralls\.json$/,
  /^gcovr\.json$/,
  /^sonarqube\.xml$/, /^sonar-coverage\.xml$/,
];

/** Directories never searched: dependencies, VCS data and virtual environments hold others' reports. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'vendor', 'venv', '.venv', 'env', '.tox', '.nox', '__pycache__', 'site-packages', 'bower_components', '.coverwatch']);

export interface Discovered {
  readonly path: string;
  readonly why: string;
}

/** Finds report files under `root` by well-known names, at most `maxDepth` directories deep. */
export async function discoverReports(root: string, maxDepth = 8, maxFiles = 1000): Promise<Discovered[]> {
  const found: Discovered[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > maxDepth || found.length >= maxFiles) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(full, depth + 1);
      } else if (e.isFile()) {
        const rule = KNOWN_NAMES.find((r) => r.test(e.name));
        if (rule !== undefined) found.push({ path: path.relative(root, full) || e.name, why: `name matches ${rule.source}` });
      }
      if (found.length >= maxFiles) return;
    }
  };
  await walk(root, 0);
  return found;
}

import { createPathResolver, resolveReport, type Diagnostic, type PathExplanation, type Report } from '@coverwatch/core';
import path from 'node:path';
import { EXIT } from './exit-codes.js';
import { gitLsFiles } from './git.js';

export interface RootResolution {
  readonly report: Report;
  readonly diagnostics: Diagnostic[];
  readonly explanations: PathExplanation[];
  readonly exit: number;
}

/**
 * Maps report paths onto the repository at `root` (its `git ls-files` list), applying `fixes` and
 * `ignore`. Ambiguous paths fail the command (exit 5): a guess would put coverage on the wrong file.
 */
export async function resolveAgainstRoot(report: Report, root: string, rules: { fixes: readonly string[]; ignore: readonly string[] }): Promise<RootResolution> {
  const files = await gitLsFiles(path.resolve(root));
  if (files === null) {
    return {
      report,
      explanations: [],
      diagnostics: [{ code: 'CW_ROOT_NOT_GIT', severity: 'error', message: `--root ${root} is not a git checkout (git ls-files failed)` }],
      exit: EXIT.paths,
    };
  }
  const resolver = createPathResolver(files, { fixes: rules.fixes, ignore: rules.ignore });
  const r = resolveReport(report, resolver);
  if (files.length === 0) r.diagnostics.push({ code: 'CW_ROOT_NO_FILES', severity: 'warning', message: `git ls-files lists no files under ${root}` });
  const ambiguous = r.explanations.some((e) => e.kind === 'ambiguous');
  return { report: r.report, diagnostics: r.diagnostics, explanations: r.explanations, exit: ambiguous ? EXIT.paths : EXIT.ok };
}

import { formatPathExplanations, type FormatId } from '@coverwatch/core';
import { EXIT } from '../exit-codes.js';
import { formatDiagnostic, loadReports } from '../load-reports.js';
import { resolveAgainstRoot } from '../resolve-root.js';
import type { Io } from '../io.js';

export interface PathsExplainOptions {
  readonly files: readonly string[];
  readonly format?: FormatId;
  readonly root: string;
  readonly json: boolean;
  readonly fixes: readonly string[];
  readonly ignore: readonly string[];
}

/** `coverwatch paths explain`: for each report path, what it resolved to and by which rule. */
export async function pathsExplainCommand(o: PathsExplainOptions, io: Io): Promise<number> {
  const loaded = await loadReports(o.files, { cwd: io.cwd, ...(o.format ? { format: o.format } : {}), note: (s) => io.stderr.write(`coverwatch: ${s}\n`) });
  for (const d of loaded.diagnostics) if (d.severity === 'error') io.stderr.write(formatDiagnostic(d) + '\n');
  if (loaded.exit !== EXIT.ok) return loaded.exit;
  const r = await resolveAgainstRoot(loaded.report, o.root, { fixes: o.fixes, ignore: o.ignore });
  if (r.explanations.length === 0 && r.exit !== EXIT.ok) {
    for (const d of r.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
    return r.exit;
  }
  if (o.json) {
    io.stdout.write(JSON.stringify({ paths: r.explanations }, null, 2) + '\n');
  } else {
    io.stdout.write(formatPathExplanations(r.explanations));
  }
  return r.exit;
}

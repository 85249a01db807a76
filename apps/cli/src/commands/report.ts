import { reportTotals, type Diagnostic, type FormatId, type Totals } from '@coverwatch/core';
import { EXIT } from '../exit-codes.js';
import { formatDiagnostic, loadReports } from '../load-reports.js';
import { renderTable } from '../render-table.js';
import { resolveAgainstRoot } from '../resolve-root.js';
import type { Io } from '../io.js';

export interface ReportOptions {
  readonly files: readonly string[];
  readonly format?: FormatId;
  readonly root?: string;
  readonly json: boolean;
  readonly partialsAsHits: boolean;
  readonly fixes: readonly string[];
  readonly ignore: readonly string[];
}

/** Per-file entry of `--json`: the path plus the totals fields (without `files`). */
type FileEntry = { path: string } & Omit<Totals, 'files'>;

/**
 * `coverwatch report`: detect, parse, merge, resolve paths (with --root), print totals. With --json it
 * prints exactly `{"totals", "files", "diagnostics"}`, the same field names the server uses.
 */
export async function reportCommand(o: ReportOptions, io: Io): Promise<number> {
  const loaded = await loadReports(o.files, { cwd: io.cwd, ...(o.format ? { format: o.format } : {}), note: (s) => io.stderr.write(`coverwatch: ${s}\n`) });
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  let report = loaded.report;
  let exit = loaded.exit;
  if (o.root !== undefined && exit === EXIT.ok) {
    const r = await resolveAgainstRoot(report, o.root, { fixes: o.fixes, ignore: o.ignore });
    diagnostics.push(...r.diagnostics);
    report = r.report;
    if (r.exit !== EXIT.ok) exit = r.exit;
  }
  const { totals, files } = reportTotals(report, { partialsAsHits: o.partialsAsHits });
  if (o.json) {
    const entries: FileEntry[] = [];
    for (const [path, t] of files) {
      const { files: _files, ...rest } = t;
      entries.push({ path, ...rest });
    }
    io.stdout.write(JSON.stringify({ totals, files: entries, diagnostics }, null, 2) + '\n');
  } else {
    for (const d of diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
    if (exit === EXIT.ok || report.files.length > 0) {
      io.stdout.write(renderTable([...files].map(([path, t]) => ({ path, totals: t })), totals));
    }
  }
  return exit;
}

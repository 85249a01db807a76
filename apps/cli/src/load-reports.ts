import path from 'node:path';
import { mergeReports, type Diagnostic, type FormatId, type Report } from '@coverwatch/core';
import { discoverReports } from './discover.js';
import { readReportFile } from './read-reports.js';
import { EXIT } from './exit-codes.js';

export interface LoadedReports {
  readonly report: Report;
  readonly diagnostics: Diagnostic[];
  /** The exit code so far: ok, noReport or invalidReport. */
  readonly exit: number;
  readonly files: { path: string; format: FormatId | null; status: string }[];
}

/**
 * Reads and merges the given report files, or the ones found by name under `cwd` when none is given.
 * A file that cannot be read fails the whole command (exit 4): partial numbers are never shown as if
 * complete.
 */
export async function loadReports(
  paths: readonly string[],
  opts: { cwd: string; format?: FormatId; note?: (s: string) => void },
): Promise<LoadedReports> {
  let files = paths.slice();
  if (files.length === 0) {
    const found = await discoverReports(opts.cwd);
    for (const f of found) opts.note?.(`found ${f.path} (${f.why})`);
    files = found.map((f) => f.path);
  }
  if (files.length === 0) {
    return {
      report: { files: [] },
      diagnostics: [{ code: 'CW_NO_REPORT', severity: 'error', message: 'no coverage report given or found under the working directory' }],
      exit: EXIT.noReport,
      files: [],
    };
  }
  const reports: Report[] = [];
  const diagnostics: Diagnostic[] = [];
  const loaded: LoadedReports['files'] = [];
  let exit: number = EXIT.ok;
  for (const p of files) {
    const r = await readReportFile(path.resolve(opts.cwd, p), { displayName: p, ...(opts.format ? { format: opts.format } : {}) });
    diagnostics.push(...r.diagnostics);
    loaded.push({ path: p, format: r.format, status: r.status });
    if (r.status !== 'ok') exit = EXIT.invalidReport;
    reports.push(r.report);
  }
  return { report: mergeReports(reports), diagnostics, exit, files: loaded };
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file === undefined ? '' : d.line === undefined ? `${d.file}: ` : `${d.file}:${d.line}: `;
  return `${where}${d.severity} ${d.code}: ${d.message}`;
}

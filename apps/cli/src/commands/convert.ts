import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { writeReport, type FormatId, type OutputFormat } from '@coverwatch/core';
import { EXIT } from '../exit-codes.js';
import { formatDiagnostic, loadReports } from '../load-reports.js';
import { resolveAgainstRoot } from '../resolve-root.js';
import type { Io } from '../io.js';

export interface ConvertOptions {
  readonly files: readonly string[];
  readonly format?: FormatId;
  readonly to: OutputFormat;
  readonly output?: string;
  readonly root?: string;
  readonly fixes: readonly string[];
  readonly ignore: readonly string[];
}

/** `coverwatch convert --to lcov|cobertura|json`: writes the merged report in another format. */
export async function convertCommand(o: ConvertOptions, io: Io): Promise<number> {
  const loaded = await loadReports(o.files, { cwd: io.cwd, ...(o.format ? { format: o.format } : {}), note: (s) => io.stderr.write(`coverwatch: ${s}\n`) });
  for (const d of loaded.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
  // A conversion of a report we could not read completely would silently lose coverage: refuse.
  if (loaded.exit !== EXIT.ok) return loaded.exit;
  let report = loaded.report;
  if (o.root !== undefined) {
    const r = await resolveAgainstRoot(report, o.root, { fixes: o.fixes, ignore: o.ignore });
    for (const d of r.diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
    if (r.exit !== EXIT.ok) return r.exit;
    report = r.report;
  }
  if (o.output === undefined || o.output === '-') {
    for (const chunk of writeReport(report, o.to)) io.stdout.write(chunk);
    return EXIT.ok;
  }
  const out = createWriteStream(o.output);
  for (const chunk of writeReport(report, o.to)) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  io.stderr.write(`coverwatch: wrote ${o.output} (${o.to}, ${report.files.length} files)\n`);
  return EXIT.ok;
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { reportTotals, type Diagnostic, type FormatId, type Report, type Totals } from '@coverwatch/core';
import { readReportFile } from '../read-reports.js';
import { UploadError } from './upload-error.js';

/** Largest report sent (decompressed): the envelope field limit of packages/protocol. */
export const MAX_REPORT_BYTES = 384 * 1024 * 1024;

export interface CollectedReport {
  readonly name: string;
  readonly format: FormatId;
  /** The bytes sent: the file as written by the tool (gzip files decompressed). */
  readonly bytes: Buffer;
  readonly report: Report;
  readonly totals: Totals;
  readonly diagnostics: Diagnostic[];
}

/**
 * Parses every report with core before anything is sent: an invalid report fails here, with the
 * parser's file and line, instead of as a failed upload minutes later on the server.
 */
export async function collectReports(files: readonly string[], cwd: string, format?: FormatId): Promise<CollectedReport[]> {
  const out: CollectedReport[] = [];
  for (const name of files) {
    const full = path.resolve(cwd, name);
    const parsed = await readReportFile(full, { displayName: name, ...(format ? { format } : {}) });
    if (parsed.status !== 'ok' || parsed.format === null) {
      const errors = parsed.diagnostics.filter((d) => d.severity === 'error').slice(0, 20).map(diagnosticWithoutContent);
      throw new UploadError(
        'invalid-report',
        `${name} cannot be uploaded (${parsed.status}):\n  ${errors.join('\n  ') || 'no details'}\n  \`coverwatch report ${name}\` shows the details (CI logs get codes and line numbers only: a wrong file could be full of secrets)`,
      );
    }
    let bytes = await readFile(full);
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes, { maxOutputLength: MAX_REPORT_BYTES });
    if (bytes.length > MAX_REPORT_BYTES) throw new UploadError('invalid-report', `${name} is ${bytes.length} bytes; one upload carries reports up to ${MAX_REPORT_BYTES} bytes`);
    out.push({ name, format: parsed.format, bytes, report: parsed.report, totals: reportTotals(parsed.report).totals, diagnostics: parsed.diagnostics });
  }
  return out;
}

/**
 * A diagnostic as `file:line: severity CODE`, without its message: parser messages quote what they
 * found, and in CI the file given by mistake may be `.env`. `coverwatch report` prints them whole.
 */
export function diagnosticWithoutContent(d: Diagnostic): string {
  const where = d.file === undefined ? '' : d.line === undefined ? `${d.file}: ` : `${d.file}:${d.line}: `;
  return `${where}${d.severity} ${d.code}`;
}

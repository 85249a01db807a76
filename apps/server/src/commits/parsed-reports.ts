import type { Report } from '@coverwatch/core';

/** Lines of parsed upload reports kept in memory: ~40 bytes a line, so ~400 MB at most. */
const DEFAULT_LINE_BUDGET = 10_000_000;

/**
 * Reports this process parsed and stored but has not merged into their commit yet, by upload id.
 * When shards of one commit arrive together, the job that merges them finds the others' reports
 * here instead of reading them back from the blob store. A cache: a miss reads the stored report.
 */
export class ParsedReports {
  private readonly reports = new Map<string, { key: string; report: Report; lines: number }>();
  private lines = 0;

  constructor(private readonly budget = DEFAULT_LINE_BUDGET) {}

  /** `key`: the stored report's key (uploads.report_blob_key), which `get` must be asked with. */
  set(uploadId: string, key: string, report: Report): void {
    let lines = 0;
    for (const f of report.files) lines += f.lineNumbers.length + f.branchLines.length + (f.statements?.lines.length ?? 0);
    if (lines > this.budget) return;
    this.delete(uploadId);
    this.reports.set(uploadId, { key, report, lines });
    this.lines += lines;
    for (const [id, r] of this.reports) {
      if (this.lines <= this.budget) break;
      this.reports.delete(id);
      this.lines -= r.lines;
    }
  }

  get(uploadId: string, key: string): Report | null {
    const r = this.reports.get(uploadId);
    return r !== undefined && r.key === key ? r.report : null;
  }

  delete(uploadId: string): void {
    const r = this.reports.get(uploadId);
    if (r === undefined) return;
    this.reports.delete(uploadId);
    this.lines -= r.lines;
  }
}

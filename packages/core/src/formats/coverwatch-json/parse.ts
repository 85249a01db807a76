import { DiagnosticSink } from '../../model/diagnostics.js';
import { ReportBuilder } from '../../model/report.js';
import type { ParseOptions, StreamParser } from '../types.js';
import { createJsonFormatParser } from '../json-format.js';

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Reads the normalized JSON written by writers/coverwatch-json.ts, validating every field. */
export function createCoverwatchJsonParser(options: ParseOptions): StreamParser {
  return createJsonFormatParser(options, (root, report, sink) => read(root, report, sink));
}

function read(value: unknown, report: ReportBuilder, sink: DiagnosticSink): void {
  if (typeof value !== 'object' || value === null || (value as { coverwatch?: unknown }).coverwatch !== 1) {
    sink.error('CW_CWJSON_VERSION', 'expected an object with "coverwatch": 1');
    return;
  }
  const files = (value as { files?: unknown }).files;
  if (!Array.isArray(files)) {
    sink.error('CW_CWJSON_FILES', 'expected "files" to be an array');
    return;
  }
  files.forEach((f: unknown, i) => {
    const where = `files[${i}]`;
    if (typeof f !== 'object' || f === null || typeof (f as { path?: unknown }).path !== 'string') {
      sink.error('CW_CWJSON_FILE', `${where}: expected an object with a string "path"`);
      return;
    }
    const rec = f as Record<string, unknown>;
    const b = report.file(rec.path as string);
    if (b === null) return;
    const tuples = (key: string, arity: number): unknown[][] | null => {
      const v = rec[key];
      if (v === null || v === undefined) return null;
      if (!Array.isArray(v) || !v.every((t) => Array.isArray(t) && t.length === arity)) {
        sink.error('CW_CWJSON_FIELD', `${where}.${key}: expected an array of ${arity}-element arrays`);
        return null;
      }
      return v as unknown[][];
    };
    for (const [line, hits] of tuples('lines', 2) ?? []) {
      if (isInt(line) && isInt(hits)) b.line(line, hits);
      else sink.error('CW_CWJSON_FIELD', `${where}.lines: expected [line, hits] numbers`);
    }
    for (const [line, id, taken] of tuples('branches', 3) ?? []) {
      if (isInt(line) && typeof id === 'string' && isInt(taken)) b.branch(line, id, taken);
      else sink.error('CW_CWJSON_FIELD', `${where}.branches: expected [line, id, taken]`);
    }
    const fns = tuples('functions', 4);
    if (fns !== null) {
      b.enableFunctions();
      for (const [name, line, endLine, hits] of fns) {
        if (typeof name === 'string' && isInt(line) && (endLine === null || isInt(endLine)) && isInt(hits)) b.fn(name, line, hits, endLine);
        else sink.error('CW_CWJSON_FIELD', `${where}.functions: expected [name, line, endLine|null, hits]`);
      }
    }
    const sts = tuples('statements', 3);
    if (sts !== null) {
      b.enableStatements();
      for (const [line, col, hits] of sts) {
        if (isInt(line) && isInt(col) && isInt(hits)) b.statement(line, col, hits);
        else sink.error('CW_CWJSON_FIELD', `${where}.statements: expected [line, column, hits]`);
      }
    }
  });
}

import { DiagnosticSink } from '../model/diagnostics.js';
import type { ParseLimits } from '../model/limits.js';
import { ReportBuilder } from '../model/report.js';
import { JsonDocument } from '../text/json-document.js';
import type { ParseOptions, ParseOutcome, StreamParser } from './types.js';

/** Reads a parsed JSON document into a report; problems go to the sink. */
export type JsonReportReader = (root: unknown, report: ReportBuilder, sink: DiagnosticSink, limits: ParseLimits) => void;

/**
 * The streaming parser of a format whose files are one JSON document: the bytes are collected (up
 * to the document limit), parsed once with JSON.parse, and handed to `read`.
 */
export function createJsonFormatParser(options: ParseOptions, read: JsonReportReader): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const doc = new JsonDocument(sink, options.limits.maxDocumentBytes);
  return {
    write: (chunk) => doc.write(chunk),
    end(): ParseOutcome {
      const report = new ReportBuilder(sink, options.limits);
      const root = doc.parse();
      if (root !== undefined) read(root, report, sink, options.limits);
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics: sink.finish() };
    },
  };
}

import { DiagnosticSink } from '../model/diagnostics.js';
import type { ParseLimits } from '../model/limits.js';
import { ReportBuilder } from '../model/report.js';
import { JsonDocument } from '../text/json-document.js';
import { JsonItemStream, type ItemBytesReader, type JsonItemPlace, type JsonPathStep } from '../text/json-item-stream.js';
import type { ParseOptions, ParseOutcome, StreamParser } from './types.js';

/** Reads a parsed JSON document into a report; problems go to the sink. */
export type JsonReportReader = (root: unknown, report: ReportBuilder, sink: DiagnosticSink, limits: ParseLimits) => void;

/** A format whose bulk is one member of the top-level object (`{"files": [...]}` or `{"files": {...}}`), or the top-level object itself, read entry by entry. */
export interface JsonEntries {
  /** The member; null: the top-level object (a map keyed by path); a list: a path to a container deeper down (null steps: any element or member). */
  readonly key: string | null | readonly JsonPathStep[];
  /** An array (the default) or an object, whose members come with their keys. */
  readonly kind?: 'array' | 'object';
  /** Reads one entry (`index` its position; `key` an object member's name; `place` its container's path); `read` then sees the container empty. */
  readonly entry: (entry: unknown, index: number, report: ReportBuilder, sink: DiagnosticSink, limits: ParseLimits, key: string | undefined, place: JsonItemPlace) => void;
  /** A reader of entries straight from their bytes, tried first; what it gives up on goes to `entry`. */
  readonly fast?: (report: ReportBuilder, limits: ParseLimits) => ItemBytesReader;
}

/**
 * The streaming parser of a format whose files are one JSON document: the bytes are collected (up
 * to the document limit), parsed once with JSON.parse, and handed to `read`. With `entries`, the
 * bulk array's entries are parsed and read as they stream in instead (text/json-item-stream.ts), so
 * memory follows the largest entry rather than the document, and the limit applies to each entry and
 * to the rest, not to the whole.
 */
export function createJsonFormatParser(options: ParseOptions, read: JsonReportReader, entries?: JsonEntries): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  if (entries !== undefined) {
    const report = new ReportBuilder(sink, options.limits);
    const kind = entries.kind ?? 'array';
    const target = typeof entries.key === 'string' || entries.key === null ? entries.key : [{ path: entries.key, kind }];
    const fast = entries.fast?.(report, options.limits) ?? null;
    const stream = new JsonItemStream(sink, options.limits.maxDocumentBytes, target, (v, i, k, place) => entries.entry(v, i, report, sink, options.limits, k, place), kind, fast);
    return {
      write: (chunk) => stream.write(chunk),
      end(): ParseOutcome {
        const root = stream.end();
        if (root !== undefined) read(root, report, sink, options.limits);
        return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics: sink.finish() };
      },
    };
  }
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

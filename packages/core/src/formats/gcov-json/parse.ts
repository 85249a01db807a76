import { DiagnosticSink } from '../../model/diagnostics.js';
import { ReportBuilder } from '../../model/report.js';
import { JsonItemStream } from '../../text/json-item-stream.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';
import { DocumentSplitter } from './document-splitter.js';
import { FileEntryBytes } from './file-entry-bytes.js';
import { StagedDiagnostics } from './staged-diagnostics.js';
import { UnitReader } from './unit-reader.js';

/**
 * `gcov --json-format` parser (gcc 9+, `format_version` "1" and "2"). The I/O layer gunzips the
 * `.gcov.json.gz` files gcov writes by default; this sees plain JSON.
 *
 * One document per translation unit; `gcov --stdout` with several `.gcda` files writes one document
 * per line, so a file may hold several (each is read, in order). Every `files[].lines[]` entry is a
 * line record (line_number, count), every `branches[]` entry of a line one branch outcome (gcov emits
 * exactly the arcs it counts in "Taken at least once": conditional, non-call arcs, throw arcs
 * included), every `functions[]` entry a function (demangled_name, start_line, execution_count,
 * end_line). See docs/formats/gcov-json.md.
 *
 * Nothing is buffered whole: documents are split as their bytes come (document-splitter.ts) and each
 * document's `files[]` entries are read one by one (text/json-item-stream.ts), straight from their
 * bytes where they are as gcov writes them (file-entry-bytes.ts), so memory follows the largest file
 * entry, not the input.
 */
export function createGcovJsonParser(options: ParseOptions): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const diags = new StagedDiagnostics(sink);
  const report = new ReportBuilder(diags, options.limits);
  const fast = new FileEntryBytes();
  let doc: { line: number; stream: JsonItemStream; syntax: DiagnosticSink; unit: UnitReader } | null = null;
  /** The first document's diagnostics wait for a second document (or the end) to learn their label. */
  let firstHeld = false;
  const splitter = new DocumentSplitter({
    begin(line) {
      if (firstHeld) diags.flush('document at line 1');
      firstHeld = false;
      diags.hold();
      // A private sink for the stream, so JSON syntax errors get report lines, not document lines.
      const syntax = new DiagnosticSink(undefined);
      const unit = new UnitReader(report, diags, line);
      fast.unit = unit;
      const stream = new JsonItemStream(syntax, options.limits.maxDocumentBytes, 'files', (v, i) => unit.file(v, i), 'array', fast);
      doc = { line, stream, syntax, unit };
    },
    bytes(chunk) {
      doc!.stream.write(chunk);
    },
    end() {
      const d = doc!;
      doc = null;
      const root = d.stream.end();
      for (const x of d.syntax.finish()) diags.first(x.code, x.severity, x.message, (x.line ?? 1) + d.line - 1);
      d.unit.finish(root);
      if (splitter.documents === 1) firstHeld = true;
      else diags.flush(`document at line ${d.line}`);
    },
  });
  return {
    write(chunk) {
      if (chunk.length > 0) splitter.write(chunk);
    },
    end(): ParseOutcome {
      splitter.finish();
      if (firstHeld) diags.flush('the document');
      if (splitter.documents === 0) sink.error('CW_GCOV_JSON_EMPTY', 'the file is empty: expected a gcov JSON object');
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics: sink.finish() };
    },
  };
}

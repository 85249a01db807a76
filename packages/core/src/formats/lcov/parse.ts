import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { ReportBuilder } from '../../model/report.js';
import { LineSplitter } from '../../text/line-splitter.js';
import { parseCount, parseUint } from '../../text/numbers.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';

interface PendingFunction {
  name: string;
  line: number;
  endLine: number | null;
  hits: number;
  at: number;
}

/**
 * LCOV tracefile parser (geninfo/lcov 1.x and 2.x, istanbul, c8, llvm-cov export, coverage.py).
 *
 * We count records, never the summary lines: `LF/LH/BRF/BRH/FNF/FNH` are only cross-checked, and a
 * record whose `DA` count differs from its `LF` gets an info diagnostic (coverage.py 6.5 writes
 * docstring lines as DA; llvm-cov writes DA with LF:0). lcov 1.16 `--capture` writes no summaries at
 * all, so records are the only reading that works everywhere. See docs/coverage-semantics.md.
 */
export function createLcovParser(options: ParseOptions): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const report = new ReportBuilder(sink, options.limits);
  let file: FileCoverageBuilder | null = null;
  let inRecord = false;
  let recordStart = 0;
  let daCount = 0;
  let lf = -1;
  // A record with FN/FNDA/FNF lines has a function metric (possibly zero functions); one without
  // (coverage.py) has none, and its function totals are null rather than 0.
  let hasFunctionMetric = false;
  let fns: PendingFunction[] = [];
  const fnByName = new Map<string, PendingFunction[]>();
  const fndaSeen = new Map<string, number>();
  let sawAnyRecord = false;

  const bad = (at: number, what: string, text: string) =>
    sink.error('CW_LCOV_BAD_RECORD', `line ${at}: expected ${what}, found "${text.slice(0, 80)}"`, at);

  const closeRecord = () => {
    if (file !== null) {
      if (hasFunctionMetric) file.enableFunctions();
      for (const f of fns) file.fn(f.name, f.line, f.hits, f.endLine, f.at);
      if (lf >= 0 && lf !== daCount) {
        sink.add(
          'CW_LCOV_SUMMARY_MISMATCH',
          'info',
          `record for ${file.path} (line ${recordStart}) has ${daCount} DA lines but LF:${lf}; Coverwatch counts the DA lines`,
          recordStart,
        );
      }
    }
    file = null;
    inRecord = false;
    daCount = 0;
    lf = -1;
    hasFunctionMetric = false;
    fns = [];
    fnByName.clear();
    fndaSeen.clear();
  };

  const onLine = (text: string, at: number) => {
    if (text.length === 0) return;
    const colon = text.indexOf(':');
    if (colon < 0) {
      if (text === 'end_of_record') {
        if (!inRecord) sink.warn('CW_LCOV_STRAY_END', `line ${at}: end_of_record without SF`, at);
        closeRecord();
        return;
      }
      if (text.trim().length === 0) return;
      bad(at, 'an LCOV record such as "DA:<line>,<hits>"', text);
      return;
    }
    const tag = text.slice(0, colon);
    const v = colon + 1;
    switch (tag) {
      case 'DA': {
        if (file === null) return noFile(at, tag);
        const c1 = text.indexOf(',', v);
        if (c1 < 0) return bad(at, '"DA:<line>,<hits>[,<checksum>]"', text);
        const c2 = text.indexOf(',', c1 + 1);
        const line = parseUint(text, v, c1);
        const hits = parseCount(text, c1 + 1, c2 < 0 ? text.length : c2);
        if (line < 0 || hits < 0) return bad(at, '"DA:<line>,<hits>[,<checksum>]" with non-negative integers', text);
        daCount++;
        file.line(line, hits, at);
        return;
      }
      case 'BRDA': {
        if (file === null) return noFile(at, tag);
        // BRDA:<line>,<block>,<branch>,<taken>; lcov 2.x allows commas inside <branch> (an expression).
        const c1 = text.indexOf(',', v);
        const c2 = c1 < 0 ? -1 : text.indexOf(',', c1 + 1);
        const cl = text.lastIndexOf(',');
        if (c1 < 0 || c2 < 0 || cl <= c2) return bad(at, '"BRDA:<line>,<block>,<branch>,<taken>"', text);
        const line = parseUint(text, v, c1);
        const takenText = text.slice(cl + 1);
        // `-` means the block never ran: not taken, and no count to add.
        const taken = takenText === '-' ? 0 : parseCount(takenText);
        if (line < 0 || taken < 0) return bad(at, '"BRDA:<line>,<block>,<branch>,<taken>" with <taken> a count or "-"', text);
        file.branch(line, text.slice(c1 + 1, cl), taken, at);
        return;
      }
      case 'FN': {
        if (file === null) return noFile(at, tag);
        hasFunctionMetric = true;
        const c1 = text.indexOf(',', v);
        if (c1 < 0) return bad(at, '"FN:<line>,<name>"', text);
        const line = parseUint(text, v, c1);
        if (line < 0) return bad(at, '"FN:<line>[,<end line>],<name>"', text);
        let name = text.slice(c1 + 1);
        let endLine: number | null = null;
        // lcov 2.x: FN:<start>,<end>,<name>. Function names never start with a digit.
        const c2 = text.indexOf(',', c1 + 1);
        if (c2 > 0) {
          const e = parseUint(text, c1 + 1, c2);
          if (e >= 0) {
            endLine = e;
            name = text.slice(c2 + 1);
          }
        }
        const f: PendingFunction = { name, line, endLine, hits: 0, at };
        fns.push(f);
        const list = fnByName.get(name);
        if (list === undefined) fnByName.set(name, [f]);
        else list.push(f);
        return;
      }
      case 'FNDA': {
        if (file === null) return noFile(at, tag);
        const c1 = text.indexOf(',', v);
        if (c1 < 0) return bad(at, '"FNDA:<hits>,<name>"', text);
        const hits = parseCount(text, v, c1);
        if (hits < 0) return bad(at, '"FNDA:<hits>,<name>" with a non-negative count', text);
        const name = text.slice(c1 + 1);
        const list = fnByName.get(name);
        if (list === undefined) {
          sink.warn('CW_LCOV_FNDA_WITHOUT_FN', `line ${at}: FNDA for "${name.slice(0, 80)}" has no FN record; ignored`, at);
          return;
        }
        // Several functions may share a name (istanbul writes one FN/FNDA pair per function, in the
        // same order); the n-th FNDA of a name belongs to its n-th FN, extra ones to the last.
        const n = fndaSeen.get(name) ?? 0;
        fndaSeen.set(name, n + 1);
        const target = list[Math.min(n, list.length - 1)]!;
        target.hits = n < list.length ? hits : target.hits + hits;
        return;
      }
      case 'SF': {
        if (inRecord) {
          sink.warn('CW_LCOV_MISSING_END', `line ${at}: SF before the previous record's end_of_record`, at);
          closeRecord();
        }
        sawAnyRecord = true;
        inRecord = true;
        recordStart = at;
        file = report.file(text.slice(v), at);
        return;
      }
      case 'LF': {
        const n = parseUint(text, v);
        if (n < 0) return bad(at, '"LF:<count>"', text);
        lf = n;
        return;
      }
      // Summaries are recomputed from records; lcov 2.x function aliases/leaders and MC/DC records
      // are data we do not model yet.
      case 'FNF':
      case 'FNH':
        hasFunctionMetric = true;
        return;
      case 'TN':
      case 'LH':
      case 'BRF':
      case 'BRH':
      case 'VER':
      case 'FNL':
      case 'FNA':
      case 'MCDC':
        return;
      default:
        sink.warn('CW_LCOV_UNKNOWN_RECORD', `line ${at}: unknown record type "${tag.slice(0, 40)}"; ignored`, at);
    }
  };

  const noFile = (at: number, tag: string) => {
    sink.error('CW_LCOV_NO_SOURCE', `line ${at}: ${tag} record outside an SF ... end_of_record block`, at);
  };

  const splitter = new LineSplitter(onLine, sink, options.limits.maxRecordLength);
  return {
    write: (chunk) => splitter.write(chunk),
    end(): ParseOutcome {
      splitter.end();
      if (inRecord) {
        sink.warn('CW_LCOV_MISSING_END', 'the last record has no end_of_record (truncated file?)', splitter.lines);
        closeRecord();
      }
      if (!sawAnyRecord) sink.error('CW_LCOV_EMPTY', 'no SF record found: not an LCOV tracefile, or empty');
      const diagnostics = sink.finish();
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics };
    },
  };
}

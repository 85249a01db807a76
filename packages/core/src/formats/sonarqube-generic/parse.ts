import { DiagnosticSink } from '../../model/diagnostics.js';
import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { ReportBuilder } from '../../model/report.js';
import { XmlTokenizer, type XmlAttributes } from '../../xml/xml-tokenizer.js';
import type { ParseOptions, ParseOutcome, StreamParser } from '../types.js';

/**
 * Branch outcomes a report may declare beyond one per input byte. `branchesToCover="1000000000"`
 * costs a few bytes, so without a budget a tiny hostile report could demand a billion branch records;
 * real reports declare far fewer outcomes than they have bytes.
 */
const BRANCH_SLACK = 65_536;

/** Branch ids "0".."255", allocated once: the format gives only counts, so ids are positions. */
const BRANCH_IDS: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
const branchId = (i: number): string => (i < BRANCH_IDS.length ? BRANCH_IDS[i]! : String(i));

/**
 * SonarQube generic test coverage parser (`sonar.coverageReportPaths`; written by gcovr
 * `--sonarqube`, dotnet-sonarscanner converters, and hand-made exporters).
 *
 * - `<file path>` is kept exactly as written (SonarQube resolves it against the project base dir).
 * - `<lineToCover lineNumber covered>`: the format has no hit counts, so `covered="true"` is recorded
 *   as 1 hit and `"false"` as 0.
 * - `branchesToCover="n" coveredBranches="c"` gives only counts: outcomes "0".."n-1" are synthesized,
 *   the first c taken once. Two records of one line therefore merge to the larger covered count.
 * - There is no function or statement data: both metrics stay null.
 * See docs/formats/sonarqube-generic.md.
 */
export function createSonarqubeGenericParser(options: ParseOptions): StreamParser {
  const sink = new DiagnosticSink(options.fileName);
  const report = new ReportBuilder(sink, options.limits);
  let file: FileCoverageBuilder | null = null;
  let inFile = false;
  let sawRoot = false;
  let wrongRoot = false;
  let bytesSeen = 0;
  let outcomes = 0;
  let warnedBudget = false;
  const warnedElements = new Set<string>();

  const onLineToCover = (attrs: XmlAttributes) => {
    if (!inFile) {
      const at = tok.line;
      sink.error('CW_SONARQUBE_OUTSIDE_FILE', `line ${at}: <lineToCover> must be inside a <file path="..."> element`, at);
      return;
    }
    if (file === null) return; // the <file> was refused (diagnosed there)
    // uint() reads a number in place (no string); -2 = absent, -1 = not a non-negative integer.
    const line = attrs.uint('lineNumber');
    if (line < 1) return bad('CW_SONARQUBE_BAD_LINE', `<lineToCover lineNumber="..."> with a positive integer, found ${quote(attrs.get('lineNumber'))}`);
    const covered = attrs.get('covered');
    if (covered !== 'true' && covered !== 'false') return bad('CW_SONARQUBE_BAD_LINE', `<lineToCover covered="true|false">, found ${quote(covered)}`);
    // Finding the report line costs a newline scan: only when the builder will warn about the line.
    if (!file.line(line, covered === 'true' ? 1 : 0, line > options.limits.maxLineNumber ? tok.line : undefined)) return;
    const total = attrs.uint('branchesToCover');
    const hit = attrs.uint('coveredBranches');
    if (total === -2) {
      if (hit !== -2) {
        const at = tok.line;
        sink.warn('CW_SONARQUBE_BAD_BRANCHES', `line ${at}: coveredBranches without branchesToCover; ignored`, at);
      }
      return;
    }
    if (total < 0 || hit < 0) {
      return bad(
        'CW_SONARQUBE_BAD_BRANCHES',
        `branchesToCover and coveredBranches as non-negative integers, found ${quote(attrs.get('branchesToCover'))} and ${quote(attrs.get('coveredBranches'))}; the line is kept without branches`,
      );
    }
    if (hit > total) {
      // SonarQube refuses such a report; keep what is consistent and say so.
      return bad('CW_SONARQUBE_BAD_BRANCHES', `coveredBranches <= branchesToCover, found ${hit} > ${total}; the line is kept without branches`);
    }
    if (outcomes + total > bytesSeen + BRANCH_SLACK) {
      if (!warnedBudget) {
        warnedBudget = true;
        const at = tok.line;
        sink.error('CW_SONARQUBE_TOO_MANY_BRANCHES', `line ${at}: the report declares more branch outcomes than it could plausibly hold; the rest are ignored`, at);
      }
      return;
    }
    outcomes += total;
    for (let i = 0; i < total; i++) file.branch(line, branchId(i), i < hit ? 1 : 0);
  };

  const bad = (code: string, what: string) => {
    const at = tok.line;
    sink.error(code, `line ${at}: expected ${what}`, at);
  };

  const tok: XmlTokenizer = new XmlTokenizer(
    {
      openTag(name, attrs) {
        // Compare tag names with ===, most frequent first: this runs once per element.
        if (wrongRoot) return;
        if (name === 'lineToCover') return onLineToCover(attrs);
        if (name === 'file') {
          const at = tok.line;
          inFile = true;
          file = null;
          if (tok.openElements.length !== 2) {
            sink.error('CW_SONARQUBE_BAD_FILE', `line ${at}: <file> must be a child of <coverage>`, at);
            return;
          }
          const path = attrs.get('path');
          if (path === undefined || path.length === 0) {
            sink.error('CW_SONARQUBE_BAD_FILE', `line ${at}: expected <file path="..."> with a non-empty path`, at);
            return;
          }
          file = report.file(path, at);
          return;
        }
        if (!sawRoot) {
          sawRoot = true;
          const at = tok.line;
          if (name !== 'coverage') {
            wrongRoot = true;
            sink.error('CW_SONARQUBE_NOT_COVERAGE', `line ${at}: expected the root element <coverage version="1">, found <${name.slice(0, 40)}>`, at);
            return;
          }
          const version = attrs.get('version');
          if (version !== '1') {
            // SonarQube itself refuses any other version; the records are still read.
            sink.error('CW_SONARQUBE_VERSION', `line ${at}: expected <coverage version="1">, found version ${quote(version)}`, at);
          }
          return;
        }
        if (!warnedElements.has(name) && warnedElements.size < 16) {
          warnedElements.add(name);
          const at = tok.line;
          sink.warn('CW_SONARQUBE_UNKNOWN_ELEMENT', `line ${at}: unexpected element <${name.slice(0, 40)}> (expected <file> or <lineToCover>); ignored`, at);
        }
      },
      closeTag(name) {
        if (name === 'file') {
          inFile = false;
          file = null;
        }
      },
    },
    sink,
    { maxTokenLength: options.limits.maxRecordLength },
  );

  return {
    write(chunk) {
      bytesSeen += chunk.length;
      tok.write(chunk);
    },
    end(): ParseOutcome {
      tok.end();
      const diagnostics = sink.finish();
      return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics };
    },
  };
}

function quote(v: string | undefined): string {
  return v === undefined ? 'nothing' : `"${v.slice(0, 40)}"`;
}

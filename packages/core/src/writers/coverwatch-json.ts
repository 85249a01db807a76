import type { Report } from '../model/report.js';

/**
 * Coverwatch's normalized JSON: a lossless serialization of the report model (the `coverwatch-json`
 * format reads it back). Arrays of tuples keep it compact:
 * `{"coverwatch": 1, "files": [{"path", "lines": [[line, hits]], "branches": [[line, id, taken]],
 *   "functions": [[name, line, endLine|null, hits]] | null, "statements": [[line, column, hits]] | null}]}`
 */
export function* writeCoverwatchJson(report: Report): Generator<string> {
  yield '{"coverwatch":1,"files":[';
  let first = true;
  for (const f of report.files) {
    const lines: [number, number][] = [];
    for (let i = 0; i < f.lineNumbers.length; i++) lines.push([f.lineNumbers[i]!, f.lineHits[i]!]);
    const branches: [number, string, number][] = [];
    for (let i = 0; i < f.branchLines.length; i++) branches.push([f.branchLines[i]!, f.branchIds[i]!, f.branchTaken[i]!]);
    const functions = f.functions === null ? null : f.functions.map((fn) => [fn.name, fn.line, fn.endLine, fn.hits]);
    let statements: [number, number, number][] | null = null;
    if (f.statements !== null) {
      statements = [];
      for (let i = 0; i < f.statements.lines.length; i++) statements.push([f.statements.lines[i]!, f.statements.columns[i]!, f.statements.hits[i]!]);
    }
    yield (first ? '' : ',') + JSON.stringify({ path: f.path, lines, branches, functions, statements });
    first = false;
  }
  yield ']}\n';
}

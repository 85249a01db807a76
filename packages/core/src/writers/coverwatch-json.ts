import type { FileCoverage } from '../model/file-coverage.js';
import type { Report } from '../model/report.js';

/**
 * Coverwatch's normalized JSON: a lossless serialization of the report model (the `coverwatch-json`
 * format reads it back). Arrays of tuples keep it compact:
 * `{"coverwatch": 1, "files": [{"path", "lines": [[line, hits]], "branches": [[line, id, taken]],
 *   "functions": [[name, line, endLine|null, hits]] | null, "statements": [[line, column, hits]] | null}]}`
 * The bytes are exactly JSON.stringify's of that shape (the server addresses stored coverage by
 * their hash), written without building the tuples: the server encodes every file of every upload.
 */
export function* writeCoverwatchJson(report: Report): Generator<string> {
  yield '{"coverwatch":1,"files":[';
  let first = true;
  for (const f of report.files) {
    yield (first ? '' : ',') + fileJson(f);
    first = false;
  }
  yield ']}\n';
}

/** One file as JSON.stringify({ path, lines, branches, functions, statements }) writes it. */
export function fileJson(f: FileCoverage): string {
  const parts: string[] = ['{"path":', JSON.stringify(f.path), ',"lines":['];
  const { lineNumbers: ln, lineHits: lh } = f;
  for (let i = 0; i < ln.length; i++) parts.push(`${i === 0 ? '' : ','}[${ln[i]},${num(lh[i]!)}]`);
  parts.push('],"branches":[');
  const { branchLines: bl, branchIds: bi, branchTaken: bt } = f;
  for (let i = 0; i < bl.length; i++) parts.push(`${i === 0 ? '' : ','}[${bl[i]},${JSON.stringify(bi[i])},${num(bt[i]!)}]`);
  parts.push('],"functions":');
  if (f.functions === null) parts.push('null');
  else {
    parts.push('[');
    f.functions.forEach((fn, i) => parts.push(`${i === 0 ? '' : ','}[${JSON.stringify(fn.name)},${num(fn.line)},${fn.endLine === null ? 'null' : num(fn.endLine)},${num(fn.hits)}]`));
    parts.push(']');
  }
  parts.push(',"statements":');
  if (f.statements === null) parts.push('null}');
  else {
    const { lines: sl, columns: sc, hits: sh } = f.statements;
    parts.push('[');
    for (let i = 0; i < sl.length; i++) parts.push(`${i === 0 ? '' : ','}[${sl[i]},${sc[i]},${num(sh[i]!)}]`);
    parts.push(']}');
  }
  return parts.join('');
}

/** A number as JSON.stringify writes it (non-finite numbers are null; the model never holds any). */
function num(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

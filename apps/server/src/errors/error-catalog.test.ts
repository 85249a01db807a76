import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, ERROR_KINDS, KIND_EXIT_CODE, KIND_HTTP_STATUS } from './error-catalog.js';

const doc = readFileSync(fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url)), 'utf8');

describe('error catalog', () => {
  it('every code is CW_ERR_<AREA>_<WHAT> with a known kind', () => {
    for (const [code, e] of Object.entries(ERROR_CATALOG)) {
      expect(code).toMatch(/^CW_ERR_[A-Z]+_[A-Z_]+$/);
      expect(ERROR_KINDS).toContain(e.kind);
    }
  });

  it('docs/errors.md lists exactly the catalog, with each kind', () => {
    const rows = [...doc.matchAll(/^\| `(CW_ERR_[A-Z_]+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(Object.entries(ERROR_CATALOG).map(([code, e]) => [code, e.kind]));
  });

  it('docs/errors.md has the kind table: HTTP status and exit code', () => {
    for (const k of ERROR_KINDS) expect(doc).toContain(`| ${k} | ${KIND_HTTP_STATUS[k]} | ${KIND_EXIT_CODE[k]} |`);
  });
});

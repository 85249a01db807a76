import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.js';

describe('exit codes', () => {
  it('docs/cli.md lists exactly the codes the CLI uses', () => {
    const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Exit codes'));
    const documented = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(documented).toEqual(Object.values(EXIT).sort((a, b) => a - b));
  });
});

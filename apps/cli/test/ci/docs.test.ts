import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CI_PROVIDERS } from '../../src/ci/providers.js';

const doc = readFileSync(new URL('../../../../docs/ci-providers.md', import.meta.url), 'utf8');

/** `## <name>` sections that carry a `Variables:` line, in document order. */
const sections = doc
  .split(/^## /m)
  .slice(1)
  .map((s) => ({ name: s.slice(0, s.indexOf('\n')).trim(), lines: s.split('\n') }))
  .filter((s) => s.lines.some((l) => l.startsWith('Variables: ')));

const ticked = (line: string) => [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
/** What a variable name looks like in the docs (excludes values such as `true` and `HEAD`). */
const VARIABLE = /^(?:[A-Z][A-Z0-9]*_[A-Z0-9_]*|ghprb[A-Za-z]+)$/;

describe('docs/ci-providers.md', () => {
  it('has one section per provider, in detection order', () => {
    expect(sections.map((s) => s.name)).toEqual(CI_PROVIDERS.map((p) => p.name));
  });

  it.each(CI_PROVIDERS)('lists exactly the variables $name reads, in the same order', (p) => {
    const section = sections.find((s) => s.name === p.name)!;
    const line = section.lines.find((l) => l.startsWith('Variables: '))!;
    expect(ticked(line)).toEqual([...p.variables]);
  });

  it.each(CI_PROVIDERS)('maps $name fields and detection only from listed variables', (p) => {
    const section = sections.find((s) => s.name === p.name)!;
    const rows = section.lines.filter((l) => /^\| [a-zA-Z.]+ \|/.test(l) && !l.startsWith('| CiInfo field'));
    expect(rows.length).toBeGreaterThanOrEqual(9);
    const detection = section.lines.filter((l) => l.includes('Detected when'));
    const mentioned = [...rows.map((r) => r.split(' | ').slice(1).join(' | ')), ...detection].flatMap(ticked).filter((t) => VARIABLE.test(t));
    expect(mentioned.filter((v) => !p.variables.includes(v))).toEqual([]);
    expect(section.lines.some((l) => l.startsWith(`Id \`${p.id}\``))).toBe(true);
  });
});

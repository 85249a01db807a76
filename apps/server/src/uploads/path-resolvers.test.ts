import { describe, expect, it } from 'vitest';
import { PathResolvers } from './path-resolvers.js';

describe('PathResolvers', () => {
  it('shares one resolver per file list and rules, and keeps only the latest few', () => {
    const r = new PathResolvers();
    const files = ['src/a.c', 'src/b.c'];
    const a = r.get(files, { fixes: [], ignore: [] });
    expect(r.get([...files], { fixes: [], ignore: [] })).toBe(a);
    expect(r.get(files, { fixes: [], ignore: ['src/b.c'] })).not.toBe(a);
    expect(r.get(['src/a.c'], { fixes: [], ignore: [] })).not.toBe(a);
    // A list is not the same as its entries joined differently, nor as no list.
    expect(r.get(['src/a.csrc/b.c'], { fixes: [], ignore: [] })).not.toBe(a);
    expect(r.get(null, { fixes: [], ignore: [] }).hasFileList).toBe(false);
    expect(r.get(files, { fixes: [], ignore: [] }).resolve('src/a.c')).toMatchObject({ kind: 'exact', target: 'src/a.c' });
    for (let i = 0; i < 5; i++) r.get([`x${i}.c`], { fixes: [], ignore: [] });
    expect(r.get(files, { fixes: [], ignore: [] })).not.toBe(a);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALLOWED_VARIABLES, OWN_VARIABLES } from '../../src/env/allowlist.js';
import { environmentFrom } from '../../src/env/environment.js';
import { CI_PROVIDERS } from '../../src/ci/providers.js';

const cliRoot = fileURLToPath(new URL('../../', import.meta.url));
const repoRoot = path.resolve(cliRoot, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('the environment boundary', () => {
  it('only env/environment.ts mentions process.env among the CLI sources', () => {
    const offenders = sources(path.join(cliRoot, 'src'))
      .filter((f) => /process\s*\.\s*env|process\s*\[/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(cliRoot, f));
    expect(offenders).toEqual(['src/env/environment.ts']);
  });

  it('the bundled uploader reads process.env in exactly one place, and never indexes process dynamically', () => {
    const bundle = path.join(cliRoot, 'dist/coverwatch.mjs');
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build (npm test does)`);
    const text = readFileSync(bundle, 'utf8');
    expect(text.match(/process\s*\.\s*env/g)).toHaveLength(1);
    expect(text).not.toMatch(/process\s*\[/);
    expect(text).not.toMatch(/Object\.(keys|entries|values)\(\s*process/);
  });

  it('refuses to read a variable outside the allowlist, and never sees the rest', () => {
    const env = environmentFrom({ AWS_SECRET_ACCESS_KEY: 'x', COVERWATCH_TOKEN: 'cw_up_x', COVERWATCH_URL: '' });
    expect(() => env.get('AWS_SECRET_ACCESS_KEY')).toThrow(/not on the uploader's allowlist/);
    expect(env.get('COVERWATCH_TOKEN')).toBe('cw_up_x');
    expect(env.get('COVERWATCH_URL')).toBeUndefined();
  });

  it('the allowlist is the own settings plus each provider\'s declared variables, and names no secret but our own', () => {
    expect(new Set(ALLOWED_VARIABLES)).toEqual(new Set([...OWN_VARIABLES, ...CI_PROVIDERS.flatMap((p) => p.variables)]));
    const secretLooking = ALLOWED_VARIABLES.filter((v) => /TOKEN|SECRET|PASSWORD|KEY|CREDENTIAL/i.test(v));
    // Our own credential (also as the Action's input), the GitLab ID token we are handed, and GitHub's OIDC request (its bearer goes only to GitHub's token service).
    expect(secretLooking.sort()).toEqual(['ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'COVERWATCH_ID_TOKEN', 'COVERWATCH_TOKEN', 'INPUT_TOKEN']);
  });

  it('docs/uploader.md lists exactly the uploader\'s own variables', () => {
    const doc = readFileSync(path.join(repoRoot, 'docs/uploader.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Environment variables'), doc.indexOf('\n## ', doc.indexOf('## Environment variables') + 5));
    const rows = [...section.matchAll(/^\| (`[^|]+`) \|/gm)].map((m) => m[1]!);
    const listed = rows.flatMap((cell) => [...cell.matchAll(/`([A-Za-z_-]+)`/g)].map((m) => m[1]));
    expect(new Set(listed)).toEqual(new Set(OWN_VARIABLES));
  });
});

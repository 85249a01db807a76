import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { actionArgs, actionEnv } from '../../src/action-inputs.js';
import { environmentFrom } from '../../src/env/environment.js';

describe('GitHub Action inputs', () => {
  it('map onto the flags of coverwatch upload; the token stays out of the arguments', () => {
    const env = environmentFrom({
      INPUT_URL: 'https://cov.example.com',
      INPUT_TOKEN: 'cw_up_secret',
      INPUT_FILES: 'coverage/lcov.info\n  backend/coverage.xml , ',
      INPUT_FLAGS: 'unit,py3.12',
      INPUT_NAME: 'tests',
      'INPUT_DRY-RUN': 'false',
      INPUT_WAIT: 'true',
      'INPUT_SOFT-FAIL': '',
    });
    const args = actionArgs(env);
    expect(args).toEqual(['upload', '--file=coverage/lcov.info', '--file=backend/coverage.xml', '--flag=unit', '--flag=py3.12', '--url=https://cov.example.com', '--name=tests', '--wait']);
    expect(args.join(' ')).not.toContain('secret');
    expect(actionEnv(env).get('COVERWATCH_TOKEN')).toBe('cw_up_secret');
  });

  it('a value starting with "-" stays a value', async () => {
    const { run } = await import('../../src/run.js');
    let stderr = '';
    const io = { stdout: { write: () => 0 }, stderr: { write: (s: string) => (stderr += s) }, cwd: '/', env: environmentFrom({}) };
    const code = await run(actionArgs(environmentFrom({ INPUT_FILES: '--version', 'INPUT_DRY-RUN': 'true' })), io);
    expect(code).toBe(4);
    expect(stderr).toMatch(/--version cannot be uploaded/);
  });

  it('refuses a boolean input that is not true or false', () => {
    expect(() => actionArgs(environmentFrom({ INPUT_WAIT: 'yes' }))).toThrow(/wait must be true or false/);
  });

  it('action.yml declares exactly the inputs the entry point reads', () => {
    const yml = readFileSync(new URL('../../../../action.yml', import.meta.url), 'utf8');
    const declared = [...yml.slice(yml.indexOf('inputs:'), yml.indexOf('runs:')).matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]);
    expect(declared.sort()).toEqual(['dry-run', 'files', 'flags', 'job', 'name', 'oidc', 'soft-fail', 'token', 'url', 'verbose', 'wait', 'wait-timeout']);
    expect(yml).toContain('main: apps/cli/dist/action.mjs');
  });
});

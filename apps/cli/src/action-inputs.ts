import type { Env } from './env/environment.js';

/**
 * The GitHub Action's entry point (action.yml): turns the action's inputs (INPUT_* variables, read
 * through the allowlist like everything else) into `coverwatch upload` flags, so the action and the
 * command are one code path.
 */
export function actionArgs(env: Env): string[] {
  const input = (name: string) => env.get(`INPUT_${name.toUpperCase()}`)?.trim();
  const args = ['upload'];
  const list = (v: string | undefined) => (v ?? '').split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== '');
  for (const f of list(input('files'))) args.push(`--file=${f}`);
  for (const f of list(input('flags'))) args.push(`--flag=${f}`);
  for (const name of ['url', 'name', 'job', 'wait-timeout'] as const) {
    const v = input(name);
    if (v !== undefined && v !== '') args.push(`--${name}=${v}`);
  }
  for (const name of ['dry-run', 'wait', 'soft-fail', 'verbose', 'oidc'] as const) {
    const v = input(name);
    if (v === undefined || v === '' || v === 'false') continue;
    if (v !== 'true') throw new Error(`input ${name} must be true or false, not ${JSON.stringify(v)}`);
    args.push(`--${name}`);
  }
  return args;
}

/** The action's token input, passed the same way as COVERWATCH_TOKEN (never as an argument: arguments show in process lists). */
export function actionEnv(env: Env): Env {
  const token = env.get('INPUT_TOKEN')?.trim();
  return { get: (name) => (name === 'COVERWATCH_TOKEN' && token !== undefined && token !== '' ? token : env.get(name)) };
}

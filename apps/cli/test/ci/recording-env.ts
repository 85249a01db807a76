import type { Env } from '../../src/env/environment.js';

/**
 * An Env over `source` that answers any name (unlike environmentFrom, which refuses names off the
 * global allowlist) and remembers every name it was asked for.
 */
export function recordingEnv(source: Readonly<Record<string, string>>): { env: Env; asked: Set<string> } {
  const asked = new Set<string>();
  return {
    asked,
    env: {
      get(name) {
        asked.add(name);
        const v = source[name];
        return v === undefined || v === '' ? undefined : v;
      },
    },
  };
}

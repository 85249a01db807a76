import { ALLOWED_VARIABLES, type AllowedVariable } from './allowlist.js';

/**
 * The uploader's only window on its environment. A CI job's environment holds cloud keys and
 * publish tokens (Codecov's 2021 uploader sent all of it to an attacker), so nothing here ever
 * enumerates the environment: values are read one allowlisted name at a time, and asking for any
 * other name is a programming error. A test fails if any other source file mentions `process.env`.
 */
export interface Env {
  get(name: AllowedVariable): string | undefined;
}

/** An Env over `source` (tests pass recorded variable sets). Empty values count as unset. */
export function environmentFrom(source: Readonly<Record<string, string | undefined>>): Env {
  const allowed = new Set<string>(ALLOWED_VARIABLES);
  return {
    get(name) {
      if (!allowed.has(name)) throw new Error(`environment variable ${name} is not on the uploader's allowlist`);
      const v = source[name];
      return v === undefined || v === '' ? undefined : v;
    },
  };
}

/** The real process environment, read through the allowlist. */
export function processEnvironment(): Env {
  return environmentFrom(process.env);
}

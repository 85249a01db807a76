import type { Env } from './env/environment.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface Io {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly cwd: string;
  /** The allowlisted environment (default: the process's, through env/environment.ts). */
  readonly env?: Env;
  /** Waits between retries and polls (tests shorten them). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What a command may touch of the outside world; tests pass their own. */
export interface Io {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly cwd: string;
}

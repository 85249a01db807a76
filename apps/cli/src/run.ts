export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  cwd: string;
}

export async function run(_argv: string[], io: Io): Promise<number> {
  io.stderr.write('coverwatch: not implemented yet\n');
  return 2;
}

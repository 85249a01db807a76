import { run } from '../src/run.js';

/** Runs the CLI in-process with captured output. */
export async function runCli(argv: string[], cwd = process.cwd()) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
  });
  return { code, stdout, stderr };
}

import { actionArgs, actionEnv } from './action-inputs.js';
import { processEnvironment } from './env/environment.js';
import { run } from './run.js';

/** The GitHub Action's entry point (action.yml); the inputs' mapping is in action-inputs.ts. */
const env = processEnvironment();
let code: number;
try {
  code = await run(actionArgs(env), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: actionEnv(env) });
} catch (e) {
  process.stderr.write(`coverwatch: ${(e as Error).message}\n`);
  code = 2;
}
process.exitCode = code;

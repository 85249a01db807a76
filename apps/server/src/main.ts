#!/usr/bin/env node
// The coverwatch-server executable: the only place that reads process globals; everything below
// gets them passed in.
import { run } from './cli/run.js';

const code = await run({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr }, process);
process.exitCode = code;

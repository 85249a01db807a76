import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { openMigratedDatabase } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { ADMIN_OPTIONS, ADMIN_USAGE, adminCommand } from './admin.command.js';
import { AUDIT_OPTIONS, AUDIT_USAGE, auditCommand } from './audit.command.js';
import type { CliIo } from './cli-io.js';
import { serveCommand } from './serve.command.js';

const USAGE = `usage: coverwatch-server <command> [options]
  serve      HTTP API, with the worker in the same process (default on the embedded database)
  worker     the worker alone (at scale: any number of them, beside serve with COVERWATCH_WORKER_IN_PROCESS=false)
  migrate    apply database migrations and exit (serve and worker do it too)
  admin      create organizations, repositories and tokens, link CI repositories (see: coverwatch-server admin --help)
  audit      export and verify the tamper-evident audit log (see: coverwatch-server audit --help)
options: --port N  --host ADDR  --data-dir DIR  --config FILE.json  --log-level LEVEL  --json
environment: COVERWATCH_* (docs/server.md)`;

/** The whole command line. Returns the exit code; a catalogued error exits with its kind's code. */
export async function run(io: CliIo, signals: NodeJS.EventEmitter): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...io.argv],
        allowPositionals: true,
        strict: true,
        options: {
          port: { type: 'string' },
          host: { type: 'string' },
          'data-dir': { type: 'string' },
          config: { type: 'string' },
          'log-level': { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
          ...ADMIN_OPTIONS,
          ...AUDIT_OPTIONS,
        },
      });
    } catch (e) {
      throw new AppError('CW_ERR_CLI_USAGE', `${(e as Error).message}\n${USAGE}`);
    }
    const [command, ...rest] = parsed.positionals;
    const v = parsed.values;
    if (v.help || command === undefined || command === 'help') {
      io.stdout.write((command === 'admin' ? ADMIN_USAGE : command === 'audit' ? AUDIT_USAGE : USAGE) + '\n');
      return command === undefined && !v.help ? 2 : 0;
    }
    const config = loadConfig({
      env: io.env,
      cwd: io.cwd,
      readFile: (f) => readFileSync(f, 'utf8'),
      flags: { port: v.port, host: v.host, 'data-dir': v['data-dir'], config: v.config, 'log-level': v['log-level'] },
    });
    const adminFlag = Object.keys(ADMIN_OPTIONS).find((k) => v[k as keyof typeof ADMIN_OPTIONS] !== undefined);
    if (command !== 'admin' && adminFlag !== undefined) throw new AppError('CW_ERR_CLI_USAGE', `--${adminFlag} is an option of admin commands only (coverwatch-server admin --help)\n${USAGE}`);
    const auditFlag = Object.keys(AUDIT_OPTIONS).find((k) => v[k as keyof typeof AUDIT_OPTIONS] !== undefined);
    if (command !== 'audit' && auditFlag !== undefined) throw new AppError('CW_ERR_CLI_USAGE', `--${auditFlag} is an option of audit commands only (coverwatch-server audit --help)\n${USAGE}`);
    switch (command) {
      case 'serve':
      case 'worker':
        if (rest.length > 0) throw new AppError('CW_ERR_CLI_USAGE', `${command} takes no arguments\n${USAGE}`);
        return await serveCommand(config, command, io, signals);
      case 'migrate': {
        const { db, applied } = await openMigratedDatabase(config);
        try {
          io.stdout.write(v.json ? JSON.stringify({ applied }) + '\n' : applied.length === 0 ? 'database is up to date\n' : `applied ${applied.join(', ')}\n`);
        } finally {
          await db.destroy();
        }
        return 0;
      }
      case 'admin':
        return await adminCommand(config, rest, v.json, io, {
          issuer: v.issuer,
          'repository-id': v['repository-id'],
          'owner-id': v['owner-id'],
          fix: v.fix,
          ignore: v.ignore,
          'expires-days': v['expires-days'],
          'overlap-hours': v['overlap-hours'],
          'expiring-within-days': v['expiring-within-days'],
          role: v.role,
          branch: v.branch,
        });
      case 'audit':
        return await auditCommand(config, rest, v.json, io, { since: v.since, checkpoint: v.checkpoint, 'public-key': v['public-key'] });
      default:
        throw new AppError('CW_ERR_CLI_USAGE', `unknown command ${JSON.stringify(command)}\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof AppError) {
      io.stderr.write(`coverwatch-server: ${e.code}: ${e.message}\n`);
      return e.exitCode;
    }
    io.stderr.write(`coverwatch-server: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

import path from 'node:path';
import { buildApp } from '../app.js';
import type { Config } from '../config/config.schema.js';
import { createLogger } from '../logging/logger.js';
import { redactDatabaseUrl } from '../db/database.js';
import { describeBlobStore } from '../blobs/open-blob-store.js';
import { openRuntime, queueDriver } from '../runtime.js';
import type { Worker } from '../worker/worker.js';
import type { CliIo } from './cli-io.js';

/** How long shutdown waits for jobs in flight before handing them back to the queue. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * `serve` (HTTP API, plus the worker unless worker.inProcess is false) and `worker` (the worker
 * alone). Both stop gracefully on SIGINT/SIGTERM. Resolves when the process should exit.
 */
export async function serveCommand(config: Config, mode: 'serve' | 'worker', io: CliIo, signals: NodeJS.EventEmitter): Promise<number> {
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config, { logger });
  let worker: Worker | null = null;
  const app = mode === 'serve' ? await buildApp(config, { ...runtime, logger }) : null;
  if (mode === 'worker' || config.worker.inProcess) worker = runtime.startWorker(logger.child({ component: 'worker' }));
  if (app !== null) {
    const address = await app.listen({ port: config.port, host: config.host });
    io.stderr.write(banner(address, config, io.cwd));
  } else {
    io.stderr.write(`coverwatch-server worker running (${where(config)})\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    signals.once('SIGINT', stop);
    signals.once('SIGTERM', stop);
  });
  logger.info('shutting down');
  await app?.close();
  await worker?.stop(SHUTDOWN_GRACE_MS);
  await runtime.close();
  return 0;
}

function banner(address: string, config: Config, cwd: string): string {
  const defaultDir = path.resolve(cwd, '.coverwatch');
  const dataFlag = config.dataDir === defaultDir ? '' : ` --data-dir ${JSON.stringify(config.dataDir)}`;
  const cmd = `npx coverwatch-server admin`;
  return [
    `coverwatch-server listening on ${address} (${where(config)}${config.worker.inProcess ? ', worker in-process' : ''})`,
    `Create the first organization, repository and upload token (in another terminal, from ${cwd}):`,
    `  ${cmd} create-org acme${dataFlag}`,
    `  ${cmd} create-repo acme/widgets${dataFlag}`,
    `  ${cmd} create-upload-token acme/widgets${dataFlag}`,
    `  ${cmd} create-read-token acme/widgets${dataFlag}`,
    oidcLine(config),
    `Docs: docs/server.md`,
    '',
  ].join('\n');
}

/** Whether CI can upload with OIDC ID tokens, and if not quite, what is missing. */
function oidcLine(config: Config): string {
  const issuers = config.oidc.issuers.map((i) => i.issuer).join(', ');
  if (issuers === '') return 'OIDC uploads: off (no oidc.issuers)';
  if (config.publicUrl === undefined) return `OIDC uploads: REFUSED: oidc.issuers is set (${issuers}) but publicUrl (COVERWATCH_PUBLIC_URL) is not`;
  return `OIDC uploads: on for ${issuers}, audience ${config.publicUrl} (link repositories with: npx coverwatch-server admin link-repo)`;
}

/** Where the data lives, for the banner: never the database password. */
function where(config: Config): string {
  if (config.databaseUrl === undefined && config.blobs.driver === 'fs') return `data in ${config.dataDir}`;
  const database = config.databaseUrl === undefined ? `SQLite in ${config.dataDir}` : redactDatabaseUrl(config.databaseUrl);
  return `database ${database}, queue ${queueDriver(config)}, blobs ${describeBlobStore(config)}`;
}

import type { Logger } from 'pino';
import type { AuditCheckpoints, TickResult } from './checkpoints.js';

/** The workers' periodic task (runtime.ts): one checkpoint tick, logged. A broken chain throws (the worker logs it as an error). */
export function checkpointTask(checkpoints: AuditCheckpoints, intervalMinutes: number, logger: Logger) {
  return {
    name: 'audit checkpoint',
    intervalMs: intervalMinutes * 60_000,
    async run(): Promise<TickResult> {
      const result = await checkpoints.tick();
      const cp = result.checkpoint?.checkpoint;
      if (result.created && cp !== undefined) logger.info({ seq: cp.seq, hash: cp.hash, keyId: cp.keyId }, 'audit checkpoint signed');
      // Sink names carry the file path or the webhook's host only, never its URL.
      for (const f of result.failed) logger.warn({ sink: f.sink, error: f.error }, 'audit checkpoint not delivered; retried at the next interval');
      return result;
    },
  };
}

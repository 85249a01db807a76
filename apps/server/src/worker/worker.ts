import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Job, JobQueue } from '../queue/job-queue.js';

/** Processes the jobs of one queue. `run` must be idempotent: a job can run again after a crash. */
export interface JobHandler {
  readonly queue: string;
  run(job: Job): Promise<void>;
  /** The job failed on its last attempt (or its lease ran out once too often): record why, for users. */
  onExhausted(job: Job, error: string): Promise<void>;
}

export interface WorkerOptions {
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly leaseMs: number;
  readonly logger: Logger;
  readonly workerId?: string;
  /** Housekeeping run every `intervalMs` while the worker runs (raw-upload retention); failures are logged, never fatal. */
  readonly periodic?: readonly { readonly name: string; readonly intervalMs: number; run(): Promise<unknown> }[];
}

/**
 * The worker loop: `concurrency` slots, each claiming a job, extending its lease while it runs
 * (a third of the lease at a time), then completing or failing it with exponential back-off.
 * Runs inside `serve` (embedded default) or alone as `coverwatch-server worker`.
 */
export class Worker {
  readonly id: string;
  private running = false;
  private readonly slots: Promise<void>[] = [];
  private readonly inFlight = new Set<string>();
  private wakers: (() => void)[] = [];
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: readonly JobHandler[],
    private readonly options: WorkerOptions,
  ) {
    this.id = options.workerId ?? `worker-${randomUUID()}`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.options.concurrency; i++) this.slots.push(this.slot());
    for (const task of this.options.periodic ?? []) {
      let busy = false;
      const tick = () => {
        if (busy || !this.running) return;
        busy = true;
        task
          .run()
          .then((result) => this.options.logger.debug({ task: task.name, result }, 'periodic task done'))
          .catch((e: unknown) => this.options.logger.error({ err: e, task: task.name }, 'periodic task failed'))
          .finally(() => (busy = false));
      };
      const timer = setInterval(tick, task.intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Looks for work now instead of at the next poll (called after an in-process enqueue). */
  wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }

  /**
   * Stops claiming, waits up to `graceMs` for jobs in flight, then hands the unfinished ones back
   * to the queue so another worker takes them at once instead of after their lease.
   */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    const outcome = await Promise.race([Promise.all(this.slots).then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const jobId of this.inFlight) await this.queue.release(jobId, this.id).catch(() => undefined);
    }
  }

  private async slot(): Promise<void> {
    while (this.running) {
      let job: Job | null = null;
      let handler: JobHandler | undefined;
      try {
        for (const h of this.handlers) {
          job = await this.queue.claim(h.queue, this.id, this.options.leaseMs);
          if (job !== null) {
            handler = h;
            break;
          }
        }
      } catch (e) {
        this.options.logger.error({ err: e }, 'claiming a job failed');
      }
      if (job === null || handler === undefined) {
        await this.sleep();
        continue;
      }
      await this.process(job, handler);
    }
  }

  private async process(job: Job, handler: JobHandler): Promise<void> {
    const log = this.options.logger.child({ jobId: job.id, queue: job.queue, attempt: job.attempts });
    this.inFlight.add(job.id);
    const heartbeat = setInterval(() => {
      this.queue.extend(job.id, this.id, this.options.leaseMs).catch((e: unknown) => log.warn({ err: e }, 'extending a lease failed'));
    }, Math.max(1000, Math.floor(this.options.leaseMs / 3)));
    try {
      if (job.attempts > job.maxAttempts) throw new Error('the job ran out of attempts (its worker stopped before finishing, each time)');
      await handler.run(job);
      await this.queue.complete(job.id, this.id);
      log.debug('job done');
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const exhausted = job.attempts >= job.maxAttempts;
      log.error({ err: e, exhausted }, 'job failed');
      // Each step on its own: a throwing onExhausted must not keep the job claimed, or it would
      // come back after its lease, run out of attempts again, and loop for ever.
      if (exhausted) {
        try {
          await handler.onExhausted(job, message);
        } catch (e2) {
          log.error({ err: e2 }, 'recording an exhausted job failed');
        }
      }
      try {
        await this.queue.fail(job.id, this.id, message, Math.min(60_000, 500 * 2 ** (job.attempts - 1)));
      } catch (e3) {
        log.error({ err: e3 }, 'recording a job failure failed');
      }
    } finally {
      clearInterval(heartbeat);
      this.inFlight.delete(job.id);
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.pollIntervalMs);
      const waker = () => done();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakers.push(waker);
    });
  }
}

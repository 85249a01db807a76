import type { Db } from '../db/database.js';

/** A claimed job. `attempts` counts this claim; above `maxAttempts` the job is exhausted (see Worker). */
export interface Job {
  readonly id: string;
  readonly queue: string;
  readonly payload: unknown;
  readonly attempts: number;
  readonly maxAttempts: number;
}

export interface EnqueueOptions {
  readonly maxAttempts: number;
  readonly delayMs?: number;
  /** Enqueue inside this transaction, so the job exists exactly when the rows it refers to do. */
  readonly executor?: Db;
}

/**
 * A durable at-least-once queue with leases. A claimed job is invisible to other workers until its
 * lease (visibility timeout) runs out; a worker that dies simply stops extending it and the job is
 * claimed again. Handlers must therefore be idempotent. Implementations: the database (db-job-queue.ts)
 * (SQLite or PostgreSQL) and pg-boss (pg-boss-job-queue.ts, PostgreSQL); all pass job-queue.contract.ts.
 */
export interface JobQueue {
  enqueue(queue: string, payload: unknown, options: EnqueueOptions): Promise<string>;
  /** The next due job of `queue`, leased to `workerId` for `leaseMs`, or null when there is none. */
  claim(queue: string, workerId: string, leaseMs: number): Promise<Job | null>;
  /** Pushes the lease out; false when the worker no longer holds it. */
  extend(jobId: string, workerId: string, leaseMs: number): Promise<boolean>;
  /** Marks the job done; false when the worker no longer held it. */
  complete(jobId: string, workerId: string): Promise<boolean>;
  /** Records a failed attempt: the job runs again after `retryDelayMs`, or is marked failed when out of attempts. */
  fail(jobId: string, workerId: string, error: string, retryDelayMs: number): Promise<'retry' | 'failed' | 'lost'>;
  /** Hands a job back without counting the attempt (graceful shutdown). */
  release(jobId: string, workerId: string): Promise<void>;
  /** Throws when the queue cannot be used (for /readyz). */
  check(): Promise<void>;
}

import { NetworkError, type HttpResponse } from './transport.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Longest Retry-After honoured; a server asking for more is waited on for this long. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

export interface RetryHooks {
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly onRetry?: (why: string, delayMs: number, attempt: number) => void;
  readonly now?: () => number;
}

/**
 * Runs `attempt` until it yields a final response: network errors, 5xx and 429 are retried with
 * exponential backoff and full jitter (AWS's recipe: many CI jobs retrying in step would otherwise
 * hit a recovering server together), honouring Retry-After. The caller makes the request idempotent.
 */
export async function withRetries(attempt: () => Promise<HttpResponse>, policy: RetryPolicy, hooks: RetryHooks): Promise<HttpResponse> {
  for (let n = 1; ; n++) {
    let why: string;
    let delay = Math.round(hooks.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1)));
    try {
      const res = await attempt();
      if (!isRetryable(res.status) || n >= policy.attempts) return res;
      why = `HTTP ${res.status}`;
      const after = retryAfterMs(res.headers['retry-after'], hooks.now?.() ?? Date.now());
      if (after !== null) delay = Math.min(after, policy.maxRetryAfterMs);
    } catch (e) {
      if (!(e instanceof NetworkError) || !e.retryable || n >= policy.attempts) throw e;
      why = e.message;
    }
    hooks.onRetry?.(why, delay, n);
    await hooks.sleep(delay);
  }
}

export function isRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | null {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

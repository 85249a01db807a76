import { describe, expect, it } from 'vitest';
import { retryAfterMs, withRetries, DEFAULT_RETRY } from '../../src/upload/http/retry.js';
import { NetworkError, type HttpResponse } from '../../src/upload/http/transport.js';

const res = (status: number, headers: Record<string, string> = {}): HttpResponse => ({ status, headers, body: Buffer.alloc(0) });

function script(...steps: (HttpResponse | Error)[]) {
  let i = 0;
  return async () => {
    const s = steps[Math.min(i++, steps.length - 1)]!;
    if (s instanceof Error) throw s;
    return s;
  };
}

describe('retries', () => {
  it('retries network errors, 5xx and 429 with jittered exponential backoff, then returns the final answer', async () => {
    const delays: number[] = [];
    const out = await withRetries(script(new NetworkError('ECONNRESET'), res(502), res(503), res(202)), DEFAULT_RETRY, { sleep: async (ms) => void delays.push(ms), random: () => 1 });
    expect(out.status).toBe(202);
    expect(delays).toEqual([1000, 2000, 4000]);
  });

  it('full jitter: random() scales each delay', async () => {
    const delays: number[] = [];
    await withRetries(script(res(500), res(500), res(200)), DEFAULT_RETRY, { sleep: async (ms) => void delays.push(ms), random: () => 0.25 });
    expect(delays).toEqual([250, 500]);
  });

  it('honours Retry-After in seconds and as a date, capped', async () => {
    const delays: number[] = [];
    const now = Date.parse('2026-11-27T12:00:00Z');
    await withRetries(script(res(429, { 'retry-after': '7' }), res(503, { 'retry-after': 'Fri, 27 Nov 2026 12:00:30 GMT' }), res(429, { 'retry-after': '99999' }), res(200)), DEFAULT_RETRY, {
      sleep: async (ms) => void delays.push(ms),
      random: () => 0.5,
      now: () => now,
    });
    expect(delays).toEqual([7000, 30_000, DEFAULT_RETRY.maxRetryAfterMs]);
  });

  it('does not retry other 4xx, and stops after the last attempt', async () => {
    let calls = 0;
    const counted = async () => {
      calls++;
      return res(401);
    };
    expect((await withRetries(counted, DEFAULT_RETRY, { sleep: async () => {}, random: () => 0 })).status).toBe(401);
    expect(calls).toBe(1);
    const policy = { ...DEFAULT_RETRY, attempts: 3 };
    expect((await withRetries(script(res(500)), policy, { sleep: async () => {}, random: () => 0 })).status).toBe(500);
    await expect(withRetries(script(new NetworkError('ECONNREFUSED')), policy, { sleep: async () => {}, random: () => 0 })).rejects.toThrow('ECONNREFUSED');
  });

  it('reads Retry-After forms', () => {
    expect(retryAfterMs('3', 0)).toBe(3000);
    expect(retryAfterMs(undefined, 0)).toBeNull();
    expect(retryAfterMs('soon', 0)).toBeNull();
  });
});

/** One throttle rule: `free` failures are allowed, then each failure doubles the wait, from `baseMs` up to `maxMs`. */
export interface ThrottleRule {
  readonly free: number;
  readonly baseMs: number;
  readonly maxMs: number;
  /** A key without a failure for this long starts over. */
  readonly forgetMs: number;
}

/**
 * Per account and source pair: strict (the attacker guessing one account from one place). Per
 * account: lenient, and not applied to a place the account signed in from before, so an attacker
 * elsewhere cannot lock the real user out (ASVS 6.3.1). Per IP: against credential stuffing over
 * many accounts.
 */
export const SIGN_IN_RULES = Object.freeze({
  pair: { free: 5, baseMs: 1000, maxMs: 15 * 60_000, forgetMs: 60 * 60_000 },
  account: { free: 20, baseMs: 1000, maxMs: 60_000, forgetMs: 60 * 60_000 },
  ip: { free: 100, baseMs: 1000, maxMs: 15 * 60_000, forgetMs: 60 * 60_000 },
} satisfies Record<string, ThrottleRule>);

/** Keys remembered at most (oldest forgotten first), so the maps cannot grow without bound. */
const MAX_KEYS = 100_000;

/** Failures per key with growing waits (also used by the second-factor throttle, mfa/mfa-throttle.ts). */
export class Counter {
  private readonly entries = new Map<string, { failures: number; last: number; blockedUntil: number }>();
  constructor(private readonly rule: ThrottleRule) {}

  /** Milliseconds to wait before the next attempt (0: go ahead). */
  wait(key: string, now: number): number {
    const e = this.live(key, now);
    return e === undefined ? 0 : Math.max(0, e.blockedUntil - now);
  }

  fail(key: string, now: number): void {
    const e = this.live(key, now) ?? { failures: 0, last: now, blockedUntil: 0 };
    e.failures++;
    e.last = now;
    if (e.failures > this.rule.free) e.blockedUntil = now + Math.min(this.rule.maxMs, this.rule.baseMs * 2 ** Math.min(30, e.failures - this.rule.free - 1));
    this.entries.delete(key);
    this.entries.set(key, e);
    if (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value!);
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  private live(key: string, now: number) {
    const e = this.entries.get(key);
    if (e !== undefined && now - e.last > this.rule.forgetMs && now >= e.blockedUntil) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
}

/**
 * Sign-in throttling with growing delays (ASVS 6.1.1, 6.3.1). In memory, per server process: several
 * `serve` processes each keep their own counts (documented in docs/security.md). The client IP is
 * request.ip: the socket's, or the forwarded one from a configured trusted proxy (app.ts).
 */
export class SignInThrottle {
  private readonly pair: Counter;
  private readonly account: Counter;
  private readonly ip: Counter;
  /** Account and IP pairs that signed in successfully: exempt from the account-wide rule. */
  private readonly known = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    rules: { pair: ThrottleRule; account: ThrottleRule; ip: ThrottleRule } = SIGN_IN_RULES,
  ) {
    this.pair = new Counter(rules.pair);
    this.account = new Counter(rules.account);
    this.ip = new Counter(rules.ip);
  }

  /** Milliseconds before this email may be tried from this IP (0: now). Same answer for existing and unknown emails. */
  wait(email: string, ip: string): number {
    const t = this.now();
    const pairKey = `${email}\n${ip}`;
    return Math.max(this.pair.wait(pairKey, t), this.ip.wait(ip, t), this.known.has(pairKey) ? 0 : this.account.wait(email, t));
  }

  failed(email: string, ip: string): void {
    const t = this.now();
    this.pair.fail(`${email}\n${ip}`, t);
    this.account.fail(email, t);
    this.ip.fail(ip, t);
  }

  succeeded(email: string, ip: string): void {
    const pairKey = `${email}\n${ip}`;
    this.pair.reset(pairKey);
    this.known.delete(pairKey);
    this.known.set(pairKey, this.now());
    if (this.known.size > MAX_KEYS) this.known.delete(this.known.keys().next().value!);
  }
}

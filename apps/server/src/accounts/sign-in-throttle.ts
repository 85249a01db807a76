import type { ThrottleRule, ThrottleStore } from '../throttle/throttle-store.js';

export type { ThrottleRule } from '../throttle/throttle-store.js';

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

/**
 * Sign-in throttling with growing delays (ASVS 6.1.1, 6.3.1), counted in the database
 * (throttle/throttle-store.ts): every `serve` process shares the counts. The client IP is
 * request.ip: the socket's, or the forwarded one from a configured trusted proxy (app.ts).
 */
export class SignInThrottle {
  constructor(
    private readonly store: ThrottleStore,
    private readonly now: () => number = Date.now,
    private readonly rules: { pair: ThrottleRule; account: ThrottleRule; ip: ThrottleRule } = SIGN_IN_RULES,
  ) {}

  /** Milliseconds before this email may be tried from this IP (0: now). Same answer for existing and unknown emails. */
  async wait(email: string, ip: string): Promise<number> {
    const t = this.now();
    const pairKey = `${email}\n${ip}`;
    const [pair, byIp, known] = await Promise.all([
      this.store.wait('sign-in:pair', pairKey, this.rules.pair, t),
      this.store.wait('sign-in:ip', ip, this.rules.ip, t),
      this.store.isKnown('sign-in', pairKey, t),
    ]);
    const account = known ? 0 : await this.store.wait('sign-in:account', email, this.rules.account, t);
    return Math.max(pair, byIp, account);
  }

  async failed(email: string, ip: string): Promise<void> {
    const t = this.now();
    await this.store.fail('sign-in:pair', `${email}\n${ip}`, this.rules.pair, t);
    await this.store.fail('sign-in:account', email, this.rules.account, t);
    await this.store.fail('sign-in:ip', ip, this.rules.ip, t);
  }

  async succeeded(email: string, ip: string): Promise<void> {
    const pairKey = `${email}\n${ip}`;
    await this.store.reset('sign-in:pair', pairKey);
    await this.store.markKnown('sign-in', pairKey, this.now());
  }
}

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

  /**
   * Counts an attempt of this email from this IP before its password is checked: 0 to go ahead,
   * else the milliseconds to wait (and nothing is counted). Same answer for existing and unknown
   * emails. The account-wide rule spares pairs that signed in before.
   */
  async begin(email: string, ip: string): Promise<number> {
    const t = this.now();
    const checks = await this.counters(email, ip, t);
    const counted: (typeof checks)[number][] = [];
    let wait = 0;
    for (const c of checks) {
      const w = await this.store.attempt(c.ns, c.key, c.rule, t);
      if (w > 0) wait = Math.max(wait, w);
      else counted.push(c);
    }
    // Refused: the attempts counted on the other rules are taken back.
    if (wait > 0) for (const c of counted) await this.store.refund(c.ns, c.key, c.rule);
    return wait;
  }

  /** The password was right: the pair starts over, the per-account and per-address counts take this attempt back. */
  async succeeded(email: string, ip: string): Promise<void> {
    const t = this.now();
    const pairKey = `${email}\n${ip}`;
    for (const c of await this.counters(email, ip, t)) if (c.ns !== 'sign-in:pair') await this.store.refund(c.ns, c.key, c.rule);
    await this.store.reset('sign-in:pair', pairKey);
    await this.store.markKnown('sign-in', pairKey, t);
  }

  private async counters(email: string, ip: string, t: number) {
    const pairKey = `${email}\n${ip}`;
    const list = [
      { ns: 'sign-in:pair', key: pairKey, rule: this.rules.pair },
      { ns: 'sign-in:ip', key: ip, rule: this.rules.ip },
    ];
    if (!(await this.store.isKnown('sign-in', pairKey, t))) list.push({ ns: 'sign-in:account', key: email, rule: this.rules.account });
    return list;
  }
}

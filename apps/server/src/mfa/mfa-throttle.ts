import { Counter, type ThrottleRule } from '../accounts/sign-in-throttle.js';

/**
 * Failed second factors per account (ASVS 6.1.1, 6.3.1): 5 free, then a wait of 1 s doubling per
 * further failure, at most 15 minutes; forgotten an hour after the last failure or at a success.
 * Per account, not per address: whoever holds the password can sign in from any number of
 * addresses, and the code space is small (10^6 codes, 3 valid at a time with the +-1 step window).
 * At the ceiling a guesser gets 4 attempts an hour, each winning with probability 3/10^6. The cost:
 * someone holding the password can delay the real user's next verification by up to 15 minutes,
 * who then also learns (audit log, alerts) that the password is known.
 */
export const MFA_THROTTLE_RULE: ThrottleRule = Object.freeze({ free: 5, baseMs: 1000, maxMs: 15 * 60_000, forgetMs: 60 * 60_000 });

/** In memory, per server process, like the sign-in throttle (docs/security.md says so). */
export class MfaThrottle {
  private readonly counter: Counter;

  constructor(
    private readonly now: () => number = Date.now,
    rule: ThrottleRule = MFA_THROTTLE_RULE,
  ) {
    this.counter = new Counter(rule);
  }

  /** Milliseconds before the account may try a second factor again (0: now). */
  wait(userId: string): number {
    return this.counter.wait(userId, this.now());
  }

  failed(userId: string): void {
    this.counter.fail(userId, this.now());
  }

  succeeded(userId: string): void {
    this.counter.reset(userId);
  }
}

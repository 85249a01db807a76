import type { ThrottleRule, ThrottleStore } from '../throttle/throttle-store.js';

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

/** Counted in the database, shared by every process, like the sign-in throttle (docs/security.md). */
export class MfaThrottle {
  constructor(
    private readonly store: ThrottleStore,
    private readonly now: () => number = Date.now,
    private readonly rule: ThrottleRule = MFA_THROTTLE_RULE,
  ) {}

  /** Counts an attempt before the factor is checked: 0 to go ahead, else the milliseconds to wait (nothing counted). */
  begin(userId: string): Promise<number> {
    return this.store.attempt('mfa', userId, this.rule, this.now());
  }

  /** Milliseconds before the account may try again (0: now); reads only. */
  wait(userId: string): Promise<number> {
    return this.store.wait('mfa', userId, this.rule, this.now());
  }

  succeeded(userId: string): Promise<void> {
    return this.store.reset('mfa', userId);
  }
}

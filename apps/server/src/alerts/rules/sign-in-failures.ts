import type { AuditRecord } from '../../audit/chain.js';
import { detail, MINUTE, type AlertRule } from '../alert.js';

/** The accounts helper records each sign-in attempt as `auth.sign_in`, outcome `failure` when refused. */
export const SIGN_IN_EVENT = 'auth.sign_in';

/** The account a sign-in was for: the target account, else the name typed (an unknown account has no id). */
export function accountOf(r: AuditRecord): string | undefined {
  return r.target?.id ?? detail(r, 'accountId') ?? detail(r, 'username') ?? detail(r, 'email') ?? r.actor.id;
}

const failed = (r: AuditRecord) => r.event === SIGN_IN_EVENT && r.outcome === 'failure';
const windowMs = (t: { signInWindowMinutes: number }) => t.signInWindowMinutes * MINUTE;

/** Guessing one account's password: `signInFailuresPerAccount` failures within `signInWindowMinutes`. */
export const signInFailuresPerAccount: AlertRule = {
  id: 'sign_in_failures_account',
  events: [SIGN_IN_EVENT],
  history: { events: [SIGN_IN_EVENT], lookbackMs: windowMs },
  evaluate(r, ctx) {
    const account = accountOf(r);
    if (!failed(r) || account === undefined) return [];
    const n = ctx.window(r, [SIGN_IN_EVENT], windowMs(ctx.thresholds)).filter((x) => failed(x) && accountOf(x) === account).length;
    // Exactly at the threshold: one alert per burst, not one per further failure.
    if (n !== ctx.thresholds.signInFailuresPerAccount) return [];
    return [
      {
        rule: this.id,
        severity: 'high',
        title: `${n} failed sign-ins for account ${r.target?.name ?? account} within ${ctx.thresholds.signInWindowMinutes} minutes`,
        key: `${this.id}:${account}:${r.seq}`,
        details: { account, failures: n, windowMinutes: ctx.thresholds.signInWindowMinutes, lastIp: r.source.ip ?? null },
      },
    ];
  },
};

/** Password spraying: failed sign-ins for `signInFailuresPerIp` distinct accounts from one IP within the window. */
export const signInFailuresPerIp: AlertRule = {
  id: 'sign_in_failures_ip',
  // It names an attacker's address and how many accounts were tried: not for one of those accounts.
  operatorOnly: true,
  events: [SIGN_IN_EVENT],
  history: { events: [SIGN_IN_EVENT], lookbackMs: windowMs },
  evaluate(r, ctx) {
    const ip = r.source.ip;
    const account = accountOf(r);
    if (!failed(r) || ip === undefined || account === undefined) return [];
    const earlier = ctx.window(r, [SIGN_IN_EVENT], windowMs(ctx.thresholds)).filter((x) => x.seq < r.seq && failed(x) && x.source.ip === ip);
    const accounts = new Set(earlier.map(accountOf).filter((a) => a !== undefined));
    // Only the failure that adds the n-th distinct account raises it.
    if (accounts.has(account) || accounts.size + 1 !== ctx.thresholds.signInFailuresPerIp) return [];
    return [
      {
        rule: this.id,
        severity: 'high',
        title: `failed sign-ins for ${accounts.size + 1} accounts from ${ip} within ${ctx.thresholds.signInWindowMinutes} minutes`,
        key: `${this.id}:${ip}:${r.seq}`,
        details: { ip, accounts: accounts.size + 1, failures: earlier.length + 1, windowMinutes: ctx.thresholds.signInWindowMinutes },
      },
    ];
  },
};

/** The second-factor helper records each refused code, recovery code or passkey as `auth.mfa_verify`, outcome `failure`. */
export const MFA_VERIFY_EVENT = 'auth.mfa_verify';

const mfaFailed = (r: AuditRecord) => r.event === MFA_VERIFY_EVENT && r.outcome === 'failure';

/**
 * Someone who knows an account's password is guessing its second factor: as many failed second
 * factors for one account within the window as the per-account sign-in threshold. Worse news than
 * failed sign-ins: the password itself was right.
 */
export const mfaFailuresPerAccount: AlertRule = {
  id: 'mfa_failures_account',
  events: [MFA_VERIFY_EVENT],
  history: { events: [MFA_VERIFY_EVENT], lookbackMs: windowMs },
  evaluate(r, ctx) {
    const account = r.actor.id;
    if (!mfaFailed(r) || account === undefined) return [];
    const n = ctx.window(r, [MFA_VERIFY_EVENT], windowMs(ctx.thresholds)).filter((x) => mfaFailed(x) && x.actor.id === account).length;
    if (n !== ctx.thresholds.signInFailuresPerAccount) return [];
    return [
      {
        rule: this.id,
        severity: 'high',
        title: `${n} failed second factors for account ${r.target?.name ?? account} within ${ctx.thresholds.signInWindowMinutes} minutes: its password is known`,
        key: `${this.id}:${account}:${r.seq}`,
        details: { account, failures: n, windowMinutes: ctx.thresholds.signInWindowMinutes, lastIp: r.source.ip ?? null },
      },
    ];
  },
};

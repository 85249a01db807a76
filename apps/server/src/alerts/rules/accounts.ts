import type { AuditRecord } from '../../audit/chain.js';
import { detail, type AlertRule } from '../alert.js';

/**
 * Events that grant a role (accounts and organizations, issue 5's accounts work). A role of
 * `owner` or `admin` in `details.role` (or `details.newRole`) raises an alert; so does
 * `details.admin: true` (a server administrator). Add an event here when the accounts code gains one.
 */
export const ROLE_EVENTS = ['account.created', 'account.role_granted', 'account.admin_granted', 'org.member_added', 'org.member_role_changed'];
const PRIVILEGED = new Set(['owner', 'admin']);

/** A new owner or administrator. */
export const privilegeGranted: AlertRule = {
  id: 'privilege_granted',
  events: ROLE_EVENTS,
  evaluate(r) {
    if (r.outcome !== 'success') return [];
    const role = detail(r, 'newRole') ?? detail(r, 'role');
    const admin = r.details['admin'] === true || r.event === 'account.admin_granted';
    if (!admin && (role === undefined || !PRIVILEGED.has(role))) return [];
    const who = r.target?.name ?? r.target?.id ?? detail(r, 'account') ?? 'an account';
    return [
      {
        rule: this.id,
        severity: 'high',
        title: `${who} became ${admin ? 'a server administrator' : `${role}${detail(r, 'org') ? ` of ${detail(r, 'org')}` : ''}`} (${r.event}, by ${by(r)})`,
        key: `${this.id}:${r.seq}`,
        details: { event: r.event, account: r.target?.id ?? null, role: admin ? 'admin' : (role ?? null), org: detail(r, 'org') ?? null, by: by(r) },
      },
    ];
  },
};

/** Events that weaken an account's sign-in: each raises an alert. */
export const WEAKENING_EVENTS: Readonly<Record<string, { title: string; severity: 'medium' | 'high' }>> = {
  'account.mfa_removed': { title: 'two-factor authentication removed', severity: 'high' },
  'account.recovery_codes_regenerated': { title: 'recovery codes regenerated', severity: 'medium' },
};

/** MFA removed, or recovery codes regenerated (what an attacker holding a session does first). */
export const accountSecurityWeakened: AlertRule = {
  id: 'account_security_weakened',
  events: Object.keys(WEAKENING_EVENTS),
  evaluate(r) {
    const what = WEAKENING_EVENTS[r.event];
    if (what === undefined || r.outcome !== 'success') return [];
    const who = r.target?.name ?? r.target?.id ?? r.actor.name ?? r.actor.id ?? 'an account';
    return [
      {
        rule: this.id,
        severity: what.severity,
        title: `${who}: ${what.title} (by ${by(r)}${r.source.ip ? ` from ${r.source.ip}` : ''})`,
        key: `${this.id}:${r.seq}`,
        details: { event: r.event, account: r.target?.id ?? r.actor.id ?? null, by: by(r), ip: r.source.ip ?? null },
      },
    ];
  },
};

function by(r: AuditRecord): string {
  return `${r.actor.type}${r.actor.name ? ` ${r.actor.name}` : r.actor.id ? ` ${r.actor.id}` : ''}`;
}

import type { OutgoingHttpHeaders } from 'node:http';
import { expect } from 'vitest';
import { API_CSP, HSTS, PERMISSIONS_POLICY } from '../src/http/security-headers.js';

/** The headers every answer carries besides its CSP (HSTS when the server's publicUrl is https). */
export function baseHeaders(hsts: boolean): Record<string, string> {
  return {
    ...(hsts ? { 'strict-transport-security': HSTS } : {}),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': PERMISSIONS_POLICY,
  };
}

/** Problems of one Set-Cookie value against the credential-cookie policy (empty: fine). */
export function cookieProblems(setCookie: string): string[] {
  const [pair, ...attrs] = setCookie.split(';').map((p) => p.trim());
  const name = pair!.split('=')[0]!;
  const has = (a: string) => attrs.some((x) => x.toLowerCase() === a.toLowerCase());
  const problems: string[] = [];
  if (!name.startsWith('__Host-')) problems.push(`${name}: not __Host- prefixed`);
  if (!has('Secure')) problems.push(`${name}: not Secure`);
  if (!has('HttpOnly')) problems.push(`${name}: not HttpOnly`);
  if (!has('SameSite=Lax')) problems.push(`${name}: not SameSite=Lax`);
  if (!has('Path=/')) problems.push(`${name}: no Path=/`);
  if (attrs.some((a) => /^domain=/i.test(a))) problems.push(`${name}: has a Domain`);
  return problems;
}

export interface Answer {
  readonly statusCode: number;
  readonly headers: OutgoingHttpHeaders | Record<string, string | string[] | number | undefined>;
}

/**
 * Checks one answer: every security header with its exact value, the strict API CSP (unless `csp`
 * says otherwise), no CORS grant, `Cache-Control: no-store` (`noStore`: required; today every
 * answer has it), a JSON content type on every body, and credential-cookie rules on any Set-Cookie.
 */
export function expectHardened(r: Answer, options: { hsts: boolean; label: string; csp?: string; noStore?: boolean; json?: boolean }): void {
  const { label } = options;
  for (const [name, value] of Object.entries(baseHeaders(options.hsts))) expect(r.headers[name], `${label}: ${name}`).toBe(value);
  if (!options.hsts) expect(r.headers['strict-transport-security'], `${label}: no HSTS`).toBeUndefined();
  expect(r.headers['content-security-policy'], `${label}: CSP`).toBe(options.csp ?? API_CSP);
  const cors = Object.keys(r.headers).filter((h) => h.toLowerCase().startsWith('access-control-'));
  expect(cors, `${label}: CORS headers`).toEqual([]);
  if (options.noStore ?? true) expect(r.headers['cache-control'], `${label}: cache-control`).toBe('no-store');
  if (options.json ?? true) expect(String(r.headers['content-type']), `${label}: content-type`).toMatch(/^application\/json; charset=utf-8$/);
  expect(r.headers['x-powered-by'], `${label}: x-powered-by`).toBeUndefined();
  expect(r.headers.server, `${label}: server`).toBeUndefined();
  const cookies = r.headers['set-cookie'];
  for (const c of cookies === undefined ? [] : [cookies].flat()) expect(cookieProblems(String(c)), `${label}: Set-Cookie ${String(c)}`).toEqual([]);
}

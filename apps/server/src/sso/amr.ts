/**
 * Authentication method references of RFC 8176, by the kind of factor they are. `geo`, `rba`, `user`,
 * `wia` and `mca` say how, not which factor, and count for none.
 */
const FACTOR_KIND: Readonly<Record<string, 'knowledge' | 'possession' | 'inherence'>> = {
  pwd: 'knowledge',
  pin: 'knowledge',
  kba: 'knowledge',
  hwk: 'possession',
  swk: 'possession',
  sc: 'possession',
  otp: 'possession',
  sms: 'possession',
  tel: 'possession',
  pop: 'possession',
  fpt: 'inherence',
  face: 'inherence',
  iris: 'inherence',
  retina: 'inherence',
  vbm: 'inherence',
};

/**
 * Whether an ID token's `amr` shows that the provider checked a second factor: `mfa` itself, or
 * methods of at least two kinds (something known, held or inherent: `pwd` + `otp`, `hwk` + `pin`).
 * Two of one kind (`pwd` + `pin`), anything else or no `amr`: the session still needs Coverwatch's
 * own second factor.
 */
export function amrProvesMfa(amr: unknown): boolean {
  if (!Array.isArray(amr)) return false;
  const methods = amr.filter((m): m is string => typeof m === 'string');
  if (methods.includes('mfa')) return true;
  return new Set(methods.map((m) => FACTOR_KIND[m]).filter((k) => k !== undefined)).size >= 2;
}

import { Secret, TOTP } from 'otpauth';

/**
 * TOTP as authenticator apps implement it (RFC 6238 defaults, the only parameters Google
 * Authenticator and most others honour): HMAC-SHA-1, 6 digits, 30-second steps. SHA-1 is fine in
 * HMAC (its collision weakness does not apply); the strength is the 160-bit secret.
 */
export const TOTP_PARAMS = Object.freeze({ algorithm: 'SHA1', digits: 6, period: 30 });
/** Steps accepted either side of the server's current one: +-1 (up to 30 s of clock drift or typing time). */
export const TOTP_WINDOW = 1;
/** 20 bytes: the secret length RFC 4226 recommends (160 bits), 32 base32 characters. */
const SECRET_BYTES = 20;

/** A new random secret, base32 (what an app is given). */
export function newTotpSecret(): string {
  // otpauth draws the bytes from node:crypto's randomBytes.
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The `otpauth://totp/...` URI of an authenticator app's QR code. */
export function totpUri(secretBase32: string, issuer: string, account: string): string {
  return totp(secretBase32, issuer, account).toString();
}

/** The time step of a moment (Unix time / 30 s). */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PARAMS.period);
}

/**
 * The time step the code belongs to, when it is the code of the server's current step or one either
 * side; null otherwise. Only the server's clock counts. Replay (a step already used) is the caller's
 * check: it holds the factor's last used step.
 */
export function matchTotp(secretBase32: string, code: string, nowMs: number): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  // otpauth compares in constant time and returns the offset of the matching step.
  const delta = totp(secretBase32, 'Coverwatch', 'user').validate({ token, timestamp: nowMs, window: TOTP_WINDOW });
  return delta === null ? null : totpStep(nowMs) + delta;
}

function totp(secretBase32: string, issuer: string, label: string): TOTP {
  return new TOTP({ issuer, label, secret: Secret.fromBase32(secretBase32), ...TOTP_PARAMS });
}

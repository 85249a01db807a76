import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppError } from '../errors/app-error.js';

/** ASVS 6.2.1: at least 12 characters. */
export const PASSWORD_MIN_CHARS = 12;
/** ASVS 6.2.9: at least 64 accepted; 128 (Unicode code points after NFC) are accepted unchanged. */
export const PASSWORD_MAX_CHARS = 128;

let common: ReadonlySet<string> | undefined;

/**
 * The bundled list of the 10,000 most common passwords (common-passwords.README.md says where it
 * comes from), lower-cased, read once, from beside this module (the server's build copies it into
 * `dist/accounts/`). A missing list stops the server rather than accepting every password.
 */
export function commonPasswords(): ReadonlySet<string> {
  if (common === undefined) {
    const file = fileURLToPath(new URL('./common-passwords.txt', import.meta.url));
    if (!existsSync(file)) throw new Error(`the common-password list ${file} is missing (the server's build copies it from src/accounts/)`);
    const entries = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    if (entries.length < 10_000) throw new Error(`the common-password list has ${entries.length} entries, expected 10000`);
    common = new Set(entries.map((e) => e.toLowerCase()));
  }
  return common;
}

/**
 * The password as it is hashed: Unicode NFC (the same text typed on another system gives the same
 * bytes), otherwise unchanged: no trimming, no truncation, no case folding.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

/**
 * Why a new password is refused, or null (ASVS 6.2.1, 6.2.4, 6.2.9, 6.2.5): length in code points
 * after NFC between 12 and 128, not on the common list (compared case-insensitively). No
 * composition rules (any character is allowed, spaces and emoji included).
 */
export function passwordProblem(password: string): string | null {
  const p = normalizePassword(password);
  const length = [...p].length;
  if (length < PASSWORD_MIN_CHARS) return `the password must have at least ${PASSWORD_MIN_CHARS} characters`;
  if (length > PASSWORD_MAX_CHARS) return `the password must have at most ${PASSWORD_MAX_CHARS} characters`;
  if (commonPasswords().has(p.toLowerCase())) return 'the password is one of the 10,000 most common passwords; choose another';
  return null;
}

/** Throws CW_ERR_ACCOUNT_PASSWORD_POLICY when the password is refused (the message never repeats the password). */
export function assertPasswordAcceptable(password: string): void {
  const problem = passwordProblem(password);
  if (problem !== null) throw new AppError('CW_ERR_ACCOUNT_PASSWORD_POLICY', problem, [{ path: 'body.password', message: problem }]);
}
